import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { POLICY_KIND_IDS } from '../../src/simulator/tenant';
import { listAll, postToken, startSimClient, type SimClient } from './helpers';

const CA_POLICIES = '/identity/conditionalAccess/policies';
const PARTNERS = '/policies/crossTenantAccessPolicy/partners';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * No wall-clock upper bounds (the machine may be loaded): the rate limit runs on a clock the
 * test holds, and "promptly" is an order of events. Timing targets are in the bench.
 */

describe('simulator: fault injection', () => {
  let client: SimClient;
  /** The CA rate limit's clock: it moves only when a test moves it. */
  let rateClockMs = 0;
  beforeEach(async () => {
    rateClockMs = 1_000_000;
    client = await startSimClient({ rateLimitClock: () => rateClockMs });
    await client.token(); // fetch the token before faults are armed
  });
  afterEach(async () => client.close());

  it('throttles Conditional Access paths above the rate with 429 TooManyRequests and no Retry-After', async () => {
    client.sim.faults.caRateLimitPerSecond = 2;
    const replies = await Promise.all(Array.from({ length: 5 }, () => client.graph(CA_POLICIES)));
    const throttled = replies.filter((reply) => reply.status === 429);
    assert.equal(replies.filter((reply) => reply.status === 200).length, 2);
    assert.equal(throttled.length, 3);
    for (const reply of throttled) {
      assert.equal(reply.body.error.code, 'TooManyRequests');
      assert.equal(reply.headers.get('retry-after'), null);
    }
    assert.equal((await client.graph(PARTNERS)).status, 200, 'other paths are not throttled');

    const batch = await client.graph('/$batch', {
      method: 'POST',
      body: { requests: ['a', 'b', 'c'].map((id) => ({ id, method: 'GET', url: '/identity/conditionalAccess/namedLocations' })) },
    });
    assert.equal(batch.status, 200);
    assert.ok(batch.body.responses.every((response: { status: number }) => response.status === 429), 'window still full');
    assert.ok(batch.body.responses.every((response: { headers: Record<string, string> }) => !('Retry-After' in response.headers)));

    rateClockMs += 999;
    assert.equal((await client.graph(CA_POLICIES)).status, 429, 'the window is one second');
    rateClockMs += 51;
    assert.equal((await client.graph(CA_POLICIES)).status, 200, 'a client that backs off gets through');
    client.sim.faults.caRateLimitPerSecond = 0;
    const unthrottled = await Promise.all(Array.from({ length: 5 }, () => client.graph(CA_POLICIES)));
    assert.ok(unthrottled.every((reply) => reply.status === 200));
  });

  it('answers the next N Graph requests with 503 ServiceUnavailable, but not the token endpoint', async () => {
    client.sim.faults.fail503Next = 2;
    const token = await postToken(client.sim, client.dispatcher);
    assert.equal(token.status, 200);
    assert.equal(client.sim.faults.fail503Next, 2, 'token endpoint is not subject to faults');
    const first = await client.graph(CA_POLICIES);
    const second = await client.graph(PARTNERS);
    assert.equal(first.status, 503);
    assert.equal(first.body.error.code, 'ServiceUnavailable');
    assert.equal(second.status, 503);
    assert.equal(client.sim.faults.fail503Next, 0);
    assert.equal((await client.graph(CA_POLICIES)).status, 200);
  });

  it('drops the connection of the next N requests without a response', async () => {
    client.sim.faults.dropNext = 1;
    await assert.rejects(client.graph(CA_POLICIES), TypeError);
    assert.equal(client.sim.faults.dropNext, 0);
    assert.equal(client.sim.requests.at(-1)?.status, 0);
    assert.equal((await client.graph(CA_POLICIES)).status, 200);
  });

  it('never answers the next N requests so the client times out, and close() still returns promptly', async () => {
    client.sim.faults.hangNext = 1;
    const started = performance.now();
    await assert.rejects(client.graph(CA_POLICIES, { signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' });
    assert.ok(performance.now() - started >= 290);
    assert.equal(client.sim.faults.hangNext, 0);
    assert.equal((await client.graph(CA_POLICIES)).status, 200, 'later requests are answered');

    client.sim.faults.hangNext = 1;
    const before = client.sim.requests.length;
    const pending = client.graph(CA_POLICIES).catch((error: unknown) => error);
    while (client.sim.requests.length === before) await sleep(10); // it has arrived, and hangs
    // close() resolves although the request is still unanswered (were it waiting for it, the test would time out)...
    await client.sim.close();
    // ...and only then does the hung request fail.
    assert.ok((await pending) instanceof Error, 'the hung request fails once the simulator closes');
  });

  it('adds latencyMs to every Graph response', async () => {
    client.sim.faults.latencyMs = 300;
    const started = performance.now();
    assert.equal((await client.graph(CA_POLICIES)).status, 200);
    assert.ok(performance.now() - started >= 290);
    const unauthenticated = performance.now();
    assert.equal((await client.graph(CA_POLICIES, { token: null })).status, 401);
    assert.ok(performance.now() - unauthenticated >= 290, 'errors are delayed too');

    // Latency is taken when a request arrives: a slow one in flight does not slow the next.
    client.sim.faults.latencyMs = 10_000;
    const before = client.sim.requests.length;
    const slow = client.graph(CA_POLICIES).then(() => 'slow', () => 'slow');
    while (client.sim.requests.length === before) await sleep(10);
    client.sim.faults.latencyMs = 0;
    const fast = client.graph(CA_POLICIES).then(() => 'fast');
    assert.equal(await Promise.race([slow, fast]), 'fast');
  });
});

describe('simulator: scale', () => {
  let client: SimClient;
  before(async () => {
    client = await startSimClient();
  });
  after(async () => client.close());

  // How fast seeding and listing are is measured by the bench (bench/suiteTargets.ts).
  it('seeds 10 000 deleted items spread across the kinds and the retention window, and lists them all', async () => {
    const { tenant } = client.sim;
    const before = Object.fromEntries(POLICY_KIND_IDS.map((kind) => [kind, tenant.deleted(kind).length]));
    tenant.seedBulk(10_000);

    let total = 0;
    const now = Date.now();
    for (const kind of POLICY_KIND_IDS) {
      const items = tenant.deleted(kind);
      const added = items.length - before[kind];
      assert.equal(added, 2500, kind);
      total += added;
      for (const item of items) {
        const age = now - Date.parse(String(item.deletedDateTime));
        assert.ok(age >= 0 && age < 30 * 24 * 60 * 60 * 1000, 'inside the retention window');
      }
    }
    assert.equal(total, 10_000);

    const { items, pages } = await listAll(client, '/identity/conditionalAccess/deletedItems/policies?$top=999');
    assert.equal(items.length, tenant.deleted('ca').length);
    assert.equal(pages, Math.ceil(items.length / 999));
  });
});
