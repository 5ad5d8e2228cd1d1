import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, graphWrites, requestIdOf, listActions, MEGAN, type Card, type Conversation, type Reply } from '../support/botHarness';

/** Cross-tenant partner configurations: view, and change through the approval flow. */

const LITWARE = DEMO_IDS.partnerRecreatedLive; // live, default-ish settings, no sync policy
const TAILSPIN = DEMO_IDS.livePartnerWithSync; // live, with an identity-sync policy
const NEW_PARTNER = '0e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a21';
const PARTNERS = '/policies/crossTenantAccessPolicy/partners';


const text = (replies: Reply[]) => replies.map((r) => r.text ?? cardText(r.card)).join('\n');

describe('cross-tenant partners', () => {
  let bot: BotHarness;
  let channel: Conversation;

  beforeEach(async () => {
    bot = await BotHarness.start();
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  /** Alex asks, Megan approves; returns the card and the Graph writes the change made. */
  async function approveChange(command: string) {
    const asked = cardReply(await channel.say(command));
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const writes = graphWrites(bot.simulator, since);
    return { asked: cardText(asked.card), final: cardText(bot.connector.updatesOf(asked.id).at(-1)), writes };
  }

  it('lists live partners with Details and Edit, and shows one in words', async () => {
    const list = cardReply(await channel.say('partners'));
    assert.match(cardText(list.card), /Cross-tenant partner configurations/);
    assert.ok(cardText(list.card).includes('Tailspin Toys'), 'partners by organisation name');
    assert.ok(!cardText(list.card).includes(TAILSPIN), 'the tenant id is left to the details');
    assert.ok(listActions(list.card).some((a) => a.title === 'Edit' && a.data?.tenantId === TAILSPIN));
    const shown = cardText(cardReply(await channel.say(`partner show ${TAILSPIN}`)).card);
    assert.match(shown, /Partner Tailspin Toys/);
    assert.ok(shown.includes(TAILSPIN), 'the details show the tenant id');
    assert.match(shown, /Identity sync/, 'identity sync included');
  });

  it('a pending partner edit whose partner a later request removed is refused at approval, saying why', async () => {
    const edit = cardReply(await channel.say(`partner set ${LITWARE} compliant-device on because new contract`));
    const removal = await approveChange(`partner remove ${LITWARE} because contract ended`);
    assert.match(removal.final, /Done\./);
    const since = bot.simulator.requests.length;
    const approved = await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(edit.card) }, edit.id);
    assert.match(JSON.stringify(approved.response), /Not approved: the partner configuration for b8d0f2a4-[0-9a-f-]+ no longer exists \(it was removed after this change was asked for\)/);
    await bot.idle();
    assert.deepEqual(graphWrites(bot.simulator, since), [], 'nothing was written');
    assert.match(cardText(cardReply(await channel.say('pending')).card), new RegExp(requestIdOf(edit.card)), 'still pending, for a reject');
  });

  it('inbound trust in one command: the diff, the approval, and exactly the PATCH Graph expects', async () => {
    const { asked, final, writes } = await approveChange(`partner set ${LITWARE} mfa on compliant-device on hybrid-joined on because new contract`);
    assert.match(asked, /Inbound trust: compliant devices: off → on/);
    assert.match(asked, /Why: new contract/);
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), [`PATCH ${PARTNERS}/${LITWARE}`]);
    assert.deepEqual(writes[0].body, { inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: true, isHybridAzureADJoinedDeviceAccepted: true } });
    assert.match(final, /Done\. Approved by Megan Bowen/);
    assert.match(final, /Update partner .*\nDone · request-id [0-9a-f-]{36}/);
    const notice = bot.connector.activities.map((a) => String(a.body.text)).find((text) => text.includes('<at>Alex Wilber</at>'));
    assert.match(notice ?? '', new RegExp(`your partner change request R-\\w+ changed the partner settings of Litware \\(${LITWARE}\\)\\.`));
  });

  it('automatic user consent in one command', async () => {
    const { writes } = await approveChange(`partner set ${LITWARE} auto-consent-inbound on auto-consent-outbound on`);
    assert.deepEqual(writes[0].body, { automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: true } });
  });

  it('tenant restrictions in one command, with AllUsers and Office365 targets', async () => {
    const { writes } = await approveChange(`partner set ${LITWARE} tenant-restrictions allow`);
    assert.deepEqual(writes[0].body, {
      tenantRestrictions: {
        usersAndGroups: { accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] },
        applications: { accessType: 'allowed', targets: [{ target: 'Office365', targetType: 'application' }] },
        devices: null,
      },
    });
  });

  it('user sync is a PUT of the identity-sync policy', async () => {
    const { asked, writes } = await approveChange(`partner set ${LITWARE} user-sync on`);
    assert.match(asked, /Identity sync: users from the partner: off \(no sync policy\) → on/);
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), [`PUT ${PARTNERS}/${LITWARE}/identitySynchronization`]);
    assert.deepEqual(writes[0].body, { displayName: LITWARE, userSyncInbound: { isSyncAllowed: true } });
  });

  it('add creates the configuration (201), marked as a service provider', async () => {
    const { asked, writes, final } = await approveChange(`partner add ${NEW_PARTNER} service-provider`);
    assert.match(asked, /created, marked as a service provider/);
    assert.deepEqual(writes.map((w) => [w.method, w.path, w.status]), [['POST', PARTNERS, 201]]);
    assert.deepEqual(writes[0].body, { tenantId: NEW_PARTNER, isServiceProvider: true });
    assert.match(final, /Done\./);
  });

  it('remove deletes the sync policy first, and the partner can then be restored from the recycle bin', async () => {
    const { asked, writes } = await approveChange(`partner remove ${TAILSPIN}`);
    assert.match(asked, /Identity sync policy: exists → deleted first \(Graph requires it\)/);
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), [`DELETE ${PARTNERS}/${TAILSPIN}/identitySynchronization`, `DELETE ${PARTNERS}/${TAILSPIN}`]);
    assert.ok(cardText(cardReply(await channel.say('deleted xtap')).card).includes('Tailspin Toys'));
    const restore = cardReply(await channel.say(`restore xtap ${TAILSPIN}`));
    await channel.as(MEGAN).invoke('request.approve', { requestId: /Restore request (R-\w+)/.exec(cardText(restore.card))![1] }, restore.id);
    await bot.idle();
    assert.ok(bot.simulator.tenant.live('partners').some((p) => p.tenantId === TAILSPIN));
  });

  it('does not overwrite a change made after the request', async () => {
    const asked = cardReply(await channel.say(`partner set ${LITWARE} compliant-device on`));
    bot.simulator.tenant.update('partners', LITWARE, { inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: true, isHybridAzureADJoinedDeviceAccepted: false } });
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    assert.deepEqual(bot.simulator.requests.slice(since).filter((r) => r.method === 'PATCH'), []);
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Changed since requested, so nothing was overwritten: Inbound trust: compliant devices is now "on"/);
  });

  it('the approval card shows every value the PATCH carries, the unchanged ones as "stays"', async () => {
    const asked = cardText(cardReply(await channel.say(`partner set ${LITWARE} compliant-device on`)).card);
    assert.match(asked, /Inbound trust: compliant devices: off → on/);
    assert.match(asked, /Inbound trust: MFA from the partner: stays on/);
    assert.match(asked, /Inbound trust: hybrid joined devices: stays off/);
  });

  it('does not write when a value the PATCH carries unchanged was changed after the request', async () => {
    const asked = cardReply(await channel.say(`partner set ${LITWARE} compliant-device on`));
    // Someone turns MFA trust off meanwhile; the approved PATCH would carry it back on.
    bot.simulator.tenant.update('partners', LITWARE, { inboundTrust: { isMfaAccepted: false, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false } });
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    assert.deepEqual(bot.simulator.requests.slice(since).filter((r) => r.method === 'PATCH' || r.method === 'PUT'), []);
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Changed since requested, so nothing was overwritten: Inbound trust: MFA from the partner is now "off" \(it was "on" when requested\)/);
    const notice = bot.connector.activities.map((a) => String(a.body.text)).find((text) => text.includes('<at>Alex Wilber</at>'));
    assert.match(notice ?? '', /failed: Changed since requested/);
  });

  it('the edit form is pre-filled, and submitting it asks for only what changed', async () => {
    const form = cardReply(await channel.say(`partner edit ${LITWARE}`));
    const mfa = listInputs(form.card).find((i) => i.id === 'mfa');
    assert.equal(mfa?.value, 'on');
    const submitted = await channel.click(form.card, 'Ask for approval', { mfa: 'on', 'compliant-device': 'on', 'b2b-inbound.users': 'block', reason: 'tightening' }, form.id);
    const approval = cardText(submitted.response.value);
    assert.match(approval, /Inbound trust: compliant devices: off → on/);
    assert.match(approval, /B2B collaboration, inbound: users: allow all users → users: block all users/);
    assert.doesNotMatch(approval, /MFA from the partner: .*→/, 'the unchanged MFA trust is not asked for');
  });

  it('rejects bad input before any request exists, with did-you-mean help', async () => {
    const before = (await bot.product.store.list('requests/')).length;
    const cases: [string, RegExp][] = [
      [`partner set ${LITWARE} mfaa on`, /"mfaa" is not a partner setting\. Did you mean `mfa`\?/],
      [`partner set ${LITWARE} mfa maybe`, /mfa takes on or off/],
      [`partner set ${LITWARE} b2b-inbound permit`, /b2b-inbound takes allow or block/],
      [`partner set ${LITWARE} mfa on`, /Nothing would change/],
      ['partner set not-a-tenant mfa on', /"not-a-tenant" is not an object id/],
      [`partner add ${LITWARE}`, /already has a partner configuration/],
      [`partner set ${NEW_PARTNER} mfa on`, /has no partner configuration\. Use `partner add/],
      [`partner remove ${NEW_PARTNER}`, /has no partner configuration to remove/],
      [`partner add ${bot.simulator.tenantId}`, /is this tenant itself/],
      [`partner frobnicate ${LITWARE}`, /Say `partner show`, `edit`, `add`, `set` or `remove`/],
    ];
    for (const [command, expected] of cases) assert.match(text(await channel.say(command)), expected, command);
    assert.equal((await bot.product.store.list('requests/')).length, before);
  });

  it('audits the request, the approval and the result', async () => {
    await approveChange(`partner set ${LITWARE} auto-consent-inbound on`);
    const audit = cardText(cardReply(await channel.say('audit 5')).card);
    for (const action of ['request.created', 'request.approved', 'request.executing', 'request.succeeded']) assert.match(audit, new RegExp(action.replace('.', '\\.')));
  });
});

function listInputs(card: Card): { id: string; value?: string }[] {
  const found: { id: string; value?: string }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (typeof obj.type === 'string' && obj.type.startsWith('Input.') && typeof obj.id === 'string') found.push({ id: obj.id, value: obj.value as string | undefined });
    Object.values(obj).forEach(walk);
  };
  walk(card);
  return found;
}
