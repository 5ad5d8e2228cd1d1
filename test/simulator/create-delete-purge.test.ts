import assert from 'node:assert/strict';
import { startSimClient, type SimClient } from './helpers';

/**
 * What `selftest` does to a tenant, on the simulator's wire: create a named location and a
 * report-only policy (201 with the new object), delete them into the recycle bin (audited as
 * the app), purge them from it, and Graph's refusals, each answer carrying a request-id.
 */

const NAMED_LOCATIONS = '/identity/conditionalAccess/namedLocations';
const POLICIES = '/identity/conditionalAccess/policies';
const NL_DELETED = '/identity/conditionalAccess/deletedItems/namedLocations';
const CA_DELETED = '/identity/conditionalAccess/deletedItems/policies';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const ipLocation = (overrides: Record<string, unknown> = {}) => ({
  '@odata.type': '#microsoft.graph.ipNamedLocation',
  displayName: 'Recycle bin self-test 2026-11-30 10:00:00 UTC',
  isTrusted: false,
  ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '192.0.2.0/24' }],
  ...overrides,
});

const reportOnlyPolicy = (locationId: string, overrides: Record<string, unknown> = {}) => ({
  displayName: 'Recycle bin self-test 2026-11-30 10:00:00 UTC',
  state: 'enabledForReportingButNotEnforced',
  conditions: { users: { includeUsers: ['None'] }, applications: { includeApplications: ['None'] }, clientAppTypes: ['all'], locations: { includeLocations: [locationId] } },
  grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  ...overrides,
});

