import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/freePort';
import { spawnGroup, stopGroup, trackGroup } from '../support/processes';

/**
 * The product's own child: in demo mode the bot (what `npm start` runs) starts the Agents
 * Playground. However the bot ends (Ctrl-C, a SIGTERM from a supervisor, or SIGKILL, after
 * which it can run nothing) the playground must not outlive it. Only the bot's own pid is
 * signalled here, never a group: the product has to do it.
 */

const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH', String(error));
    return false;
  }
}

async function eventually(what: string, check: () => boolean, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what}\n${output().slice(-3000)}`);
    await sleep(50);
  }
}

describe('the Agents Playground ends with the bot', function () {
  this.timeout(180_000);

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    it(`when the bot gets ${signal}`, async () => {
      const stateDir = mkdtempSync(join(tmpdir(), 'playground-test-'));
      // Demo mode from an environment built here: no Graph credentials, ports of our own.
      const bot = spawnGroup(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? stateDir, PORT: String(await freePort()), PLAYGROUND_PORT: String(await freePort()), STATE_DIR: stateDir, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      bot.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      bot.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => bot.once('exit', (code, s) => resolve({ code, signal: s })));
      let playground: number | undefined;
      try {
        await eventually('the playground answered', () => /"event":"playground\.ready"/.test(output) || bot.exitCode !== null, 120_000, () => output);
        assert.equal(bot.exitCode, null, `the bot exited at start-up:\n${output}`);
        playground = Number(/"event":"playground\.started","pid":(\d+)/.exec(output)?.[1]);
        assert.ok(playground > 0, `the bot logged the playground's pid:\n${output}`);
        trackGroup(playground, 'Agents Playground started by the bot');
        const url = /"event":"playground\.ready","url":"([^"]+)"/.exec(output)![1];
        assert.match(await (await fetch(`${url}/_debug/ping`)).text(), /pong/);
        assert.ok(exists(-playground), 'the playground leads its own process group');

        process.kill(bot.pid!, signal);
        const ended = await exited;
        if (signal === 'SIGKILL') assert.equal(ended.signal, 'SIGKILL');
        else assert.equal(ended.code, 0, `a clean shutdown:\n${output}`);
        const left = playground;
        await eventually(`the playground (process group ${left}) is still running after the bot ended`, () => !exists(-left), 15_000, () => output);
      } finally {
        await stopGroup(bot);
        if (playground) await stopGroup(playground);
        rmSync(stateDir, { recursive: true, force: true });
      }
    });
  }
});
