import assert from 'node:assert/strict';
import { ALEX, BotHarness, cardReply, cardText, graphWrites, listActions, MEGAN, requestIdOf, type Conversation } from '../support/botHarness';
import type { GraphObject } from '../../src/core/model';

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
});
