import assert from 'node:assert/strict';
import { daysLeft } from '../../src/core/model';
import { DEMO_ACTORS, DEMO_IDS, KIND_IDS } from '../../src/simulator';
import { DAY_MS, listAll, startSimClient, type SimClient } from './helpers';

const CA_DELETED = '/identity/conditionalAccess/deletedItems/policies';
const NL_DELETED = '/identity/conditionalAccess/deletedItems/namedLocations';
const PARTNERS = '/policies/crossTenantAccessPolicy/partners';
const PARTNERS_DELETED = '/policies/deletedItems/crossTenantPartners';
const SYNC_DELETED = '/policies/deletedItems/crossTenantSyncPolicyPartners';

describe('simulator: recycle bin behaviour', () => {
  let client: SimClient;
  beforeEach(async () => {
    client = await startSimClient();
  });
  afterEach(async () => client.close());

  describe('seeded demo tenant', () => {
    it('has a believable recycle bin across the four kinds, enough for a 10-row list to page', () => {
      const { tenant } = client.sim;
      const counts = {
        ca: tenant.deleted('ca').length,
        locations: tenant.deleted('locations').length,
        partners: tenant.deleted('partners').length,
        sync: tenant.deleted('sync').length,
      };
      assert.ok(counts.ca >= 7 && counts.locations >= 3 && counts.partners >= 3 && counts.sync >= 1, JSON.stringify(counts));
      assert.ok(counts.ca + counts.locations + counts.partners + counts.sync >= 14);
      for (const kind of ['ca', 'locations', 'partners', 'sync'] as const) assert.ok(tenant.live(kind).length >= 1, `live ${kind}`);

      const policies = tenant.deleted('ca');
      assert.ok(policies.some((policy) => policy.state === 'enabledForReportingButNotEnforced'));
      const expiring = tenant.findDeleted('ca', DEMO_IDS.expiringPolicy)!;
      assert.ok([2, 3].includes(daysLeft(new Date(String(expiring.deletedDateTime)), new Date())), 'two or three days left');
      const ca004 = tenant.findDeleted('ca', DEMO_IDS.caPolicyWithDeletedLocation)!;
      assert.equal(ca004.displayName, 'CA004 - Block access from untrusted countries');
      assert.ok(tenant.findDeleted('sync', DEMO_IDS.partnerWithDeletedSync));
      assert.ok(tenant.findDeleted('partners', DEMO_IDS.partnerWithDeletedSync));
      const woodgrove = tenant.findDeleted('partners', DEMO_IDS.partnerWithExtraProperties)!;
      assert.ok(woodgrove.crossCloudMeetingConfiguration && woodgrove.protectedContentSharing);
      const types = new Set(tenant.deleted('locations').map((location) => location['@odata.type']));
      assert.deepEqual([...types].sort(), ['#microsoft.graph.countryNamedLocation', '#microsoft.graph.ipNamedLocation']);
      assert.ok(tenant.live('sync').some((sync) => sync.tenantId === DEMO_IDS.livePartnerWithSync));
    });

    it('has an audit record for every seeded deletion', () => {
      const events = client.sim.tenant.auditEvents();
      const ca004 = events.find((event) =>
        (event.targetResources as { id: string }[]).some((target) => target.id === DEMO_IDS.caPolicyWithDeletedLocation),
      );
      assert.equal(ca004?.activityDisplayName, 'Delete conditional access policy');
      assert.deepEqual((ca004?.initiatedBy as { user: unknown }).user !== null, true);
      const deletions = events.filter((event) => String(event.activityDisplayName).startsWith('Delete'));
      const { tenant } = client.sim;
      const deletedCount = KIND_IDS.reduce((sum, kind) => sum + tenant.deleted(kind).length, 0);
      assert.equal(deletions.length, deletedCount);
    });

    it('starts empty with seed "empty"', async () => {
      const empty = await startSimClient({ seed: 'empty' });
      try {
        const reply = await empty.graph(CA_DELETED);
        assert.deepEqual(reply.body.value, []);
        assert.deepEqual(empty.sim.tenant.auditEvents(), []);
      } finally {
        await empty.close();
      }
    });
  });

  describe('get, restore, permanent delete', () => {
    it('gets one deleted item as a bare object with @odata.context', async () => {
      const reply = await client.graph(`${NL_DELETED}/${DEMO_IDS.deletedIpLocation}`);
      assert.equal(reply.status, 200);
      assert.equal(reply.body['@odata.context'], `${client.sim.url}/beta/$metadata#identity/conditionalAccess/deletedItems/namedLocations/$entity`);
      assert.equal(reply.body.id, DEMO_IDS.deletedIpLocation);
      assert.equal(reply.body['@odata.type'], '#microsoft.graph.ipNamedLocation');
      assert.ok(reply.body.ipRanges.some((range: { '@odata.type': string }) => range['@odata.type'] === '#microsoft.graph.iPv6CidrRange'));
      assert.equal(reply.body.value, undefined);
    });

    it('restores a CA policy with deletedDateTime null and makes it live again', async () => {
      const reply = await client.graph(`${CA_DELETED}/${DEMO_IDS.compliantDevicePolicy}/restore`, { method: 'POST' });
      assert.equal(reply.status, 200);
      assert.equal(reply.body['@odata.context'], `${client.sim.url}/beta/$metadata#microsoft.graph.conditionalAccessPolicy`);
      assert.equal(reply.body.deletedDateTime, null);
      assert.equal(reply.body.displayName, 'CA010 - Require compliant device for Office 365');
      assert.equal((await client.graph(`${CA_DELETED}/${DEMO_IDS.compliantDevicePolicy}`)).status, 404);
      const live = await client.graph(`/identity/conditionalAccess/policies/${DEMO_IDS.compliantDevicePolicy}`);
      assert.equal(live.status, 200);
      assert.equal(live.body.state, 'enabled', 'comes back in the state it was deleted in');
      const audit = client.sim.tenant.auditEvents().at(-1)!;
      assert.equal(audit.activityDisplayName, 'Restore conditional access policy');
      assert.equal((audit.initiatedBy as { app: { appId: string } }).app.appId, client.sim.clientId, 'HTTP changes are made by the app');
    });

    it('permanently deletes a deleted item (204) so it can no longer be restored', async () => {
      const reply = await client.graph(`${CA_DELETED}/${DEMO_IDS.reportOnlyPolicy}`, { method: 'DELETE' });
      assert.equal(reply.status, 204);
      assert.equal(reply.body, undefined);
      assert.equal((await client.graph(`${CA_DELETED}/${DEMO_IDS.reportOnlyPolicy}/restore`, { method: 'POST' })).status, 404);
      assert.equal(client.sim.tenant.findLive('ca', DEMO_IDS.reportOnlyPolicy), undefined);
    });

    it('refuses a CA policy restore while a referenced named location is deleted, then allows it after restoring the location', async () => {
      const blocked = await client.graph(`${CA_DELETED}/${DEMO_IDS.caPolicyWithDeletedLocation}/restore`, { method: 'POST' });
      assert.equal(blocked.status, 400);
      assert.equal(blocked.body.error.code, 'BadRequest');
      assert.ok(blocked.body.error.message.includes(DEMO_IDS.deletedLocationReferenced), blocked.body.error.message);
      assert.ok(client.sim.tenant.findDeleted('ca', DEMO_IDS.caPolicyWithDeletedLocation), 'still in the recycle bin');

      const location = await client.graph(`${NL_DELETED}/${DEMO_IDS.deletedLocationReferenced}/restore`, { method: 'POST' });
      assert.equal(location.status, 200);
      assert.equal(location.body['@odata.type'], '#microsoft.graph.countryNamedLocation');

      const restored = await client.graph(`${CA_DELETED}/${DEMO_IDS.caPolicyWithDeletedLocation}/restore`, { method: 'POST' });
      assert.equal(restored.status, 200);
      assert.deepEqual(restored.body.conditions.locations.excludeLocations, [DEMO_IDS.liveLocationReferenced]);
    });

    it('refuses a CA policy restore for good when its named location was purged', async () => {
      const reply = await client.graph(`${CA_DELETED}/${DEMO_IDS.caPolicyWithPurgedLocation}/restore`, { method: 'POST' });
      assert.equal(reply.status, 400);
      assert.ok(reply.body.error.message.includes(DEMO_IDS.purgedLocation));
    });

    it('restores a partner (keeping deletedDateTime in the response, as the docs show) and answers 409 when it is configured again', async () => {
      const restored = await client.graph(`${PARTNERS_DELETED}/${DEMO_IDS.serviceProviderPartner}/restore`, { method: 'POST' });
      assert.equal(restored.status, 200);
      assert.equal(restored.body.tenantId, DEMO_IDS.serviceProviderPartner);
      assert.ok(restored.body.deletedDateTime);
      assert.equal((await client.graph(`${PARTNERS}/${DEMO_IDS.serviceProviderPartner}`)).status, 200);

      const conflict = await client.graph(`${PARTNERS_DELETED}/${DEMO_IDS.partnerRecreatedLive}/restore`, { method: 'POST' });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.body.error.code, 'Conflict');
    });

    it('restores a sync policy only while its partner is live', async () => {
      const orphan = await client.graph(`${SYNC_DELETED}/${DEMO_IDS.partnerWithDeletedSync}/restore`, { method: 'POST' });
      assert.equal(orphan.status, 400, 'the Fabrikam partner is deleted too');
      const partner = await client.graph(`${PARTNERS_DELETED}/${DEMO_IDS.partnerWithDeletedSync}/restore`, { method: 'POST' });
      assert.equal(partner.status, 200);
      const sync = await client.graph(`${SYNC_DELETED}/${DEMO_IDS.partnerWithDeletedSync}/restore`, { method: 'POST' });
      assert.equal(sync.status, 200);
      assert.equal(sync.body.displayName, 'Fabrikam');
      const live = await client.graph(`${PARTNERS}/${DEMO_IDS.partnerWithDeletedSync}/identitySynchronization`);
      assert.equal(live.status, 200);
      assert.equal(live.body.userSyncInbound.isSyncAllowed, true);
    });
  });

  describe('live objects', () => {
    it('creates, updates and soft-deletes a CA policy; the deleted copy has deletedDateTime = now', async () => {
      const created = await client.graph('/identity/conditionalAccess/policies', {
        method: 'POST',
        version: 'v1.0',
        body: {
          displayName: 'CA099 - Test policy',
          state: 'disabled',
          conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
          grantControls: { operator: 'OR', builtInControls: ['mfa'] },
        },
      });
      assert.equal(created.status, 201);
      assert.match(created.body.id, /^[0-9a-f-]{36}$/);
      assert.ok(created.body.createdDateTime);
      const id = created.body.id as string;

      const patched = await client.graph(`/identity/conditionalAccess/policies/${id}`, { method: 'PATCH', body: { state: 'enabled' } });
      assert.equal(patched.status, 204);
      assert.equal(client.sim.tenant.findLive('ca', id)?.state, 'enabled');

      // Stamped at the DELETE: between the moment it was sent and the moment it was answered.
      const before = Date.now();
      assert.equal((await client.graph(`/identity/conditionalAccess/policies/${id}`, { method: 'DELETE' })).status, 204);
      const after = Date.now();
      const deleted = await client.graph(`${CA_DELETED}/${id}`, { version: 'v1.0' });
      assert.equal(deleted.status, 200);
      const deletedAt = Date.parse(deleted.body.deletedDateTime);
      assert.ok(deletedAt >= before && deletedAt <= after, `${deleted.body.deletedDateTime} between ${new Date(before).toISOString()} and ${new Date(after).toISOString()}`);
      assert.equal(deleted.body.displayName, 'CA099 - Test policy');
      assert.equal((await client.graph(`/identity/conditionalAccess/policies/${id}`)).status, 404);
    });

    it('refuses a CA policy that references a named location that does not exist', async () => {
      const reply = await client.graph('/identity/conditionalAccess/policies', {
        method: 'POST',
        body: {
          displayName: 'CA098 - Bad reference',
          state: 'disabled',
          conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, locations: { includeLocations: [DEMO_IDS.deletedLocationReferenced] } },
        },
      });
      assert.equal(reply.status, 400);
      assert.match(reply.body.error.message, /named location .* does not exist/);
    });

    it('manages partners: POST 201 then 409, PATCH merges only sent properties', async () => {
      const tenantId = '12345678-aaaa-4bbb-8ccc-1234567890ab';
      const created = await client.graph(PARTNERS, { method: 'POST', body: { tenantId, inboundTrust: { isMfaAccepted: true } } });
      assert.equal(created.status, 201);
      assert.equal((await client.graph(PARTNERS, { method: 'POST', body: { tenantId } })).status, 409);
      const patched = await client.graph(`${PARTNERS}/${tenantId}`, { method: 'PATCH', body: { isServiceProvider: true } });
      assert.equal(patched.status, 204);
      const partner = (await client.graph(`${PARTNERS}/${tenantId}`)).body;
      assert.equal(partner.isServiceProvider, true);
      assert.deepEqual(partner.inboundTrust, { isMfaAccepted: true });
    });

    it('blocks deleting a partner that still has an identity-sync policy, until the policy is deleted', async () => {
      const partnerPath = `${PARTNERS}/${DEMO_IDS.livePartnerWithSync}`;
      const blocked = await client.graph(partnerPath, { method: 'DELETE' });
      assert.equal(blocked.status, 400);
      assert.match(blocked.body.error.message, /identity synchronization/);
      assert.ok(client.sim.tenant.findLive('partners', DEMO_IDS.livePartnerWithSync));

      assert.equal((await client.graph(`${partnerPath}/identitySynchronization`, { method: 'DELETE' })).status, 204);
      assert.equal((await client.graph(partnerPath, { method: 'DELETE' })).status, 204);
      const deletedSync = await client.graph(`${SYNC_DELETED}/${DEMO_IDS.livePartnerWithSync}`);
      assert.equal(deletedSync.body.displayName, 'Tailspin Toys');
      const deletedPartner = await client.graph(`${PARTNERS_DELETED}/${DEMO_IDS.livePartnerWithSync}`);
      assert.equal(deletedPartner.status, 200);
    });

    it('creates or replaces identitySynchronization with PUT (204)', async () => {
      const path = `${PARTNERS}/${DEMO_IDS.syncWithLivePartner}/identitySynchronization`;
      assert.equal((await client.graph(path)).status, 404);
      const put = await client.graph(path, { method: 'PUT', body: { displayName: 'Adatum', userSyncInbound: { isSyncAllowed: false } } });
      assert.equal(put.status, 204);
      const sync = (await client.graph(path)).body;
      assert.equal(sync.tenantId, DEMO_IDS.syncWithLivePartner);
      assert.equal(sync.userSyncInbound.isSyncAllowed, false);
      assert.equal((await client.graph(`${PARTNERS}/00000000-1111-2222-3333-444444444444/identitySynchronization`, { method: 'PUT', body: {} })).status, 404);
    });

    it('deleteLive in process behaves like HTTP DELETE, with the given actor in the audit log', async () => {
      const { tenant } = client.sim;
      tenant.deleteLive('ca', DEMO_IDS.liveMfaPolicy, DEMO_ACTORS.megan);
      assert.ok(tenant.findDeleted('ca', DEMO_IDS.liveMfaPolicy)?.deletedDateTime);
      const event = tenant.auditEvents().at(-1)!;
      assert.equal(event.activityDisplayName, 'Delete conditional access policy');
      assert.equal(event.loggedByService, 'Conditional Access');
      assert.equal(event.category, 'Policy');
      assert.deepEqual((event.initiatedBy as { user: { userPrincipalName: string } }).user.userPrincipalName, 'megan.bowen@contoso.onmicrosoft.com');
      assert.throws(() => tenant.deleteLive('partners', DEMO_IDS.livePartnerWithSync), /identity synchronization/);
      assert.throws(() => tenant.deleteLive('locations', DEMO_IDS.liveSanctionedCountries), /used by Conditional Access policy/);

      tenant.deleteLive('sync', DEMO_IDS.livePartnerWithSync);
      tenant.deleteLive('partners', DEMO_IDS.livePartnerWithSync, { app: { appId: 'aaaa', displayName: 'Cleanup job' } });
      const partnerEvent = tenant.auditEvents().at(-1)!;
      assert.equal(partnerEvent.activityDisplayName, 'Delete partner specific cross-tenant access setting');
      assert.equal(partnerEvent.loggedByService, 'Core Directory');
      assert.equal(partnerEvent.category, 'CrossTenantAccessSettings');
      const [target] = partnerEvent.targetResources as { type: string; modifiedProperties: unknown[] }[];
      assert.equal(target.type, 'Policy');
      assert.deepEqual(target.modifiedProperties, [{ displayName: 'tenantId', oldValue: `"${DEMO_IDS.livePartnerWithSync}"`, newValue: null }]);
      const syncEvent = tenant.auditEvents().at(-2)!;
      assert.equal(syncEvent.activityDisplayName, 'Delete a partner cross-tenant identity sync setting');
      assert.equal(syncEvent.category, 'CrossTenantIdentitySyncSettings');
    });
  });

  describe('30-day retention', () => {
    it('purges deleted items older than 30 days whenever state is read', async () => {
      const { tenant } = client.sim;
      const expiring = DEMO_IDS.expiringPolicy;
      assert.ok((await listAll(client, CA_DELETED)).items.some((item) => item.id === expiring));
      tenant.advanceClock(3 * DAY_MS);
      const after = (await listAll(client, CA_DELETED)).items;
      assert.ok(!after.some((item) => item.id === expiring), 'purged after 30 days');
      assert.ok(after.some((item) => item.id === DEMO_IDS.compliantDevicePolicy), 'younger items stay');
      assert.equal((await client.graph(`${CA_DELETED}/${expiring}`)).status, 404);
      assert.equal((await client.graph(`${CA_DELETED}/${expiring}/restore`, { method: 'POST' })).status, 404);
    });

    it('follows the injected now() clock', async () => {
      let now = new Date('2025-03-01T12:00:00Z');
      const clocked = await startSimClient({ now: () => now });
      try {
        const policy = clocked.sim.tenant.findDeleted('ca', DEMO_IDS.caPolicyWithDeletedLocation)!;
        assert.equal(Date.parse(String(policy.deletedDateTime)), now.getTime() - 2 * DAY_MS - 3 * 60 * 60 * 1000);
        clocked.sim.tenant.addDeleted('ca', { id: 'aaaaaaaa-0000-4000-8000-000000000001', displayName: 'Old one' }, new Date(now.getTime() - 29 * DAY_MS));
        assert.ok(clocked.sim.tenant.findDeleted('ca', 'aaaaaaaa-0000-4000-8000-000000000001'));
        now = new Date(now.getTime() + 1.5 * DAY_MS);
        assert.equal(clocked.sim.tenant.findDeleted('ca', 'aaaaaaaa-0000-4000-8000-000000000001'), undefined);
        assert.equal((await clocked.graph(`${CA_DELETED}/aaaaaaaa-0000-4000-8000-000000000001`)).status, 404);
      } finally {
        await clocked.close();
      }
    });
  });
});
