import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DEMO_IDS, startGraphSimulator, type GraphSimulator } from '../../src/simulator';
import { tlsMaterial } from '../../src/simulator/tls';
import { tenantModeEnv } from '../support/botCluster';
import { ALEX, cardReply, cardText, Conversation, FakeConnector, MEGAN } from '../support/botHarness';

/**
 * Application Insights end to end: the real entry point (`src/index.ts`) in tenant mode against
 * the Graph simulator, with APPLICATIONINSIGHTS_CONNECTION_STRING pointing at a local ingestion
 * endpoint that keeps every envelope the Azure Monitor exporter sends. The process runs with a
 * guard that refuses any connection off loopback (test/support/loopbackOnly.cjs). A restore is
 * requested and approved, the poller runs, a malformed activity is posted, then SIGTERM: the
 * bot flushes its telemetry on the way out, and the envelopes are checked.
 */

const ROOT = join(__dirname, '..', '..');
const GUARD = join(ROOT, 'test', 'support', 'loopbackOnly.cjs');

interface Envelope {
  name: string;
  iKey?: string;
  tags?: Record<string, string>;
  data: { baseType: string; baseData: Record<string, any> };
}

/**
 * A stand-in for the Application Insights ingestion endpoint (`POST /v2.1/track`). HTTPS: the
 * exporter turns any http endpoint into https. Its certificate is signed by the test CA, which
 * the bot process trusts through NODE_EXTRA_CA_CERTS (TLS checks stay on).
 */
