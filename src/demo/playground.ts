import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';

/**
 * Starts the Microsoft 365 Agents Playground (an offline Teams client) against the bot.
 * It is a development dependency: when it is not installed the bot still runs.
 */
export function startPlayground(options: { botUrl: string; port: number; logger: Logger }): ChildProcess | undefined {
  const { logger } = options;
  const cli = join(__dirname, '..', '..', 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
  if (!existsSync(cli)) {
    logger.warn('playground.missing', { message: 'Agents Playground is not installed (npm install without --omit=dev); the bot runs without it.' });
    return undefined;
  }
  const child = spawn(
    process.execPath,
    [cli, '-e', `${options.botUrl}/api/messages`, '-c', 'msteams', '-p', String(options.port), '--disable-telemetry'],
    { env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const relay = (stream: NodeJS.ReadableStream | null) =>
    stream?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter((l) => l.trim())) {
        const listening = /Listening on (\d+)/.exec(line);
        if (listening) logger.info('playground.ready', { url: `http://localhost:${listening[1]}` });
        else logger.debug('playground.output', { line });
      }
    });
  relay(child.stdout);
  relay(child.stderr);
  child.on('exit', (code) => logger.info('playground.exit', { code }));
  return child;
}
