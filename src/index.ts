import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config';
import { startPlayground, stopPlayground } from './demo/playground';
import { createLogger } from './log';
import { startProduct } from './product';

async function main(): Promise<void> {
  // Local secrets live in .env.local (git-ignored); real deployments set the environment.
  if (existsSync('.env.local')) process.loadEnvFile('.env.local');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const product = await startProduct(config, logger);
  const playground = config.playground.enabled
    ? startPlayground({ botUrl: `http://localhost:${product.bot.port}`, port: config.playground.port, logger })
    : undefined;
  if (config.mode === 'demo') {
    logger.info('demo.ready', { message: `Open http://localhost:${config.playground.port} and type "help".` });
  }
  const shutdown = async (signal: string) => {
    logger.info('shutdown', { signal });
    await Promise.all([stopPlayground(playground), product.stop()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(JSON.stringify({ level: 'error', event: 'startup.failed', message: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
});
