import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';

/**
 * Starts the Microsoft 365 Agents Playground (an offline Teams client) against the bot.
 * It is a development dependency: when it is not installed the bot still runs.
 *
 * The playground dies with the bot, however the bot ends. It leads its own process group,
 * which stopPlayground() and the bot's exit stop as a whole; and it runs behind a small
 * watchdog that ends it when its IPC channel to the bot closes, which is also what happens
 * when the bot is killed outright (SIGKILL, a crash) and can run nothing itself.
 */

const POSIX = process.platform !== 'win32';

/**
 * Run with `node -e`: process.argv[1] is the playground's cli.js and the rest its options,
 * as if cli.js had been started directly. The channel does not keep the playground alive.
 */
const WATCHDOG = [
  "process.on('disconnect', () => process.exit(0));",
  'if (process.channel) process.channel.unref();',
  'require(process.argv[1]);',
].join(' ');

export function startPlayground(options: { botUrl: string; port: number; logger: Logger }): ChildProcess | undefined {
  const { logger } = options;
  const cli = join(__dirname, '..', '..', 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
  if (!existsSync(cli)) {
    logger.warn('playground.missing', { message: 'Agents Playground is not installed (npm install without --omit=dev); the bot runs without it.' });
    return undefined;
  }
  const child = spawn(
    process.execPath,
    ['-e', WATCHDOG, cli, '-e', `${options.botUrl}/api/messages`, '-c', 'msteams', '-p', String(options.port), '--disable-telemetry'],
    { env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: POSIX },
  );
  // Neither end of the channel keeps the bot running; it exists only to close when the bot goes.
  child.channel?.unref();
  child.unref();
  if (child.pid !== undefined) logger.info('playground.started', { pid: child.pid, port: options.port });
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
  const onBotExit = () => signal(child, 'SIGTERM');
  process.once('exit', onBotExit);
  child.on('exit', (code) => {
    process.removeListener('exit', onBotExit);
    logger.info('playground.exit', { code });
  });
  return child;
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (POSIX) process.kill(-child.pid, name);
    else child.kill(name);
  } catch {
    // Already gone.
  }
}

/** Stops the playground's process group: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopPlayground(child: ChildProcess | undefined, graceMs = 3_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal(child, 'SIGTERM');
  const timer = setTimeout(() => signal(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Anything the playground started in its group goes with it.
  signal(child, 'SIGKILL');
}
