import assert from 'node:assert/strict';
import { ServerResponse } from 'node:http';
import { DEMO_IDS } from '../../src/simulator';
import { listAll, startSimClient, type SimClient } from './helpers';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('simulator: Graph protocol (auth, errors, OData)', () => {
  let client: SimClient;
  let readOnly: SimClient;
  before(async () => {
    [client, readOnly] = await Promise.all([
      startSimClient(),
      startSimClient({ grantedRoles: ['Policy.Read.All'] }),
    ]);
  });
  after(async () => Promise.all([client.close(), readOnly.close()]));

  it('answers 401 InvalidAuthenticationToken without a token, in the Graph error shape', async () => {
    const reply = await client.graph('/identity/conditionalAccess/deletedItems/policies', { token: null });
    assert.equal(reply.status, 401);
    assert.equal(reply.body.error.code, 'InvalidAuthenticationToken');
    assert.deepEqual(Object.keys(reply.body.error).sort(), ['code', 'innerError', 'message']);
    assert.deepEqual(Object.keys(reply.body.error.innerError).sort(), ['client-request-id', 'date', 'request-id']);
    assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.equal(client.sim.requests.at(-1)?.authorized, false);
  });

  it('rejects a token with a tampered payload or from another simulator', async () => {
    const token = await client.token();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.roles = [...claims.roles, 'Directory.ReadWrite.All'];
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const reply = await client.graph('/identity/conditionalAccess/policies', { token: tampered });
    assert.equal(reply.status, 401);

    const foreign = await readOnly.token();
    assert.equal((await client.graph('/identity/conditionalAccess/policies', { token: foreign })).status, 401);
  });

  it('answers 403 Authorization_RequestDenied when the token lacks the role', async () => {
    const read = await readOnly.graph('/identity/conditionalAccess/deletedItems/policies');
    assert.equal(read.status, 200, 'Policy.Read.All allows reads');
    const restore = await readOnly.graph(`/identity/conditionalAccess/deletedItems/namedLocations/${DEMO_IDS.deletedIpLocation}/restore`, { method: 'POST' });
    assert.equal(restore.status, 403);
    assert.equal(restore.body.error.code, 'Authorization_RequestDenied');
    assert.equal(restore.body.error.message, 'Insufficient privileges to complete the operation.');
    const audit = await readOnly.graph('/auditLogs/directoryAudits');
    assert.equal(audit.status, 403, 'audit logs need AuditLog.Read.All');
    assert.equal(readOnly.sim.requests.at(-1)?.authorized, false);
    assert.ok(readOnly.sim.tenant.findDeleted('locations', DEMO_IDS.deletedIpLocation), 'nothing was restored');
  });

  it('echoes client-request-id and always sends request-id', async () => {
    const reply = await client.graph('/identity/conditionalAccess/policies', { headers: { 'client-request-id': 'my-correlation-1' } });
    assert.equal(reply.headers.get('client-request-id'), 'my-correlation-1');
    assert.match(reply.headers.get('request-id') ?? '', GUID);
    const generated = await client.graph('/identity/conditionalAccess/policies');
    assert.match(generated.headers.get('client-request-id') ?? '', GUID);
    const failed = await client.graph('/identity/conditionalAccess/policies/nope', { headers: { 'client-request-id': 'abc' } });
    assert.equal(failed.body.error.innerError['client-request-id'], 'abc');
    assert.equal(failed.body.error.innerError['request-id'], failed.headers.get('request-id'));
  });

  it('answers 400 "Resource not found for the segment" for unknown paths, and the /policies/deletedItems paths only exist in beta', async () => {
    const unknown = await client.graph('/identity/conditionalAccess/recycleBin');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'BadRequest');
    assert.equal(unknown.body.error.message, "Resource not found for the segment 'recycleBin'.");
    const policyRoot = await client.graph('/policyRoot/deletedItems/crossTenantPartners');
    assert.equal(policyRoot.body.error.message, "Resource not found for the segment 'policyRoot'.");

    const v1 = await client.graph('/policies/deletedItems/crossTenantPartners', { version: 'v1.0' });
    assert.equal(v1.status, 400);
    assert.equal(v1.body.error.message, "Resource not found for the segment 'deletedItems'.");
    const v1Sync = await client.graph('/policies/deletedItems/crossTenantSyncPolicyPartners', { version: 'v1.0' });
    assert.equal(v1Sync.status, 400);
    const beta = await client.graph('/policies/deletedItems/crossTenantPartners', { version: 'beta' });
    assert.equal(beta.status, 200);

    for (const version of ['v1.0', 'beta'] as const) {
      const ca = await client.graph('/identity/conditionalAccess/deletedItems/policies', { version });
      assert.equal(ca.status, 200, `CA deletedItems in ${version}`);
      assert.equal(ca.body['@odata.context'], `${client.sim.url}/${version}/$metadata#identity/conditionalAccess/deletedItems/policies`);
    }
  });

  it('answers 404 for a missing id and 405 for an unsupported method', async () => {
    const missing = await client.graph('/identity/conditionalAccess/deletedItems/policies/00000000-0000-0000-0000-000000000001');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'Request_ResourceNotFound');
    const patch = await client.graph(`/identity/conditionalAccess/deletedItems/policies/${DEMO_IDS.expiringPolicy}`, { method: 'PATCH', body: {} });
    assert.equal(patch.status, 405);
  });

  it('pages with $top and absolute @odata.nextLink on its own origin until every item is seen', async () => {
    const first = await client.graph('/identity/conditionalAccess/deletedItems/policies?$top=4');
    assert.equal(first.status, 200);
    assert.equal(first.body.value.length, 4);
    const nextLink = String(first.body['@odata.nextLink']);
    assert.ok(nextLink.startsWith(`${client.sim.url}/beta/identity/conditionalAccess/deletedItems/policies?`), nextLink);
    assert.match(nextLink, /\$skiptoken=/);

    const { items, pages } = await listAll(client, '/identity/conditionalAccess/deletedItems/policies?$top=4');
    const all = client.sim.tenant.deleted('ca');
    assert.equal(items.length, all.length);
    assert.equal(pages, Math.ceil(all.length / 4));
    assert.equal(new Set(items.map((item) => item.id)).size, all.length, 'no duplicates across pages');

    const lastPage = await client.graph(`/identity/conditionalAccess/deletedItems/policies?$top=${all.length}`);
    assert.equal(lastPage.body['@odata.nextLink'], undefined);
    assert.equal((await client.graph('/identity/conditionalAccess/deletedItems/policies?$top=1000')).status, 400);
    assert.equal((await client.graph('/identity/conditionalAccess/deletedItems/policies?$skiptoken=garbage')).status, 400);
  });

  it('supports $select and $count on collections', async () => {
    const reply = await client.graph('/policies/deletedItems/crossTenantPartners?$select=tenantId,deletedDateTime&$count=true');
    assert.equal(reply.body['@odata.count'], client.sim.tenant.deleted('partners').length);
    for (const item of reply.body.value) assert.deepEqual(Object.keys(item).sort(), ['deletedDateTime', 'tenantId']);
  });

  it('still answers when another library patched ServerResponse.writeHead (as restify does)', async () => {
    const original = ServerResponse.prototype.writeHead;
    ServerResponse.prototype.writeHead = function patched(this: ServerResponse, ...args: unknown[]) {
      (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const reply = await client.graph('/identity/conditionalAccess/policies?$top=1');
      assert.equal(reply.status, 200);
      assert.equal(reply.body.value.length, 1);
    } finally {
      ServerResponse.prototype.writeHead = original;
    }
  });

  it('records every Graph request with path, version, query, status and authorization', async () => {
    const before = client.sim.requests.length;
    await client.graph('/identity/conditionalAccess/deletedItems/namedLocations?$top=2', { version: 'v1.0' });
    const recorded = client.sim.requests.slice(before);
    assert.equal(recorded.length, 1);
    assert.deepEqual(
      { method: recorded[0].method, path: recorded[0].path, version: recorded[0].version, query: recorded[0].query, status: recorded[0].status, authorized: recorded[0].authorized },
      { method: 'GET', path: '/identity/conditionalAccess/deletedItems/namedLocations', version: 'v1.0', query: { $top: '2' }, status: 200, authorized: true },
    );
    assert.ok(recorded[0].at instanceof Date);
  });

  it('logs one structured entry per request', async () => {
    const entries: Record<string, unknown>[] = [];
    const logged = await startSimClient({ seed: 'empty', log: (entry) => entries.push(entry) });
    try {
      await logged.graph('/identity/conditionalAccess/policies', { headers: { 'client-request-id': 'log-me' } });
      const graphEntries = entries.filter((entry) => entry.service === 'graph');
      assert.equal(graphEntries.length, 1);
      assert.equal(graphEntries[0].method, 'GET');
      assert.equal(graphEntries[0].path, '/beta/identity/conditionalAccess/policies');
      assert.equal(graphEntries[0].status, 200);
      assert.equal(typeof graphEntries[0].ms, 'number');
      assert.match(String(graphEntries[0]['request-id']), GUID);
      assert.ok(entries.some((entry) => entry.service === 'authority' && entry.status === 200), 'token request logged');
      assert.ok(!JSON.stringify(entries).includes(logged.sim.clientSecret), 'no secret in logs');
    } finally {
      await logged.close();
    }
  });
});