async function startIngestion(): Promise<{ url: string; caCertPem: string; envelopes: Envelope[]; paths: string[]; close(): Promise<void> }> {
  const envelopes: Envelope[] = [];
  const paths: string[] = [];
  const tls = await tlsMaterial();
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (/gzip/i.test(String(req.headers['content-encoding'] ?? ''))) body = gunzipSync(body);
    paths.push(`${req.method} ${req.url}`);
    const text = body.toString('utf8').trim();
    const received: Envelope[] = !text ? [] : text.startsWith('[') ? JSON.parse(text) : text.split('\n').map((line) => JSON.parse(line));
    envelopes.push(...received);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ itemsReceived: received.length, itemsAccepted: received.length, errors: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caCertPem: tls.caCertPem,
    envelopes,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function eventually(check: () => boolean, timeoutMs: number, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; bot output:\n${output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Kills the child's whole process group, whatever state the test is in. */
function killGroup(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe('Application Insights through OpenTelemetry (the real entry point, a local ingestion endpoint)', function () {
  this.timeout(120_000);
  const instrumentationKey = randomUUID();
  let simulator: GraphSimulator;
  let connector: FakeConnector;
  let ingestion: Awaited<ReturnType<typeof startIngestion>>;
  let workDir: string;
  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let restoreRequestId = '';
  const onExit = () => killGroup(child);

  const byType = (baseType: string) => ingestion.envelopes.filter((e) => e.data?.baseType === baseType);
  const dependencies = () => byType('RemoteDependencyData');

  before(async () => {
    [simulator, connector, ingestion] = await Promise.all([startGraphSimulator(), FakeConnector.start(), startIngestion()]);
    workDir = mkdtempSync(join(tmpdir(), 'telemetry-'));
    process.once('exit', onExit);
    const ingestionCa = join(workDir, 'ingestion-ca.pem');
    writeFileSync(ingestionCa, ingestion.caCertPem);
    child = spawn(process.execPath, ['--require', GUARD, '--import', 'tsx', 'src/index.ts'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...tenantModeEnv(simulator, workDir),
        PORT: '0',
        STATE_DIR: join(workDir, 'state'),
        ALERT_POLL_SECONDS: '1',
        GRAPH_CA_MIN_INTERVAL_MS: '0',
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=${ingestion.url}/;LiveEndpoint=${ingestion.url}/`,
        // The SDK's own usage reports go to a Microsoft endpoint; the guard would refuse them anyway.
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
        // The exporter keeps unsent telemetry under the temp directory: keep it in ours.
        TMPDIR: workDir,
        NODE_EXTRA_CA_CERTS: ingestionCa,
      },
    });
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const output = () => stdout + stderr;
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));

    await eventually(() => /"event":"bot\.listening"/.test(stdout) || child!.exitCode !== null, 60_000, 'the bot to listen', output);
    const listening = stdout.split('\n').map((line) => (line.startsWith('{') ? JSON.parse(line) : {})).find((entry) => entry.event === 'bot.listening');
    assert.ok(listening, `the bot did not start:\n${output().slice(-3000)}`);
    const botUrl = new URL(listening.url).origin;
    const target = { botUrl, connector, tenantId: simulator.tenantId };

    // A restore, requested by one approver and approved by another: Graph calls and an outcome.
    const channel = new Conversation(target, 'channel', ALEX);
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation} telemetry test`));
    restoreRequestId = /Restore request (R-\w+)/.exec(cardText(asked.card))![1];
    const approved = await channel.as(MEGAN).invoke('request.approve', { requestId: restoreRequestId }, asked.id);
    assert.equal(approved.status, 200);
    await eventually(() => connector.updatesOf(asked.id).some((card) => /Restored\./.test(cardText(card))), 30_000, 'the restore', output);
    // A refused activity is a request too.
    assert.equal((await channel.post('{"type":')).status, 400);
    // At least one whole poll cycle after the restore (a quiet cycle logs only its Graph reads; this one is its last).
    const seen = stdout.length;
    await eventually(() => /"event":"graph\.call","method":"GET","path":"\/beta\/policies\/deletedItems\/crossTenantSyncPolicyPartners"/.test(stdout.slice(seen)), 30_000, 'a poll cycle', output);

    child.kill('SIGTERM');
    await exited;
  });

  after(async () => {
    killGroup(child);
    process.removeListener('exit', onExit);
    await Promise.all([simulator?.close(), connector?.close(), ingestion?.close()]);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('the bot shut down cleanly and sent its telemetry to the configured endpoint only', () => {
    assert.equal(child!.exitCode, 0, stderr.slice(-2000));
    assert.ok(ingestion.envelopes.length > 0, 'envelopes arrived');
    assert.ok(ingestion.paths.every((path) => path === 'POST /v2.1/track'), ingestion.paths.join(', '));
    assert.ok(ingestion.envelopes.every((e) => e.iKey === instrumentationKey));
    // The only connection attempted off loopback is the SDK's Azure VM metadata probe (it is not on a VM here).
    const blocked = [...stderr.matchAll(/\{"event":"test\.connection_blocked".*\}/g)].map((m) => JSON.parse(m[0]).host as string);
    assert.deepEqual([...new Set(blocked)].filter((host) => host !== '169.254.169.254'), []);
  });

  it('never writes the connection string or its key to the log', () => {
    assert.match(stdout, /"event":"telemetry\.started"/);
    assert.ok(!stdout.includes(instrumentationKey) && !stderr.includes(instrumentationKey));
  });

  it('records incoming requests, refused ones included', () => {
    const requests = byType('RequestData').map((e) => e.data.baseData);
    const messages = requests.filter((r) => r.name === 'POST /api/messages');
    assert.ok(messages.some((r) => r.responseCode === '200' && r.success), JSON.stringify(requests));
    assert.ok(messages.some((r) => r.responseCode === '400'), JSON.stringify(requests));
    assert.ok(!requests.some((r) => String(r.url ?? '').endsWith('/healthz')), 'health probes are not recorded');
  });

  it('records each Graph call as an HTTP dependency with the request-id Graph gave it', () => {
    const restoreCall = simulator.requests.find((r) => r.method === 'POST' && r.path.endsWith(`/${DEMO_IDS.deletedIpLocation}/restore`));
    assert.ok(restoreCall, 'the simulator saw the restore');
    const restore = dependencies().find((e) => e.data.baseData.properties?.['graph.request_id'] === restoreCall.requestId);
    assert.ok(restore, `no dependency carries request-id ${restoreCall.requestId}`);
    const data = restore.data.baseData;
    assert.equal(data.type, 'Http');
    assert.equal(data.resultCode, '200');
    assert.match(data.name, /^POST \/beta\/identity\/conditionalAccess\/deletedItems\/namedLocations\/.+\/restore$/);
    assert.equal(new URL(data.data).host, new URL(simulator.url).host);
    assert.match(data.properties['graph.client_request_id'], /^[0-9a-f-]{36}$/);
    // Every Graph request the bot made is there, each with its own request-id.
    const recorded = new Set(dependencies().map((e) => e.data.baseData.properties?.['graph.request_id']).filter(Boolean));
    const made = simulator.requests.filter((r) => !r.batch && r.status > 0);
    assert.deepEqual(made.filter((r) => !recorded.has(r.requestId)).map((r) => `${r.method} ${r.path}`), []);
  });

  it('records the poll cycle, with its Graph calls inside it', () => {
    const cycles = dependencies().filter((e) => e.data.baseData.name === 'alerts.poll_cycle');
    assert.ok(cycles.length > 0, 'a poll cycle span arrived');
    const cycleIds = new Set(cycles.map((e) => e.data.baseData.id));
    const inside = dependencies().filter((e) => e.data.baseData.type === 'Http' && cycleIds.has(e.tags?.['ai.operation.parentId'] ?? ''));
    assert.ok(inside.some((e) => /deletedItems/.test(e.data.baseData.name)), 'the cycle\'s reads of the recycle bins are its children');
    assert.ok(cycles.some((e) => e.data.baseData.properties?.['alerts.baseline'] !== undefined));
  });

  it('counts the request outcome by action and outcome', () => {
    const metrics = byType('MetricData').flatMap((e) => (e.data.baseData.metrics as { name: string; value: number }[]).map((m) => ({ ...m, properties: e.data.baseData.properties })));
    const finished = metrics.filter((m) => m.name === 'change_requests.finished');
    assert.deepEqual(finished.map((m) => [m.value, m.properties['request.action'], m.properties['request.outcome']]), [[1, 'restore', 'succeeded']]);
  });
});

describe('without APPLICATIONINSIGHTS_CONNECTION_STRING', function () {
  this.timeout(60_000);

  it('the product loads without the Azure Monitor SDK or the OpenTelemetry SDK', async () => {
    const script = [
      "const { startTelemetry } = require('./src/telemetry');",
      "const started = startTelemetry(require('./src/config').loadConfig({}).telemetry);",
      "require('./src/product');",
      "const loaded = Object.keys(require.cache).filter((file) => /@azure[\\\\/]monitor-opentelemetry|@opentelemetry[\\\\/]sdk-/.test(file));",
      'console.log(JSON.stringify({ started: started !== undefined, loaded }));',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { started: false, loaded: [] });
  });
});
