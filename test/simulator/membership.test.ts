import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_GRANTED_ROLES,
  DEMO_IDS,
  DEMO_USERS,
  MAX_CHECK_MEMBER_GROUPS,
  SimTenant,
} from '../../src/simulator';
import { listAll, startSimClient, type SimClient } from './helpers';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const { operatorsGroup: OPERATORS, approversGroup: APPROVERS, securityTeamGroup: SECURITY_TEAM } = DEMO_IDS;

const checkMemberGroups = (client: SimClient, user: string, groupIds: unknown, version: 'v1.0' | 'beta' = 'v1.0') =>
  client.graph(`/users/${encodeURIComponent(user)}/checkMemberGroups`, { method: 'POST', body: { groupIds }, version });

describe('simulator: users, groups and membership checks', () => {
  let client: SimClient;
  let policyOnly: SimClient;
  let directoryReader: SimClient;
  let groupMemberReader: SimClient;
  before(async () => {
    [client, policyOnly, directoryReader, groupMemberReader] = await Promise.all([
      startSimClient(),
      startSimClient({ grantedRoles: ['Policy.Read.All'] }),
      startSimClient({ grantedRoles: ['Directory.Read.All'] }),
      startSimClient({ grantedRoles: ['GroupMember.Read.All'] }),
    ]);
  });
  after(async () => Promise.all([client.close(), policyOnly.close(), directoryReader.close(), groupMemberReader.close()]));

  describe('demo seed', () => {
    it("has the Agents Playground's mock users with their ids verbatim", () => {
      const expected = [
        ['alex', '00000000-0000-0000-0000-0000000000020', 'Alex Wilber', 'alexw@example.com', 'user-id-0'],
        ['megan', '00000000-0000-0000-0000-0000000000021', 'Megan Bowen', 'meganb@example.com', 'user-id-1'],
        ['adele', '00000000-0000-0000-0000-0000000000022', 'Adele Vance', 'adelev@example.com', 'user-id-2'],
        ['isaiah', '00000000-0000-0000-0000-0000000000023', 'Isaiah Langer', 'isaiah@example.com', 'user-id-3'],
        ['patti', '00000000-0000-0000-0000-0000000000024', 'Patti Fernandez', 'pattif@example.com', 'user-id-4'],
        ['lynne', '00000000-0000-0000-0000-0000000000025', 'Lynne Robbins', 'lynner@example.com', 'user-id-5'],
      ] as const;
      assert.deepEqual(Object.keys(DEMO_USERS), expected.map(([handle]) => handle));
      for (const [handle, aadObjectId, name, upn, teamsId] of expected) {
        assert.deepEqual(DEMO_USERS[handle], { aadObjectId, name, upn, teamsId });
        assert.equal(aadObjectId.split('-')[4].length, 13, 'the playground ids are not GUIDs');
        assert.doesNotMatch(aadObjectId, GUID);
        const user = client.sim.tenant.findUser(aadObjectId);
        assert.equal(user?.id, aadObjectId);
        assert.equal(user?.displayName, name);
        assert.equal(user?.userPrincipalName, upn);
      }
    });

    it('has the operators and approvers groups with fixed GUIDs, nested as described', () => {
      const tenant = client.sim.tenant;
      assert.match(OPERATORS, GUID);
      assert.match(APPROVERS, GUID);
      assert.equal(tenant.findGroup(OPERATORS)?.displayName, 'Entra Policy Operators');
      assert.equal(tenant.findGroup(APPROVERS)?.displayName, 'Entra Policy Approvers');
      assert.equal(tenant.findGroup(SECURITY_TEAM)?.displayName, 'Security Team');
      for (const id of [OPERATORS, APPROVERS, SECURITY_TEAM]) assert.equal(tenant.findGroup(id)?.securityEnabled, true);
      assert.deepEqual(tenant.groupMemberIds(APPROVERS), [DEMO_USERS.alex.aadObjectId, DEMO_USERS.megan.aadObjectId, SECURITY_TEAM]);
      assert.deepEqual(tenant.groupMemberIds(SECURITY_TEAM), [DEMO_USERS.adele.aadObjectId]);
      assert.deepEqual(tenant.groupMemberIds(OPERATORS), [APPROVERS, DEMO_USERS.isaiah.aadObjectId]);

      const memberships = (handle: keyof typeof DEMO_USERS) =>
        tenant.checkMemberGroups(DEMO_USERS[handle].aadObjectId, [OPERATORS, APPROVERS]);
      assert.deepEqual(memberships('alex'), [OPERATORS, APPROVERS]);
      assert.deepEqual(memberships('megan'), [OPERATORS, APPROVERS]);
      assert.deepEqual(memberships('adele'), [OPERATORS, APPROVERS]);
      assert.deepEqual(memberships('isaiah'), [OPERATORS]);
      assert.deepEqual(memberships('patti'), []);
      assert.deepEqual(memberships('lynne'), []);
    });

    it('grants GroupMember.Read.All by default; an empty seed has no users or groups', async () => {
      assert.ok(DEFAULT_GRANTED_ROLES.includes('GroupMember.Read.All'));
      const empty = new SimTenant({ tenantId: randomUUID(), domain: 'empty.example' });
      assert.deepEqual(empty.users(), []);
      assert.deepEqual(empty.groups(), []);
    });
  });

  describe('POST /users/{id}/checkMemberGroups', () => {
    it('returns the direct memberships among the ids, as Collection(Edm.String), in both versions', async () => {
      for (const version of ['v1.0', 'beta'] as const) {
        const reply = await checkMemberGroups(client, DEMO_USERS.isaiah.aadObjectId, [APPROVERS, OPERATORS], version);
        assert.equal(reply.status, 200);
        assert.deepEqual(reply.body, {
          '@odata.context': `${client.sim.url}/${version}/$metadata#Collection(Edm.String)`,
          value: [OPERATORS],
        });
        assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
      }
    });

    it('is transitive: nested groups count, at any depth', async () => {
      const alex = await checkMemberGroups(client, DEMO_USERS.alex.aadObjectId, [OPERATORS, APPROVERS]);
      assert.deepEqual(alex.body.value, [OPERATORS, APPROVERS], 'operator only through the nested approvers group');
      const adele = await checkMemberGroups(client, DEMO_USERS.adele.aadObjectId, [APPROVERS, OPERATORS, SECURITY_TEAM]);
      assert.deepEqual(adele.body.value, [APPROVERS, OPERATORS, SECURITY_TEAM], 'Security Team → Approvers → Operators');
      for (const handle of ['patti', 'lynne'] as const) {
        const reply = await checkMemberGroups(client, DEMO_USERS[handle].aadObjectId, [OPERATORS, APPROVERS]);
        assert.equal(reply.status, 200);
        assert.deepEqual(reply.body.value, [], `${handle} is in neither group`);
      }
    });

    it('accepts a userPrincipalName (any case) in place of the id; unknown group ids are simply absent', async () => {
      const reply = await checkMemberGroups(client, 'MeganB@Example.com', [APPROVERS, randomUUID(), APPROVERS.toUpperCase()]);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body.value, [APPROVERS]);
    });

    it(`accepts ${MAX_CHECK_MEMBER_GROUPS} group ids and rejects more with 400`, async () => {
      const twenty = [OPERATORS, ...Array.from({ length: MAX_CHECK_MEMBER_GROUPS - 1 }, () => randomUUID())];
      const ok = await checkMemberGroups(client, DEMO_USERS.alex.aadObjectId, twenty);
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.value, [OPERATORS]);

      const tooMany = await checkMemberGroups(client, DEMO_USERS.alex.aadObjectId, [...twenty, randomUUID()]);
      assert.equal(tooMany.status, 400);
      assert.equal(tooMany.body.error.code, 'Request_BadRequest');
      assert.match(tooMany.body.error.message, /\b21\b.*\b20\b/);
    });

    it('rejects a malformed group id or body with 400', async () => {
      const malformed = await checkMemberGroups(client, DEMO_USERS.alex.aadObjectId, [OPERATORS, 'Entra Policy Operators']);
      assert.equal(malformed.status, 400);
      assert.deepEqual([malformed.body.error.code, malformed.body.error.message], ['Request_BadRequest', "Invalid object identifier 'Entra Policy Operators'."]);
      assert.equal((await checkMemberGroups(client, DEMO_USERS.alex.aadObjectId, OPERATORS)).status, 400);
      const noBody = await client.graph(`/users/${DEMO_USERS.alex.aadObjectId}/checkMemberGroups`, { method: 'POST' });
      assert.equal(noBody.status, 400);
    });

    it("answers 404 Request_ResourceNotFound in Graph's words for an unknown user (id, GUID or UPN)", async () => {
      for (const user of [randomUUID(), '00000000-0000-0000-0000-0000000000099', 'nobody@example.com']) {
        const reply = await checkMemberGroups(client, user, [OPERATORS]);
        assert.equal(reply.status, 404);
        assert.equal(reply.body.error.code, 'Request_ResourceNotFound');
        assert.equal(reply.body.error.message, `Resource '${user}' does not exist or one of its queried reference-property objects are not present.`);
        assert.ok(reply.body.error.innerError['request-id']);
      }
    });

    it('answers 403 Authorization_RequestDenied without a group or directory read role', async () => {
      const denied = await checkMemberGroups(policyOnly, DEMO_USERS.alex.aadObjectId, [OPERATORS]);
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'Authorization_RequestDenied');
      assert.equal(denied.body.error.message, 'Insufficient privileges to complete the operation.');
      assert.equal(policyOnly.sim.requests.at(-1)?.authorized, false);
      for (const path of [`/users/${DEMO_USERS.alex.aadObjectId}/transitiveMemberOf`, `/groups/${OPERATORS}`]) {
        assert.equal((await policyOnly.graph(path)).status, 403, path);
      }

      const allowed = await checkMemberGroups(directoryReader, DEMO_USERS.alex.aadObjectId, [OPERATORS]);
      assert.equal(allowed.status, 200, 'Directory.Read.All is enough');
      assert.deepEqual(allowed.body.value, [OPERATORS]);
    });

    it('follows in-process membership changes at once', async () => {
      const tenant = client.sim.tenant;
      const patti = DEMO_USERS.patti.aadObjectId;
      tenant.addGroupMember(SECURITY_TEAM, patti);
      try {
        assert.deepEqual((await checkMemberGroups(client, patti, [OPERATORS, APPROVERS])).body.value, [OPERATORS, APPROVERS]);
      } finally {
        tenant.removeGroupMember(SECURITY_TEAM, patti);
      }
      assert.deepEqual((await checkMemberGroups(client, patti, [OPERATORS, APPROVERS])).body.value, []);

      tenant.removeGroupMember(OPERATORS, APPROVERS);
      try {
        const alex = await checkMemberGroups(client, DEMO_USERS.alex.aadObjectId, [OPERATORS, APPROVERS]);
        assert.deepEqual(alex.body.value, [APPROVERS], 'un-nesting removes the transitive membership');
      } finally {
        tenant.addGroupMember(OPERATORS, APPROVERS);
      }
    });

    it('answers checkMemberObjects the same way for groups', async () => {
      const reply = await client.graph(`/users/${DEMO_USERS.adele.aadObjectId}/checkMemberObjects`, {
        method: 'POST',
        body: { ids: [OPERATORS, randomUUID()] },
      });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { '@odata.context': `${client.sim.url}/beta/$metadata#Collection(Edm.String)`, value: [OPERATORS] });
    });
  });

  describe('GET /users/{id}/transitiveMemberOf', () => {
    it('lists direct and nested groups as directoryObjects typed #microsoft.graph.group', async () => {
      const reply = await client.graph(`/users/${DEMO_USERS.adele.aadObjectId}/transitiveMemberOf`, { version: 'v1.0' });
      assert.equal(reply.status, 200);
      assert.equal(reply.body['@odata.context'], `${client.sim.url}/v1.0/$metadata#directoryObjects`);
      assert.equal(reply.body['@odata.nextLink'], undefined);
      const groups = reply.body.value as Record<string, unknown>[];
      assert.deepEqual(groups.map((group) => group.id), [SECURITY_TEAM, APPROVERS, OPERATORS]);
      for (const group of groups) {
        assert.equal(group['@odata.type'], '#microsoft.graph.group');
        assert.equal(group.securityEnabled, true);
        assert.equal(group.members, undefined, 'members is a navigation property, not returned');
      }
      const none = await client.graph(`/users/${DEMO_USERS.lynne.upn}/transitiveMemberOf`);
      assert.deepEqual(none.body.value, []);
    });

    it('supports $select, naming the properties in @odata.context and keeping @odata.type', async () => {
      const reply = await client.graph(`/users/${DEMO_USERS.alex.aadObjectId}/transitiveMemberOf?$select=id,displayName`);
      assert.equal(reply.status, 200);
      assert.equal(reply.body['@odata.context'], `${client.sim.url}/beta/$metadata#directoryObjects(id,displayName)`);
      assert.deepEqual(reply.body.value, [
        { '@odata.type': '#microsoft.graph.group', id: APPROVERS, displayName: 'Entra Policy Approvers' },
        { '@odata.type': '#microsoft.graph.group', id: OPERATORS, displayName: 'Entra Policy Operators' },
      ]);
      const cast = await client.graph(`/users/${DEMO_USERS.alex.aadObjectId}/transitiveMemberOf/microsoft.graph.group?$select=displayName`);
      assert.equal(cast.body['@odata.context'], `${client.sim.url}/beta/$metadata#groups(displayName)`);
      assert.deepEqual(cast.body.value.map((group: Record<string, unknown>) => group.displayName), ['Entra Policy Approvers', 'Entra Policy Operators']);
    });

    it('pages with $top and an absolute @odata.nextLink, like the other collections', async () => {
      const tenant = client.sim.tenant;
      const userId = randomUUID();
      tenant.addUser({ id: userId, displayName: 'Paging Test', userPrincipalName: `paging-${userId}@example.com` });
      const groupIds = Array.from({ length: 7 }, () => randomUUID());
      groupIds.forEach((id, index) => tenant.addGroup({ id, displayName: `Paging group ${index}`, members: [userId] }));

      const first = await client.graph(`/users/${userId}/transitiveMemberOf?$top=3&$select=displayName`);
      assert.equal(first.body.value.length, 3);
      const nextLink = String(first.body['@odata.nextLink']);
      assert.ok(nextLink.startsWith(`${client.sim.url}/beta/users/${userId}/transitiveMemberOf?`), nextLink);
      assert.match(nextLink, /\$top=3/);
      assert.match(nextLink, /\$select=displayName/);
      assert.match(nextLink, /\$skiptoken=/);

      const all = await listAll(client, `/users/${userId}/transitiveMemberOf?$top=3`);
      assert.equal(all.pages, 3);
      assert.deepEqual(all.items.map((group) => group.id), groupIds);
      const counted = await client.graph(`/users/${userId}/transitiveMemberOf?$count=true&$top=5`);
      assert.equal(counted.body['@odata.count'], 7);
    });

    it('answers 404 for an unknown user', async () => {
      const reply = await client.graph('/users/nobody@example.com/transitiveMemberOf');
      assert.equal(reply.status, 404);
      assert.equal(reply.body.error.code, 'Request_ResourceNotFound');
    });
  });

  describe('GET /users/{id} and /groups/{id}', () => {
    it('reads a user by id or UPN (needs a user or directory read role, as in Graph)', async () => {
      const byId = await directoryReader.graph(`/users/${DEMO_USERS.alex.aadObjectId}`, { version: 'v1.0' });
      assert.equal(byId.status, 200);
      assert.equal(byId.body['@odata.context'], `${directoryReader.sim.url}/v1.0/$metadata#users/$entity`);
      assert.equal(byId.body.id, DEMO_USERS.alex.aadObjectId);
      assert.equal(byId.body.displayName, 'Alex Wilber');
      assert.equal(byId.body.userPrincipalName, 'alexw@example.com');
      assert.deepEqual(byId.body.businessPhones, []);

      const byUpn = await directoryReader.graph('/users/ISAIAH@example.com?$select=displayName,mail');
      assert.equal(byUpn.status, 200);
      assert.deepEqual(byUpn.body, {
        '@odata.context': `${directoryReader.sim.url}/beta/$metadata#users(displayName,mail)/$entity`,
        displayName: 'Isaiah Langer',
        mail: 'isaiahl@example.com',
      });

      const unknown = await directoryReader.graph('/users/not-a-user');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.message, "Resource 'not-a-user' does not exist or one of its queried reference-property objects are not present.");

      assert.equal((await groupMemberReader.graph(`/users/${DEMO_USERS.alex.aadObjectId}`)).status, 403, 'GroupMember.Read.All does not read users');
      assert.equal((await client.graph(`/users/${DEMO_USERS.alex.aadObjectId}`)).status, 200, 'the demo app holds User.ReadBasic.All');
    });

    it('reads a group by id; a non-GUID id is 400, an unknown one 404', async () => {
      const group = await client.graph(`/groups/${APPROVERS}`, { version: 'v1.0' });
      assert.equal(group.status, 200);
      assert.equal(group.body['@odata.context'], `${client.sim.url}/v1.0/$metadata#groups/$entity`);
      assert.equal(group.body.displayName, 'Entra Policy Approvers');
      assert.equal(group.body.securityEnabled, true);
      assert.equal(group.body.mailEnabled, false);
      assert.deepEqual(group.body.groupTypes, []);

      const byName = await client.graph('/groups/Entra%20Policy%20Approvers');
      assert.equal(byName.status, 400);
      assert.deepEqual([byName.body.error.code, byName.body.error.message], ['Request_BadRequest', "Invalid object identifier 'Entra Policy Approvers'."]);

      const missing = randomUUID();
      const unknown = await client.graph(`/groups/${missing}`);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'Request_ResourceNotFound');
    });

    it('refuses /me with app-only tokens, as Graph does', async () => {
      const reply = await client.graph('/me/checkMemberGroups', { method: 'POST', body: { groupIds: [OPERATORS] } });
      assert.equal(reply.status, 400);
      assert.equal(reply.body.error.message, '/me request is only valid with delegated authentication flow.');
    });
  });

  describe('tenant directory rules (in process)', () => {
    it('validates users, groups and membership changes with Graph errors', () => {
      const tenant = new SimTenant({ tenantId: randomUUID(), domain: 'rules.example' });
      const user = tenant.addUser({ id: 'u-1', displayName: 'User One', userPrincipalName: 'one@example.com' });
      assert.equal(user.id, 'u-1');
      const outer = randomUUID();
      const inner = randomUUID();
      tenant.addGroup({ id: inner, displayName: 'Inner', members: ['u-1'] });
      tenant.addGroup({ id: outer, displayName: 'Outer', members: [inner] });

      const status = (fn: () => void): number => {
        try {
          fn();
        } catch (error) {
          return (error as { status: number }).status;
        }
        return 0;
      };
      assert.equal(status(() => tenant.addUser({ id: 'u-2', displayName: 'Dup', userPrincipalName: 'ONE@example.com' })), 400, 'UPNs are unique');
      assert.equal(status(() => tenant.addUser({ id: inner, displayName: 'Dup', userPrincipalName: 'x@example.com' })), 400, 'ids are unique');
      assert.equal(status(() => tenant.addGroup({ id: 'not-a-guid', displayName: 'Bad' })), 400);
      assert.equal(status(() => tenant.addGroup({ id: randomUUID(), displayName: 'Ghost members', members: ['ghost'] })), 404);
      assert.equal(status(() => tenant.addGroupMember(inner, 'u-1')), 400, 'already a member');
      assert.equal(status(() => tenant.addGroupMember(randomUUID(), 'u-1')), 404, 'unknown group');
      assert.equal(status(() => tenant.addGroupMember(outer, 'ghost')), 404, 'unknown member');
      assert.equal(status(() => tenant.addGroupMember(outer, outer)), 400, 'not its own member');
      assert.equal(status(() => tenant.removeGroupMember(outer, 'u-1')), 404, 'only direct members can be removed');

      // A cycle does not hang the transitive walk.
      tenant.addGroupMember(inner, outer);
      assert.deepEqual(tenant.transitiveMemberOf('u-1').map((group) => group.id), [inner, outer]);
      assert.deepEqual(tenant.checkMemberGroups('U-1', [outer]), [outer], 'ids compare case-insensitively');
      tenant.removeGroupMember(inner, 'u-1');
      assert.deepEqual(tenant.transitiveMemberOf('u-1'), []);
    });
  });

  describe('faults, recording and batching', () => {
    it('records membership calls and applies connection faults to them', async () => {
      const path = `/users/${DEMO_USERS.alex.aadObjectId}/checkMemberGroups`;
      client.sim.faults.fail503Next = 1;
      const failed = await checkMemberGroups(client, DEMO_USERS.alex.aadObjectId, [OPERATORS]);
      assert.equal(failed.status, 503);
      assert.equal(client.sim.faults.fail503Next, 0);
      const recorded = client.sim.requests.at(-1);
      assert.equal(recorded?.method, 'POST');
      assert.equal(recorded?.path, path);
      assert.equal(recorded?.version, 'v1.0');
      assert.equal(recorded?.status, 503);

      const ok = await checkMemberGroups(client, DEMO_USERS.alex.aadObjectId, [OPERATORS]);
      assert.equal(ok.status, 200);
      assert.equal(client.sim.requests.at(-1)?.status, 200);
      assert.equal(client.sim.requests.at(-1)?.authorized, true);
    });

    it('serves membership checks inside $batch', async () => {
      const reply = await client.graph('/$batch', {
        method: 'POST',
        body: {
          requests: (['alex', 'patti'] as const).map((handle) => ({
            id: handle,
            method: 'POST',
            url: `/users/${DEMO_USERS[handle].aadObjectId}/checkMemberGroups`,
            headers: { 'Content-Type': 'application/json' },
            body: { groupIds: [OPERATORS, APPROVERS] },
          })),
        },
      });
      assert.equal(reply.status, 200);
      const byId = Object.fromEntries(reply.body.responses.map((response: { id: string; body: { value: string[] } }) => [response.id, response.body.value]));
      assert.deepEqual(byId, { alex: [OPERATORS, APPROVERS], patti: [] });
      assert.ok(client.sim.requests.some((entry) => entry.batch && entry.path.endsWith('/checkMemberGroups')));
    });
  });
});