describe('simulator: creating, deleting and purging Conditional Access objects', () => {
  let client: SimClient;
  beforeEach(async () => {
    client = await startSimClient({ seed: 'empty' });
  });
  afterEach(async () => client.close());

  for (const version of ['v1.0', 'beta'] as const) {
    it(`${version}: POST creates a named location and a report-only policy, 201 with the object, its new id, createdDateTime and a request-id`, async () => {
      const location = await client.graph(NAMED_LOCATIONS, { method: 'POST', version, body: ipLocation() });
      assert.equal(location.status, 201);
      assert.match(location.body.id, GUID);
      assert.equal(location.body['@odata.type'], '#microsoft.graph.ipNamedLocation');
      assert.equal(location.body['@odata.context'], `${client.sim.url}/${version}/$metadata#identity/conditionalAccess/namedLocations/$entity`);
      assert.ok(!Number.isNaN(Date.parse(location.body.createdDateTime)));
      assert.deepEqual(location.body.ipRanges, [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '192.0.2.0/24' }]);
      assert.equal(location.headers.get('location'), `${client.sim.url}/${version}${NAMED_LOCATIONS}/${location.body.id}`);
      assert.match(location.headers.get('request-id') ?? '', GUID);

      const policy = await client.graph(POLICIES, { method: 'POST', version, body: reportOnlyPolicy(location.body.id) });
      assert.equal(policy.status, 201);
      assert.match(policy.body.id, GUID);
      assert.equal(policy.body.state, 'enabledForReportingButNotEnforced');
      assert.deepEqual(policy.body.conditions.users, { includeUsers: ['None'] });
      assert.ok(policy.body.createdDateTime);
      assert.match(policy.headers.get('request-id') ?? '', GUID);
    });
  }

  it('validates a new named location as Graph does: its @odata.type, a display name, IP ranges in CIDR form', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['no @odata.type', ipLocation({ '@odata.type': undefined })],
      ['an unknown @odata.type', ipLocation({ '@odata.type': '#microsoft.graph.namedLocation' })],
      ['no displayName', ipLocation({ displayName: '' })],
      ['no ipRanges', ipLocation({ ipRanges: [] })],
      ['a range that is not CIDR', ipLocation({ ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '192.0.2.0' }] })],
      ['a range without its type', ipLocation({ ipRanges: [{ cidrAddress: '192.0.2.0/24' }] })],
      ['a country location without countries', { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'x' }],
    ];
    for (const [what, body] of cases) {
      const reply = await client.graph(NAMED_LOCATIONS, { method: 'POST', body });
      assert.equal(reply.status, 400, what);
      assert.equal(reply.body.error.code, 'BadRequest', what);
      assert.equal(reply.body.error.innerError['request-id'], reply.headers.get('request-id'), what);
    }
    assert.deepEqual(client.sim.tenant.live('locations'), [], 'nothing was created');
  });

  it('validates a new policy as Graph does: displayName, a known state, conditions with users and apps', async () => {
    const location = (await client.graph(NAMED_LOCATIONS, { method: 'POST', body: ipLocation() })).body.id as string;
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['no displayName', reportOnlyPolicy(location, { displayName: undefined }), /displayName/],
      ['no state', reportOnlyPolicy(location, { state: undefined }), /'state' is required/],
      ['an unknown state', reportOnlyPolicy(location, { state: 'reportOnly' }), /Invalid value for 'state': 'reportOnly'/],
      ['no conditions', reportOnlyPolicy(location, { conditions: undefined }), /'conditions' is required/],
      ['conditions without users', reportOnlyPolicy(location, { conditions: { applications: { includeApplications: ['All'] } } }), /conditions\.users/],
      ['conditions without apps', reportOnlyPolicy(location, { conditions: { users: { includeUsers: ['None'] } } }), /conditions\.applications/],
    ];
    for (const [what, body, message] of cases) {
      const reply = await client.graph(POLICIES, { method: 'POST', body });
      assert.equal(reply.status, 400, what);
      assert.match(reply.body.error.message, message, what);
    }
    assert.deepEqual(client.sim.tenant.live('ca'), []);
  });

  it('DELETE moves both to the recycle bins, audited as the app ("Delete conditional access policy", "Delete named location"); DELETE there purges them', async () => {
    const location = (await client.graph(NAMED_LOCATIONS, { method: 'POST', body: ipLocation() })).body.id as string;
    const policy = (await client.graph(POLICIES, { method: 'POST', body: reportOnlyPolicy(location) })).body.id as string;

    const inUse = await client.graph(`${NAMED_LOCATIONS}/${location}`, { method: 'DELETE', version: 'v1.0' });
    assert.equal(inUse.status, 400, 'a location a live policy uses cannot be deleted');

    const deletedPolicy = await client.graph(`${POLICIES}/${policy}`, { method: 'DELETE', version: 'v1.0' });
    assert.equal(deletedPolicy.status, 204);
    assert.match(deletedPolicy.headers.get('request-id') ?? '', GUID);
    assert.equal((await client.graph(`${NAMED_LOCATIONS}/${location}`, { method: 'DELETE', version: 'v1.0' })).status, 204);
    assert.equal((await client.graph(`${CA_DELETED}/${policy}`)).status, 200);
    assert.equal((await client.graph(`${NL_DELETED}/${location}`)).body.displayName, 'Recycle bin self-test 2026-11-30 10:00:00 UTC');

    const audit = client.sim.tenant.auditEvents();
    for (const [activity, id] of [['Delete conditional access policy', policy], ['Delete named location', location]]) {
      const record = audit.find((event) => event.activityDisplayName === activity);
      assert.ok(record, activity);
      assert.equal((record.targetResources as { id: string }[])[0].id, id);
      assert.equal(record.loggedByService, 'Conditional Access');
      assert.equal((record.initiatedBy as { app: { appId: string } }).app.appId, client.sim.clientId, 'initiated by the app');
    }

    for (const path of [`${CA_DELETED}/${policy}`, `${NL_DELETED}/${location}`]) {
      const purged = await client.graph(path, { method: 'DELETE' });
      assert.equal(purged.status, 204);
      assert.match(purged.headers.get('request-id') ?? '', GUID);
      assert.equal((await client.graph(path)).status, 404, 'gone for good');
      assert.equal((await client.graph(path, { method: 'DELETE' })).status, 404, 'a second purge finds nothing');
    }
    assert.deepEqual([client.sim.tenant.live('ca'), client.sim.tenant.live('locations'), client.sim.tenant.deleted('ca'), client.sim.tenant.deleted('locations')], [[], [], [], []]);
  });

  it('fault injection: refuses matching calls with 403 Authorization_RequestDenied (or 401), as often as told, with a request-id', async () => {
    const location = (await client.graph(NAMED_LOCATIONS, { method: 'POST', body: ipLocation() })).body.id as string;
    await client.graph(`${NAMED_LOCATIONS}/${location}`, { method: 'DELETE' });
    client.sim.faults.refuse.push({ method: 'POST', path: /^\/identity\/conditionalAccess\/deletedItems\/namedLocations\/[^/]+\/restore$/, times: 1 });

    const refused = await client.graph(`${NL_DELETED}/${location}/restore`, { method: 'POST' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
    assert.equal(refused.body.error.innerError['request-id'], refused.headers.get('request-id'));
    assert.ok(client.sim.tenant.findDeleted('locations', location), 'nothing happened');
    const recorded = client.sim.requests.at(-1)!;
    assert.deepEqual([recorded.status, recorded.authorized], [403, false]);
    assert.equal((await client.graph(`${NL_DELETED}/${location}`)).status, 200, 'other calls are answered');

    assert.equal((await client.graph(`${NL_DELETED}/${location}/restore`, { method: 'POST' })).status, 200, 'the rule was used up');

    client.sim.faults.refuse.push({ method: 'GET', path: /^\/auditLogs\//, status: 401 });
    const unauthorized = await client.graph('/auditLogs/directoryAudits', { version: 'v1.0' });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.body.error.code, 'InvalidAuthenticationToken');
    assert.equal((await client.graph('/auditLogs/directoryAudits', { version: 'v1.0' })).status, 401, 'without `times`, every matching call');
  });
});
