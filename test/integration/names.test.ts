import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, listActions, type Card, type Conversation } from '../support/botHarness';

/** Names instead of GUIDs: partners by organisation name, and what a policy references by name. */

const TENANT_INFORMATION = /^\/tenantRelationships\/findTenantInformationByTenantId/i;
const FABRIKAM = DEMO_IDS.partnerWithDeletedSync;
const NORTHWIND = DEMO_IDS.serviceProviderPartner;
const LITWARE = DEMO_IDS.partnerRecreatedLive;
const NEW_PARTNER = '0e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a21';
/** The seeded finance app's service principal. */
const FINANCE_SERVICE_PRINCIPAL = '4e6a8c0e-2b4d-4f6a-9c8e-0a2c4e6b8d31';

const alertCards = (bot: BotHarness, chat: Conversation): Card[] =>
  bot.connector
    .postsTo(chat.id)
    .map((a) => a.body.attachments?.[0]?.content)
    .filter((card): card is Card => Boolean(card) && /Detected /.test(cardText(card)));

describe('partners by organisation name', () => {
  let bot: BotHarness;
  let chat: Conversation;
  const nameLookups = () => bot.simulator.requests.filter((r) => TENANT_INFORMATION.test(r.path));

  beforeEach(async () => {
    bot = await BotHarness.start();
    chat = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  it('the deleted list names partners by organisation, looking each tenant up once', async () => {
    const text = cardText(cardReply(await chat.say('deleted xtap')).card);
    for (const name of ['Fabrikam', 'Northwind Traders', 'Litware', 'Woodgrove Bank']) assert.ok(text.includes(name), `${name} listed`);
    assert.ok(!text.includes(NORTHWIND), 'no tenant id in the list');
    const first = nameLookups().length;
    assert.ok(first > 0 && first <= 4, `one lookup per unnamed partner, got ${first}`);
    await chat.say('deleted xtap');
    assert.equal(nameLookups().length, first, 'names come from the cache the second time');
  });

  it('details keep the tenant id once, and "which one did you mean" buttons carry names', async () => {
    const details = cardText(cardReply(await chat.say(`show xtap ${NORTHWIND}`)).card);
    assert.match(details, /Northwind Traders/);
    assert.ok(details.includes(NORTHWIND));
    const choose = cardReply(await chat.say(`show ${FABRIKAM}`)).card;
    const titles = listActions(choose).map((a) => a.title).join(' | ');
    assert.match(titles, /Fabrikam/);
  });

  it('change requests and their outcome name the partner', async () => {
    const asked = cardText(cardReply(await chat.say(`partner set ${LITWARE} mfa off`)).card);
    assert.match(asked, /Cross-tenant partner Litware/);
    const added = cardText(cardReply(await chat.say(`partner add ${NEW_PARTNER}`)).card);
    assert.match(added, new RegExp(`Cross-tenant partner ${NEW_PARTNER}`), 'a tenant Graph does not know keeps its id');
  });

  it('alerts name the deleted partner', async () => {
    await chat.say('alerts on xtap');
    await bot.product.poller.runCycle();
    bot.simulator.tenant.deleteLive('partners', DEMO_IDS.syncWithLivePartner);
    await bot.product.poller.runCycle();
    const cards = alertCards(bot, chat);
    assert.equal(cards.length, 1);
    assert.match(cardText(cards[0]), /Adatum Corporation/);
  });
});

describe('partners without CrossTenantInformation.ReadBasic.All', () => {
  it('fall back to tenant ids and every command still works', async () => {
    const bot = await BotHarness.start({
      simulator: { grantedRoles: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.CrossTenantAccess', 'AuditLog.Read.All', 'GroupMember.Read.All', 'User.ReadBasic.All'] },
    });
    try {
      const chat = bot.conversation('channel', ALEX);
      const list = cardText(cardReply(await chat.say('deleted xtap')).card);
      assert.ok(list.includes(NORTHWIND));
      assert.ok(list.includes('Woodgrove Bank'), 'a name Graph sent itself is kept');
      assert.doesNotMatch(list, /CrossTenantInformation|could not|denied/i);
      const partners = cardText(cardReply(await chat.say('partners')).card);
      assert.ok(partners.includes(LITWARE));
      const refusals = bot.simulator.requests.filter((r) => TENANT_INFORMATION.test(r.path));
      assert.ok(refusals.length > 0 && refusals.every((r) => r.status === 403));
      await chat.say('deleted xtap');
      assert.equal(bot.simulator.requests.filter((r) => TENANT_INFORMATION.test(r.path)).length, refusals.length, 'a refused lookup is not retried at once');
    } finally {
      await bot.stop();
    }
  });
});

describe('policy details name what they reference', () => {
  let bot: BotHarness;
  let chat: Conversation;

  before(async () => {
    bot = await BotHarness.start();
  });
  after(async () => bot.stop());
  beforeEach(() => {
    chat = bot.conversation('personal');
  });

  it('shows break-glass exclusions, groups and named locations by name, with one $batch for the directory', async () => {
    const since = bot.simulator.requests.length;
    const text = cardText(cardReply(await chat.say(`show ${DEMO_IDS.caPolicyWithDeletedLocation}`)).card);
    assert.match(text, /Excluded users: 2 users: Break Glass 1 \(bg1@contoso\.onmicrosoft\.com\), Break Glass 2 \(bg2@contoso\.onmicrosoft\.com\)/);
    assert.match(text, /Excluded groups: 1 group: Break-glass accounts/);
    assert.match(text, /Locations: 1 named location: Blocked countries - high risk \(deleted, restorable\)/);
    assert.match(text, /Excluded locations: 1 named location: Contoso corporate egress IPs/);
    // The requester's own name and role checks are every turn's, not the card's.
    const calls = bot.simulator.requests.slice(since).filter((r) => !r.batch && !r.path.includes(ALEX.aadObjectId));
    assert.equal(calls.filter((r) => r.path === '/$batch').length, 1, 'users and groups in one batch');
    assert.deepEqual(calls.filter((r) => /^\/(users|groups)\//.test(r.path)), [], 'no per-object calls outside the batch');
    const nameCalls = calls.filter((r) => ['/$batch', '/identity/conditionalAccess/namedLocations', '/policies/authenticationStrengthPolicies'].includes(r.path));
    assert.deepEqual(nameCalls.map((r) => r.path).sort(), ['/$batch', '/identity/conditionalAccess/namedLocations'], 'naming costs two calls, one of them Conditional Access');
  });

  it('names directory roles, and the named locations list is read once for many cards', async () => {
    const text = cardText(cardReply(await chat.say(`show ${DEMO_IDS.expiringPolicy}`)).card);
    assert.match(text, /Included roles: .*Global Administrator/);
    const since = bot.simulator.requests.length;
    await chat.say(`show ${DEMO_IDS.caPolicyWithDeletedLocation}`);
    await chat.say(`show ${DEMO_IDS.caPolicyWithPurgedLocation}`);
    const lists = bot.simulator.requests.slice(since).filter((r) => r.path === '/identity/conditionalAccess/namedLocations');
    assert.equal(lists.length, 0, 'named locations come from the cache');
  });

  it('says "deleted user" and "deleted named location" for ids that no longer resolve', async () => {
    const gone = '12345678-aaaa-4bbb-8ccc-1234567890ab';
    const removedApp = '87654321-aaaa-4bbb-8ccc-1234567890ab';
    const policy = bot.simulator.tenant.addDeleted('ca', {
      id: '2f3e4d5c-6b7a-4899-8a7b-6c5d4e3f2a10',
      displayName: 'CA070 - Test policy with a departed admin',
      state: 'enabled',
      conditions: {
        users: { includeUsers: ['All'], excludeUsers: [gone] },
        applications: { includeApplications: [removedApp] },
        clientApplications: { includeServicePrincipals: [FINANCE_SERVICE_PRINCIPAL] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000004' } },
    });
    const text = cardText(cardReply(await chat.say(`show ${String(policy.id)}`)).card);
    assert.match(text, /Excluded users: 1 user: deleted user 12345678…/);
    assert.match(text, /authentication strength "Phishing-resistant MFA"/);
    assert.match(text, /Included apps: 1 app: deleted app 87654321…/);
    assert.match(text, /Included workload identities: 1 service principal: Contoso Finance Portal/);
    const purged = cardText(cardReply(await chat.say(`show ${DEMO_IDS.caPolicyWithPurgedLocation}`)).card);
    assert.match(purged, /Excluded locations: 1 named location: deleted named location 6f0a2c4e…/);
    assert.match(purged, /Included groups: 1 group: Finance/);
    assert.match(purged, /Included apps: 1 app: Contoso Finance Portal/);
  });
});

describe('policy details without User.ReadBasic.All', () => {
  it('show ids where names cannot be read, and the details still come', async () => {
    const bot = await BotHarness.start({
      simulator: { grantedRoles: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.CrossTenantAccess', 'AuditLog.Read.All', 'GroupMember.Read.All'] },
    });
    try {
      const text = cardText(cardReply(await bot.conversation('personal').say(`show ${DEMO_IDS.caPolicyWithDeletedLocation}`)).card);
      assert.match(text, /Excluded users: 2 users: 0f7c6f1e-3b1a-4d2e-9a8b-5c6d7e8f9a01/);
      assert.match(text, /Excluded groups: 1 group: Break-glass accounts/);
    } finally {
      await bot.stop();
    }
  });
});
