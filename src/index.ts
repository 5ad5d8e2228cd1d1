import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config';
import { startPlayground, stopPlayground } from './demo/playground';
import { createLogger } from './log';
import { startTelemetry } from './telemetry';

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
  // Application Insights, when configured, must be registered before the product's modules load.
  const telemetry = startTelemetry(config.telemetry);
  if (telemetry) logger.info('telemetry.started', { exporter: 'Azure Monitor (Application Insights)' });
  const { startProduct } = await import('./product');
  const product = await startProduct(config, logger);
  const playground = config.playground.enabled
    ? startPlayground({ botUrl: `http://localhost:${product.bot.port}`, port: config.playground.port, logger })
    : undefined;
  if (config.mode === 'demo') {
    logger.info('demo.ready', { message: `Open http://localhost:${config.playground.port} and type "help".` });
  }
  // App Service (like any container host) sends SIGTERM and kills the process a little later.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const graceMs = config.shutdownGraceSeconds * 1000;
    logger.info('shutdown.started', { signal, graceSeconds: config.shutdownGraceSeconds });
    // If stopping itself hangs (a store that never answers), leave anyway: the claims hand the work over.
    setTimeout(() => void exit(1), graceMs + 5000).unref();
    try {
      await Promise.all([stopPlayground(playground), product.stop(graceMs)]);
      // Spans and metrics still buffered go out before the process ends.
      await telemetry?.shutdown();
      logger.info('shutdown.complete', { signal });
      await exit(0);
    } catch (error) {
      logger.error('shutdown.failed', { error });
      await exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Exits once what was written to stdout has been handed to the OS (a pipe to the log collector may be slow). */
function exit(code: number): Promise<never> {
  return new Promise(() => process.stdout.write('', () => process.exit(code)));
}

main().catch((error) => {
  console.error(JSON.stringify({ level: 'error', event: 'startup.failed', message: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
});
