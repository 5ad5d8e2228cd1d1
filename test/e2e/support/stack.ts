import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, createWriteStream, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { loadConfig } from '../../../src/config';
import { startPlayground, stopPlayground } from '../../../src/demo/playground';
import { createLogger, type Logger } from '../../../src/log';
import { startProduct, type Product } from '../../../src/product';
import type { GraphSimulator } from '../../../src/simulator';
import { PlaygroundPage } from './playgroundPage';
import { freePort } from '../../support/freePort';
import { stopGroup, trackGroup } from '../../support/processes';

/**
 * Everything the end-to-end suite runs: the bot in demo mode (in this process, so tests
 * can reach into the Graph simulator), the Agents Playground as a child process pointed
 * at it, and Debian's Chromium driven by playwright-core with every request that leaves
 * localhost aborted.
 */

const ROOT = resolve(__dirname, '..', '..', '..');
export const SCREENSHOT_DIR = join(ROOT, 'test', 'e2e', 'screenshots');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PLAYGROUND_CLI = join(ROOT, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');

/** The flags Chromium needs on a machine with no network beyond the package registries. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What is missing to run the suite here, in words; empty when everything is installed. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM_PATH)) {
    missing.push(`Chromium is not installed at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  }
  if (!existsSync(PLAYGROUND_CLI)) {
    missing.push('the Agents Playground (@microsoft/m365agentsplayground) is not installed (npm install, without --omit=dev)');
  }
  return missing;
}

/** CI sets CI=true; there a missing browser or playground fails the run instead of skipping. */
export function runningInCi(): boolean {
  const value = (process.env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0';
}

export interface Stack {
  product: Product;
  simulator: GraphSimulator;
  playgroundUrl: string;
  page: PlaygroundPage;
  /** Requests the browser tried to send beyond localhost (all aborted). */
  blockedRequests: string[];
  stop(): Promise<void>;
}

function isLocal(url: string): boolean {
  try {
    const { hostname, protocol } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
    return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
  } catch {
    return false;
  }
}

/** Logs go to a file beside the screenshots: quiet test output, full story when something fails. */
function fileLogger(file: string): { logger: Logger; stream: WriteStream; lines: string[] } {
  const stream = createWriteStream(file);
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    write: (line) => {
      lines.push(line);
      stream.write(`${line}\n`);
    },
  });
  return { logger, stream, lines };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the bot, the playground and the browser, and opens the playground page.
 * Whatever was started is stopped again if a later step fails.
 */
export async function startStack(): Promise<Stack> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const file of readdirSync(SCREENSHOT_DIR)) {
    if (file.endsWith('.png') || file.endsWith('.log')) rmSync(join(SCREENSHOT_DIR, file));
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'e2e-state-'));
  const botLog = fileLogger(join(SCREENSHOT_DIR, 'bot.log'));
  const playgroundLog = fileLogger(join(SCREENSHOT_DIR, 'playground.log'));
  const cleanups: (() => Promise<void> | void)[] = [
    () => new Promise<void>((r) => botLog.stream.end(r)),
    () => new Promise<void>((r) => playgroundLog.stream.end(r)),
    () => rmSync(stateDir, { recursive: true, force: true }),
  ];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Keep stopping the rest.
      }
    }
  };

  try {
    // Demo mode from an environment built here, never the developer's: no Graph credentials,
    // no bot id (the playground only talks to anonymous bots), a short alert poll.
    const config = loadConfig({
      PORT: '0',
      STATE_DIR: stateDir,
      DEMO_PLAYGROUND: 'false',
      ALERT_POLL_SECONDS: '2',
      LOG_LEVEL: 'debug',
    });
    const product = await startProduct(config, botLog.logger);
    cleanups.push(() => product.stop());

    let playgroundPort: number | undefined;
    const port = await freePort();
    const watcher = {
      ...playgroundLog.logger,
      info(event: string, fields: Record<string, unknown> = {}) {
        const url = event === 'playground.ready' ? /:(\d+)$/.exec(String(fields.url)) : null;
        if (url) playgroundPort = Number(url[1]);
        playgroundLog.logger.info(event, fields);
      },
    };
    // The product's own launcher (what `npm start` uses in demo mode), told to log to our file.
    const child = startPlayground({ botUrl: `http://localhost:${product.bot.port}`, port, logger: watcher });
    if (!child) throw new Error('the Agents Playground did not start (see test/e2e/screenshots/playground.log)');
    // Its process group is registered, so it is stopped even when mocha exits early or is interrupted.
    if (child.pid !== undefined) trackGroup(child.pid, 'Agents Playground');
    cleanups.push(async () => {
      await stopPlayground(child);
      if (child.pid !== undefined) await stopGroup(child.pid);
    });
    let exitedEarly = false;
    child.once('exit', () => (exitedEarly = true));
    // It prints "Listening on <port>" (another port when ours was taken meanwhile).
    const listening = await waitFor('the playground to listen', 30_000, () => {
      if (exitedEarly) throw new Error('the Agents Playground exited at start-up (see test/e2e/screenshots/playground.log)');
      return playgroundPort;
    });
    const playgroundUrl = `http://localhost:${listening}`;
    await waitFor('GET /_debug/ping', 15_000, async () => {
      const pong = await fetch(`${playgroundUrl}/_debug/ping`).then((r) => r.text(), () => '');
      return pong.includes('pong') ? true : undefined;
    });

    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    cleanups.push(() => browser.close());
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US', timezoneId: 'UTC' });
    const blockedRequests: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      blockedRequests.push(url);
      return route.abort('blockedbyclient');
    });
    const page = new PlaygroundPage(await context.newPage(), playgroundUrl, SCREENSHOT_DIR);
    await page.open();
    return { product, simulator: product.simulator!, playgroundUrl, page, blockedRequests, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
