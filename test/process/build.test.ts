import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator';
import { tenantModeEnv } from '../support/botCluster';
import { runToExit, spawnGroup, stopGroup } from '../support/processes';
import packageJson from '../../package.json';

/**
 * The production build as App Service runs it: `npm run build` compiles to dist/, and
 * `npm run serve`'s command runs it with plain Node (no tsx, no TypeScript at run time).
 */

const ROOT = resolve(__dirname, '..', '..');
/** Runs a command to its end in its own process group; fails the test with its output unless it succeeds. */
async function run(command: string, args: string[]): Promise<{ stdout: string }> {
  const result = await runToExit(command, args, { cwd: ROOT, timeoutMs: 150_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}
/** `node --optimize-for-size dist/index.js` → the Node options and the entry. */
const SERVE = packageJson.scripts.serve.split(' ').slice(1);

describe('the compiled build', function () {
  this.timeout(180_000);
  let simulator: GraphSimulator;
  let workDir: string;

  before(async () => {
    await run('npm', ['run', 'build']);
    simulator = await startGraphSimulator();
    workDir = mkdtempSync(join(tmpdir(), 'build-test-'));
  });
  after(async () => {
    await simulator?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('loads neither the simulator nor the Azure Storage SDK in tenant mode with the file store', async () => {
    const script = "require('./dist/product'); console.log(JSON.stringify(Object.keys(require.cache)))";
    const { stdout } = await run(process.execPath, ['-e', script]);
    const loaded: string[] = JSON.parse(stdout);
    assert.ok(loaded.some((file) => file.endsWith(join('dist', 'bot', 'app.js'))), 'the bot itself is loaded');
    assert.deepEqual(loaded.filter((file) => file.includes(join('dist', 'simulator'))), []);
    assert.deepEqual(loaded.filter((file) => file.includes(join('node_modules', '@azure', 'storage-blob'))), []);
    assert.deepEqual(loaded.filter((file) => file.includes(join('node_modules', 'tsx'))), []);
  });

  it('serves a tenant, then stops on SIGTERM with its last log line written and exit code 0', async () => {
    const env = { ...tenantModeEnv(simulator, workDir), STATE_DIR: join(workDir, 'state'), PORT: '0', ALERT_POLL_SECONDS: '0' };
    const child = spawnGroup(process.execPath, SERVE, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const url = await new Promise<string>((found, failed) => {
        child.stdout?.on('data', () => {
          const listening = /"event":"bot.listening","url":"([^"]+)\/api\/messages"/.exec(output);
          if (listening) found(listening[1]);
        });
        void exited.then((code) => failed(new Error(`the bot exited (${code}) before listening:\n${output}`)));
      });
      assert.equal((await fetch(`${url}/healthz`)).status, 200);

      process.kill(child.pid!, 'SIGTERM');
      assert.equal(await exited, 0);
      const events = output.trim().split('\n').map((line) => JSON.parse(line).event);
      assert.equal(events.at(-1), 'shutdown.complete', 'the last line reached stdout before exit');
      assert.ok(events.includes('shutdown.started'));
    } finally {
      await stopGroup(child);
    }
  });
});
