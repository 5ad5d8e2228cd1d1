import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { startProduct, type Product } from '../src/product';
import { startEchoBot } from './echoBot';
import type { BotProcessReply, BotProcessRequest } from './botProcess';

/**
 * Child-process entry (see BotProcess): the product exactly as `npm start` builds it in
 * tenant mode, or the echo bot, plus an IPC channel for what HTTP cannot reach (running
 * an alert cycle, reading memory).
 */

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // Logs go to stdout as in production; the parent points stdout at /dev/null.
  const logger = createLogger({ level: config.logLevel });
  let product: Product | undefined;
  let url: string;
  let stop: () => Promise<void>;
  if (process.env.BENCH_BOT_ROLE === 'echo') {
    const server = await startEchoBot(logger);
    url = server.url;
    stop = () => server.close();
  } else {
    product = await startProduct(config, logger);
    url = product.bot.url;
    stop = () => product!.stop();
  }
  const reply = (message: BotProcessReply) => process.send!(message);
  process.on('message', (request: BotProcessRequest) => {
    void (async () => {
      try {
        if (request.op === 'memory') {
          const { rss } = process.memoryUsage();
          // With --expose-gc, the heap figure is what is still referenced, not garbage waiting for a collection.
          (globalThis as { gc?: () => void }).gc?.();
          const { heapUsed } = process.memoryUsage();
          return reply({ id: request.id, result: { rssBytes: rss, heapUsedBytes: heapUsed, maxRssBytes: process.resourceUsage().maxRSS * 1024 } });
        }
        if (request.op === 'cycle') {
          if (!product) throw new Error('the echo bot has no alert poller');
          const started = performance.now();
          const report = await product.poller.runCycle();
          return reply({ id: request.id, result: { ms: performance.now() - started, report } });
        }
        await stop();
        reply({ id: request.id, result: {} });
        process.exit(0);
      } catch (error) {
        reply({ id: request.id, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  // Never outlive the benchmark, even when it dies without stopping us.
  process.on('disconnect', () => process.exit(0));
  reply({ ready: true, url });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
