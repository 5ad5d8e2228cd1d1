import assert from 'node:assert/strict';
import { ALEX, BotHarness, cardReply, cardText, graphWrites, listActions, MEGAN, requestIdOf, type Conversation } from '../support/botHarness';
import type { GraphObject } from '../../src/core/model';
import { trackedKind } from '../../src/core/trackedKinds';
import { DEMO_IDS } from '../../src/simulator';

/**
 * Recreate, through the bot's real HTTP entry point: a policy and the named location it uses,
 * both purged for good, are created again from their stored versions under four-eyes approval;
 * `restore` of a purged item and a restore Entra refuses (403) offer it.
 */

const ADMIN = { user: { id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', userPrincipalName: 'grady.archie@contoso.onmicrosoft.com', displayName: 'Grady Archie' } };
const REPORT_ONLY = 'enabledForReportingButNotEnforced';

describe('recreate from the stored version', () => {
  let bot: BotHarness;
  let channel: Conversation;
  const cycle = () => bot.product.poller.runCycle();
  const tenant = () => bot.simulator.tenant;

  /** A live location and an enforced policy that uses it, both seen by a history cycle. */
  async function policyWithLocation(): Promise<{ location: GraphObject; policy: GraphObject }> {
    const location = tenant().create(
      'locations',
      { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'Branch office Leeds', isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }] },
      ADMIN,
    );
    const policy = tenant().create(
      'ca',
      {
        displayName: 'CA070 - Block sign-ins outside Leeds',
        state: 'enabled',
        conditions: {
          users: { includeUsers: ['All'], excludeUsers: [] },
          applications: { includeApplications: ['All'] },
          clientAppTypes: ['all'],
          locations: { includeLocations: ['All'], excludeLocations: [location.id] },
        },
        grantControls: { operator: 'OR', builtInControls: ['block'] },
      },
      ADMIN,
    );
    await cycle();
    return { location, policy };
  }

  function purge(kind: 'ca' | 'locations', id: string): void {
    tenant().deleteLive(kind, id, ADMIN);
    tenant().purgeDeleted(kind, id, ADMIN);
  }

  beforeEach(async () => {
    bot = await BotHarness.start();
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  it('creates the purged location, then the policy in report-only with the new location id: exact POST bodies, new ids on the card', async () => {
    const { location, policy } = await policyWithLocation();
    purge('ca', String(policy.id));
    purge('locations', String(location.id));
    await cycle();

    const asked = cardReply(await channel.say(`recreate ${policy.id} purged by mistake`));
    const text = cardText(asked.card);
    assert.match(text, /Recreate request R-/);
    assert.match(text, /new id/i);
    assert.match(text, new RegExp(`References to the old id ${policy.id} elsewhere .* are not updated`));
    assert.match(text, /Created in: Report-only/);
    assert.match(text, /1\. Create the named location "Branch office Leeds" from its stored version 1/);
    assert.match(text, /2\. Create the Conditional Access policy "CA070 - Block sign-ins outside Leeds" in report-only/);

    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const writes = graphWrites(bot.simulator, since);
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), ['POST /identity/conditionalAccess/namedLocations', 'POST /identity/conditionalAccess/policies']);
    assert.deepEqual(writes[0].body, {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: 'Branch office Leeds',
      isTrusted: true,
      ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }],
    });
    const newLocation = tenant().live('locations').find((l) => l.displayName === 'Branch office Leeds')!;
    const newPolicy = tenant().live('ca').find((p) => p.displayName === 'CA070 - Block sign-ins outside Leeds')!;
    assert.notEqual(newLocation.id, location.id);
    assert.notEqual(newPolicy.id, policy.id);
    const { createdDateTime: _c, modifiedDateTime: _m, id: _id, ...stored } = policy;
    assert.deepEqual(writes[1].body, {
      ...stored,
      state: REPORT_ONLY,
      conditions: { ...(policy.conditions as GraphObject), locations: { includeLocations: ['All'], excludeLocations: [newLocation.id] } },
    });
    assert.equal(newPolicy.state, REPORT_ONLY);

    const final = bot.connector.updatesOf(asked.id).at(-1);
    assert.match(cardText(final), /Created again, with a new id/);
    assert.match(cardText(final), new RegExp(`New ids: Branch office Leeds: ${newLocation.id} · CA070 - Block sign-ins outside Leeds: ${newPolicy.id}`));
  });

  it('`as-stored` keeps the stored state; a live object is refused (revert is the tool)', async () => {
    const { policy } = await policyWithLocation();
    assert.match((await channel.say(`recreate ${policy.id}`))[0].text ?? '', /is live: nothing to recreate/);
    purge('ca', String(policy.id));
    await cycle();
    const asked = cardReply(await channel.say(`recreate ${policy.id} as-stored`));
    assert.match(cardText(asked.card), /Created in: On \(enforced\), as stored/);
    assert.doesNotMatch(cardText(asked.card), /1\. Create the named location/, 'the live location is used as it is');
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const writes = graphWrites(bot.simulator, since);
    assert.equal(writes.length, 1);
    assert.equal((writes[0].body as GraphObject).state, 'enabled');
  });

  it('`restore` of a purged item with a stored version offers `recreate` and names its cost', async () => {
    const { policy } = await policyWithLocation();
    purge('ca', String(policy.id));
    const replies = await channel.say(`restore ${policy.id}`);
    const text = replies.map((r) => r.text ?? '').join('\n');
    assert.match(text, /No deleted item has the id/);
    assert.match(text, new RegExp(`Type \`recreate ${policy.id}\``));
    assert.match(text, /a new object id; references to the old id elsewhere .* are not updated/);
  });

  it('a restore Entra refuses with 403 offers Recreate on the failed card, naming its cost', async () => {
    const { policy } = await policyWithLocation();
    tenant().deleteLive('ca', String(policy.id), ADMIN);
    bot.simulator.faults.refuse.push({ method: 'POST', path: /\/deletedItems\/policies\/[^/]+\/restore$/ });
    const asked = cardReply(await channel.say(`restore ${policy.id}`));
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const failed = bot.connector.updatesOf(asked.id).at(-1)!;
    assert.match(cardText(failed), /The restore failed/);
    assert.match(cardText(failed), new RegExp(`recreate ${policy.id}`));
    assert.match(cardText(failed), /a new object id; references to the old id elsewhere/);
    const button = listActions(failed).find((a) => a.title === 'Recreate instead (new id)');
    assert.deepEqual(button?.data, { id: policy.id });

    const clicked = await channel.invoke('history.recreate', { id: String(policy.id) });
    const card = cardReply(clicked.replies).card;
    assert.match(cardText(card), /Old object: Still in the recycle bin until/);
    assert.match(cardText(card), /Created in: Report-only/);
  });

  it('a deleted custom authentication strength: alerted as gone with Recreate; recreated by POST (new id), the CA policies that required it named', async () => {
    const strength = tenant().createAuthenticationStrength({ displayName: 'Contractors phishing-resistant', description: 'FIDO2 only', allowedCombinations: ['fido2', 'x509CertificateMultiFactor'] }, ADMIN);
    const policy = tenant().create(
      'ca',
      {
        displayName: 'CA080 - Contractors need phishing-resistant MFA',
        state: 'enabled',
        conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
        grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: strength.id } },
      },
      ADMIN,
    );
    await channel.say('alerts on changes');
    await cycle();
    // Entra refuses to delete a strength a policy requires: the admin changes the policy first, then deletes it.
    tenant().update('ca', String(policy.id), { grantControls: { operator: 'OR', builtInControls: ['mfa'] } }, ADMIN);
    tenant().deleteAuthenticationStrength(String(strength.id), ADMIN);
    await cycle();
    const alert = bot.connector
      .postsTo(channel.id)
      .map((a) => a.body.attachments?.[0]?.content)
      .find((card) => card && /Deleted: Contractors phishing-resistant/.test(cardText(card)));
    assert.ok(alert, 'a change alert names the deleted strength');
    assert.match(cardText(alert), /Deleted — only a stored copy can bring it back/);
    assert.ok(listActions(alert).some((a) => a.title === 'Recreate' && (a.data as { id?: string }).id === strength.id), 'with a Recreate button');

    const clicked = await channel.click(alert, 'Recreate');
    const asked = cardReply(clicked.replies);
    const text = cardText(asked.card);
    assert.match(text, /New object id/);
    assert.match(text, new RegExp(`References to the old id ${strength.id}`));
    assert.match(text, new RegExp(`CA policies to update.*CA080 - Contractors need phishing-resistant MFA \\(${policy.id}\\)`));
    assert.match(text, /Create the custom authentication strength "Contractors phishing-resistant" \(POST …\/authenticationStrengthPolicies\) from its stored version 1, with its 2 allowed combinations/);

    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const writes = graphWrites(bot.simulator, since);
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), ['POST /policies/authenticationStrengthPolicies']);
    assert.deepEqual(writes[0].body, { displayName: 'Contractors phishing-resistant', description: 'FIDO2 only', allowedCombinations: ['fido2', 'x509CertificateMultiFactor'] });
    const created = tenant().authenticationStrengths().find((s) => s.displayName === 'Contractors phishing-resistant')!;
    assert.notEqual(created.id, strength.id);
    const final = cardText(bot.connector.updatesOf(asked.id).at(-1));
    assert.match(final, /Created again, with a new id/);
    assert.match(final, new RegExp(`New ids: Contractors phishing-resistant: ${created.id}`));
  });

  it('a purged partner configuration and its identity-sync policy: POST of the partner, then PUT of the sync policy, under the same tenant id', async () => {
    const TAILSPIN = DEMO_IDS.livePartnerWithSync;
    await cycle();
    const partner = tenant().findLive('partners', TAILSPIN)!;
    const sync = tenant().findLive('sync', TAILSPIN)!;
    tenant().deleteLive('sync', TAILSPIN, ADMIN);
    tenant().deleteLive('partners', TAILSPIN, ADMIN);
    tenant().purgeDeleted('sync', TAILSPIN, ADMIN);
    tenant().purgeDeleted('partners', TAILSPIN, ADMIN);
    await cycle();

    const asked = cardReply(await channel.say(`recreate ${TAILSPIN} removed by mistake`));
    const text = cardText(asked.card);
    assert.match(text, new RegExp(`Same id: A partner configuration is keyed by the partner's tenant id, so it comes back under the same id \\(${TAILSPIN}\\)`));
    assert.doesNotMatch(text, /New object id/);
    assert.match(text, new RegExp(`2\\. Set its identity-sync policy \\(PUT …/partners/${TAILSPIN}/identitySynchronization\\) from its stored version 1`));

    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const writes = graphWrites(bot.simulator, since);
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), ['POST /policies/crossTenantAccessPolicy/partners', `PUT /policies/crossTenantAccessPolicy/partners/${TAILSPIN}/identitySynchronization`]);
    const settable = (object: GraphObject, kind: 'partners' | 'sync') => Object.fromEntries(trackedKind(kind).settable.filter((name) => object[name] !== undefined && object[name] !== null).map((name) => [name, object[name]]));
    assert.deepEqual(writes[0].body, { tenantId: TAILSPIN, ...settable(partner, 'partners') });
    assert.deepEqual(writes[1].body, settable(sync, 'sync'));
    assert.ok(tenant().findLive('partners', TAILSPIN));
    assert.deepEqual(tenant().findLive('sync', TAILSPIN)?.userSyncInbound, sync.userSyncInbound);
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Created again, under the same tenant id/);
  });
});
