import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, graphWrites, listActions, MEGAN, requestIdOf, type Card, type Conversation } from '../support/botHarness';

/**
 * Change alerts, history, diff and revert, through the bot's real HTTP entry point: an admin
 * changes policies in the simulated tenant, the poll cycle alerts, and a revert goes through
 * four-eyes approval.
 */

const ADMIN = { user: { id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', userPrincipalName: 'grady.archie@contoso.onmicrosoft.com', displayName: 'Grady Archie' } };
const FINANCE = '8e2a4c6f-0b1d-4e3f-9a5c-7d9f1b3e5a06';
const CA003 = '8d0f2a4c-6e8b-4d0f-8b4c-5a7c9d1f3b69';

function changeCards(bot: BotHarness, chat: Conversation): Card[] {
  return bot.connector
    .postsTo(chat.id)
    .map((a) => a.body.attachments?.[0]?.content)
    .filter((card): card is Card => Boolean(card) && /Detected /.test(cardText(card)) && /version \d+ → \d+|version \d+/.test(cardText(card)));
}

describe('change alerts, history and revert', () => {
  let bot: BotHarness;
  let channel: Conversation;
  const cycle = () => bot.product.poller.runCycle();
  const tenant = () => bot.simulator.tenant;

  /** Turns CA002 off and excludes the Finance group from it, as an admin in the portal would. */
  function disableAndExclude(): void {
    const policy = tenant().findLive('ca', DEMO_IDS.liveMfaPolicy)!;
    const conditions = structuredClone(policy.conditions) as { users: { excludeGroups: string[] } };
    conditions.users.excludeGroups = [...conditions.users.excludeGroups, FINANCE];
    tenant().update('ca', DEMO_IDS.liveMfaPolicy, { state: 'disabled', conditions }, ADMIN);
  }

  beforeEach(async () => {
    bot = await BotHarness.start();
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  it('a change alert says what changed in words, who did it, with Revert, Details and History', async () => {
    assert.match((await channel.say('alerts on changes'))[0].text ?? '', /Changes too/);
    await cycle();
    assert.equal(changeCards(bot, channel).length, 0, 'the baseline alerts nothing');
    disableAndExclude();
    await cycle();
    const cards = changeCards(bot, channel);
    assert.equal(cards.length, 1);
    const text = cardText(cards[0]);
    assert.match(text, /State changed \(On → Off\): CA002/);
    assert.match(text, /\+ Finance/);
    assert.match(text, /by grady\.archie@contoso\.onmicrosoft\.com/);
    assert.deepEqual(listActions(cards[0]).map((a) => a.title), ['Revert', 'Details', 'History']);

    const history = cardReply(await channel.say(`history ${DEMO_IDS.liveMfaPolicy}`)).card;
    assert.match(cardText(history), /Version 2 \(latest\) · changed/);
    assert.match(cardText(history), /Version 1 · first seen by the bot/);
    const diff = cardReply(await channel.say(`diff ${DEMO_IDS.liveMfaPolicy}`)).card;
    assert.match(cardText(diff), /version 1 → 2/);
    assert.match(cardText(diff), /On → Off/);
    const details = await channel.click(cards[0], 'Details');
    assert.match(cardText(details.response?.value ?? details.response), /version 2/);
  });

  it('a burst of changes in one cycle becomes one card', async () => {
    await channel.say('alerts on changes ca');
    await cycle();
    disableAndExclude();
    tenant().update('ca', CA003, { displayName: 'CA003 - Block legacy authentication (pilot)' }, ADMIN);
    tenant().update('locations', DEMO_IDS.liveSanctionedCountries, { countriesAndRegions: ['KP', 'IR'] }, ADMIN);
    await cycle();
    const cards = changeCards(bot, channel);
    assert.equal(cards.length, 1, 'one card for the conversation');
    assert.match(cardText(cards[0]), /2 policy objects were added or changed/, 'only the subscribed kind (ca) is in it');
  });

  it('revert: approved, it PATCHes exactly the settable properties that differ; the bot\'s own change is not alerted', async () => {
    await channel.say('alerts on changes');
    await cycle();
    disableAndExclude();
    await cycle();
    const before = changeCards(bot, channel).length;
    const asked = cardReply(await channel.say(`revert ${DEMO_IDS.liveMfaPolicy} undo the portal change`));
    assert.match(cardText(asked.card), /Put Conditional Access policy "CA002[^"]*" back as it was in version 1/);
    assert.match(cardText(asked.card), /Off → On/, 'the card shows the diff the write applies');
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const writes = graphWrites(bot.simulator, since);
    assert.equal(writes.length, 1);
    assert.equal(writes[0].method, 'PATCH');
    assert.equal(writes[0].path, `/identity/conditionalAccess/policies/${DEMO_IDS.liveMfaPolicy}`);
    const body = writes[0].body as { state: string; conditions: { users: { excludeGroups: string[] } } };
    assert.deepEqual(Object.keys(body).sort(), ['conditions', 'state']);
    assert.equal(body.state, 'enabled');
    assert.ok(!body.conditions.users.excludeGroups.includes(FINANCE));
    assert.equal(tenant().findLive('ca', DEMO_IDS.liveMfaPolicy)?.state, 'enabled');

    await cycle();
    assert.equal(changeCards(bot, channel).length, before, 'no alert for the bot\'s own change');
    const index = await bot.product.history.index('ca', DEMO_IDS.liveMfaPolicy);
    assert.match(index?.versions.at(-1)?.actor ?? '', new RegExp(`this bot, for approved request ${requestIdOf(asked.card)}`));
  });

  it('revert is refused at execution when the object changed again since the request; nothing is written', async () => {
    await cycle();
    disableAndExclude();
    await cycle();
    const asked = cardReply(await channel.say(`revert ${DEMO_IDS.liveMfaPolicy}`));
    tenant().update('ca', DEMO_IDS.liveMfaPolicy, { displayName: 'CA002 - Require MFA (renamed)' }, ADMIN);
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    assert.deepEqual(graphWrites(bot.simulator, since), [], 'nothing was written');
    // What the people involved see: the card updated in place, and the requester told.
    const card = bot.connector.updatesOf(asked.id).at(-1);
    assert.match(cardText(card), /The revert failed\./);
    assert.match(cardText(card), /Changed since requested, so nothing was written/);
    assert.match(cardText(card), new RegExp(`diff ${DEMO_IDS.liveMfaPolicy}`));
    // In a channel the notice goes to the card's thread.
    const notices = bot.connector.activities.filter((a) => a.method === 'POST' && a.path.startsWith(`/v3/conversations/${channel.id};messageid=${asked.id}/`)).map((a) => a.body.text ?? '');
    assert.ok(notices.some((text) => text.includes(`revert request ${requestIdOf(asked.card)} failed: Changed since requested`)), notices.join('\n'));
  });

  it('revert of the default cross-tenant configuration: alerted, then PATCHed back with only the settings that differ', async () => {
    await channel.say('alerts on changes');
    await cycle();
    const allowed = structuredClone(tenant().crossTenantDefault().b2bCollaborationInbound);
    const blocked = { usersAndGroups: { accessType: 'blocked', targets: [{ target: 'AllUsers', targetType: 'user' }] }, applications: { accessType: 'blocked', targets: [{ target: 'AllApplications', targetType: 'application' }] } };
    tenant().updateCrossTenantDefault({ b2bCollaborationInbound: blocked }, ADMIN);
    await cycle();
    const cards = changeCards(bot, channel);
    assert.equal(cards.length, 1);
    assert.match(cardText(cards[0]), /Default cross-tenant access settings/);
    assert.deepEqual(listActions(cards[0]).map((a) => a.title), ['Revert', 'Details', 'History']);

    const clicked = await channel.click(cards[0], 'Revert');
    const asked = cardReply(clicked.replies);
    assert.match(cardText(asked.card), /back as it was in version 1/);
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const writes = graphWrites(bot.simulator, since);
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), ['PATCH /policies/crossTenantAccessPolicy/default']);
    assert.deepEqual(writes[0].body, { b2bCollaborationInbound: allowed });
    assert.deepEqual(tenant().crossTenantDefault().b2bCollaborationInbound, allowed);
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Reverted/);
  });

  it('revert of the default configuration is refused when it changed again since the request', async () => {
    await cycle();
    tenant().updateCrossTenantDefault({ automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: false } }, ADMIN);
    await cycle();
    const asked = cardReply(await channel.say('revert default'));
    tenant().updateCrossTenantDefault({ automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: true } }, ADMIN);
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    assert.deepEqual(graphWrites(bot.simulator, since), []);
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Changed since requested/);
  });

  it('revert of a custom authentication strength: PATCH of the name, then the updateAllowedCombinations action, exact bodies', async () => {
    const strength = tenant().createAuthenticationStrength({ displayName: 'Contractors strong auth', description: 'FIDO2 or Windows Hello', allowedCombinations: ['fido2', 'windowsHelloForBusiness'] }, ADMIN);
    await cycle();
    tenant().updateAuthenticationStrength(String(strength.id), { displayName: 'Contractors auth', description: 'Relaxed' }, ADMIN);
    tenant().updateAllowedCombinations(String(strength.id), ['fido2', 'windowsHelloForBusiness', 'password,sms'], ADMIN);
    await cycle();
    const asked = cardReply(await channel.say(`revert ${strength.id}`));
    assert.match(cardText(asked.card), /Put Custom authentication strength "Contractors auth" back as it was in version 1/);
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const writes = graphWrites(bot.simulator, since);
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), [
      `PATCH /policies/authenticationStrengthPolicies/${strength.id}`,
      `POST /policies/authenticationStrengthPolicies/${strength.id}/updateAllowedCombinations`,
    ]);
    assert.deepEqual(writes[0].body, { displayName: 'Contractors strong auth', description: 'FIDO2 or Windows Hello' });
    assert.deepEqual(writes[1].body, { allowedCombinations: ['fido2', 'windowsHelloForBusiness'] });
    const live = tenant().authenticationStrengths().find((s) => s.id === strength.id)!;
    assert.deepEqual([live.displayName, live.allowedCombinations], ['Contractors strong auth', ['fido2', 'windowsHelloForBusiness']]);
  });

  it('a strength whose combinations alone changed is reverted with the action only; built-in strengths are refused', async () => {
    const strength = tenant().createAuthenticationStrength({ displayName: 'Admins phishing-resistant', allowedCombinations: ['fido2'] }, ADMIN);
    await cycle();
    tenant().updateAllowedCombinations(String(strength.id), ['fido2', 'password,microsoftAuthenticatorPush'], ADMIN);
    await cycle();
    const asked = cardReply(await channel.say(`revert ${strength.id}`));
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const writes = graphWrites(bot.simulator, since);
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), [`POST /policies/authenticationStrengthPolicies/${strength.id}/updateAllowedCombinations`]);
    assert.deepEqual(writes[0].body, { allowedCombinations: ['fido2'] });

    const refused = (await channel.say('revert 00000000-0000-0000-0000-000000000002'))[0].text ?? '';
    assert.match(refused, /Multifactor authentication is a built-in authentication strength: Microsoft defines it and Graph refuses any change to it/);
  });
});
