import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { listAll, startSimClient, type SimClient } from './helpers';

const AUDITS = '/auditLogs/directoryAudits';

describe('simulator: audit log', () => {
  let client: SimClient;
  before(async () => {
    client = await startSimClient();
  });
  after(async () => client.close());

  it('lists directoryAudits newest first in v1.0 and beta, with nextLink paging', async () => {
    for (const version of ['v1.0', 'beta'] as const) {
      const { items, pages } = await listAll(client, `${AUDITS}?$top=5`, { version });
      assert.equal(items.length, client.sim.tenant.auditEvents().length);
      assert.ok(pages > 1);
      const times = items.map((item) => Date.parse(String(item.activityDateTime)));
      assert.deepEqual(times, [...times].sort((a, b) => b - a));
    }
    const oldestFirst = await client.graph(`${AUDITS}?$orderby=activityDateTime asc&$top=1`);
    assert.equal(oldestFirst.body.value[0].id, client.sim.tenant.auditEvents()[0].id);
  });

  it('filters by service, activity, time window and target id', async () => {
    const since = new Date(Date.now() - 10 * 24 * 60 * 60 * 1000).toISOString();
    const filter = `loggedByService eq 'Conditional Access' and activityDisplayName eq 'Delete conditional access policy' and activityDateTime ge ${since}`;
    const { items } = await listAll(client, `${AUDITS}?$filter=${encodeURIComponent(filter)}`);
    assert.ok(items.length >= 3, `found ${items.length}`);
    for (const item of items) {
      assert.equal(item.loggedByService, 'Conditional Access');
      assert.equal(item.activityDisplayName, 'Delete conditional access policy');
      assert.ok(Date.parse(String(item.activityDateTime)) >= Date.parse(since));
    }
    const expected = client.sim.tenant.auditEvents().filter(
      (event) => event.activityDisplayName === 'Delete conditional access policy' && Date.parse(String(event.activityDateTime)) >= Date.parse(since),
    );
    assert.equal(items.length, expected.length);

    const byTarget = await client.graph(`${AUDITS}?$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${DEMO_IDS.caPolicyWithDeletedLocation}')`)}`);
    assert.equal(byTarget.status, 200);
    assert.equal(byTarget.body.value.length, 1);
    assert.equal(byTarget.body.value[0].initiatedBy.user.userPrincipalName, 'adele.vance@contoso.onmicrosoft.com');

    const upTo = new Date(Date.now() - 20 * 24 * 60 * 60 * 1000).toISOString();
    const old = await listAll(client, `${AUDITS}?$filter=${encodeURIComponent(`activityDateTime le ${upTo}`)}`);
    assert.ok(old.items.length > 0 && old.items.every((item) => Date.parse(String(item.activityDateTime)) <= Date.parse(upTo)));

    const crossTenant = await listAll(client, `${AUDITS}?$filter=${encodeURIComponent("loggedByService eq 'Core Directory'")}`);
    assert.ok(crossTenant.items.some((item) => item.category === 'CrossTenantIdentitySyncSettings'));
    assert.ok(crossTenant.items.every((item) => item.loggedByService === 'Core Directory'));

    assert.equal((await client.graph(`${AUDITS}?$filter=${encodeURIComponent('activityDateTime between 1 and 2')}`)).status, 400);
  });

  it('has the directoryAudit shape', async () => {
    const reply = await client.graph(`${AUDITS}?$top=1`);
    const [event] = reply.body.value;
    for (const property of ['id', 'category', 'correlationId', 'activityDateTime', 'activityDisplayName', 'loggedByService', 'operationType', 'result', 'initiatedBy', 'targetResources']) {
      assert.ok(property in event, property);
    }
    assert.equal(event.result, 'success');
    const single = await client.graph(`${AUDITS}/${encodeURIComponent(event.id)}`);
    assert.equal(single.body.id, event.id);
  });

  it('hides records younger than auditLagMs', async () => {
    const lagged = await startSimClient({ seed: 'empty' });
    try {
      lagged.sim.faults.auditLagMs = 60_000;
      lagged.sim.tenant.addLive('locations', { '@odata.type': '#microsoft.graph.ipNamedLocation', id: 'bbbbbbbb-0000-4000-8000-000000000001', displayName: 'Temp', isTrusted: false, ipRanges: [] });
      lagged.sim.tenant.deleteLive('locations', 'bbbbbbbb-0000-4000-8000-000000000001');
      assert.equal(lagged.sim.tenant.auditEvents().length, 1);
      assert.deepEqual((await lagged.graph(AUDITS)).body.value, []);
      lagged.sim.tenant.advanceClock(61_000);
      const visible = (await lagged.graph(AUDITS)).body.value;
      assert.equal(visible.length, 1);
      assert.equal(visible[0].activityDisplayName, 'Delete named location');
    } finally {
      await lagged.close();
    }
  });
});

describe('simulator: JSON batching', () => {
  let client: SimClient;
  before(async () => {
    client = await startSimClient();
  });
  after(async () => client.close());

  it('runs up to 20 requests through the same routing and answers 200 with one response each', async () => {
    const reply = await client.graph('/$batch', {
      method: 'POST',
      version: 'v1.0',
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/identity/conditionalAccess/deletedItems/policies?$top=2' },
          { id: '2', method: 'GET', url: 'identity/conditionalAccess/deletedItems/namedLocations/00000000-0000-0000-0000-000000000009' },
          { id: '3', method: 'GET', url: '/policies/deletedItems/crossTenantPartners' },
          { id: '4', method: 'POST', url: `/identity/conditionalAccess/deletedItems/namedLocations/${DEMO_IDS.deletedIpLocation}/restore`, headers: { 'content-type': 'application/json' } },
          { id: '5', method: 'GET', url: '/identity/conditionalAccess/namedLocations/00000000-0000-0000-0000-000000000009' },
          { id: '6', method: 'GET', url: '/identity/conditionalAccess/policies', dependsOn: ['5'] },
        ],
      },
    });
    assert.equal(reply.status, 200);
    const byId = new Map<string, { status: number; body: { value?: unknown[]; error?: { code: string; message: string } } }>(
      reply.body.responses.map((response: { id: string }) => [response.id, response]),
    );
    assert.equal(byId.get('1')?.status, 200);
    assert.equal(byId.get('1')?.body.value?.length, 2);
    assert.equal(byId.get('2')?.status, 404);
    assert.equal(byId.get('3')?.status, 400, 'v1.0 has no /policies/deletedItems');
    assert.equal(byId.get('3')?.body.error?.message, "Resource not found for the segment 'deletedItems'.");
    assert.equal(byId.get('4')?.status, 200);
    assert.equal(byId.get('6')?.status, 424);
    assert.ok(client.sim.tenant.findLive('locations', DEMO_IDS.deletedIpLocation));
    assert.ok(client.sim.requests.some((request) => request.batch && request.path.endsWith('/restore')));
  });

  it('applies role checks with the outer token', async () => {
    const readOnly = await startSimClient({ grantedRoles: ['Policy.Read.All'] });
    try {
      const reply = await readOnly.graph('/$batch', {
        method: 'POST',
        body: { requests: [{ id: 'a', method: 'POST', url: `/policies/deletedItems/crossTenantPartners/${DEMO_IDS.serviceProviderPartner}/restore` }] },
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.body.responses[0].status, 403);
      assert.equal((await readOnly.graph('/$batch', { method: 'POST', token: null, body: { requests: [] } })).status, 401);
    } finally {
      await readOnly.close();
    }
  });

  it('rejects more than 20 requests and malformed payloads with 400', async () => {
    const requests = Array.from({ length: 21 }, (_, index) => ({ id: String(index), method: 'GET', url: '/identity/conditionalAccess/policies' }));
    const tooMany = await client.graph('/$batch', { method: 'POST', body: { requests } });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error.code, 'BadRequest');
    assert.equal((await client.graph('/$batch', { method: 'POST', body: { nope: true } })).status, 400);
    const duplicate = [{ id: '1', method: 'GET', url: '/x' }, { id: '1', method: 'GET', url: '/y' }];
    assert.equal((await client.graph('/$batch', { method: 'POST', body: { requests: duplicate } })).status, 400);
  });
});
