import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { KINDS } from '../../src/core/kinds';
import { DEMO_IDS } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, Conversation, graphWrites, listActions, MEGAN, requestIdOf } from '../support/botHarness';

/**
 * The directory recycle bin, kind by kind, through the real entry point: list, show, and a
 * restore under four-eyes approval, plus what Entra refuses (a UPN taken, an app still deleted).
 */

describe('the directory recycle bin', function () {
  let bot: BotHarness;
  let chat: Conversation;

  before(async () => {
    bot = await BotHarness.start();
    chat = bot.conversation('channel', ALEX);
  });
  after(async () => bot.stop());

  async function askAndApprove(command: string): Promise<{ text: string; paths: string[] }> {
    const since = bot.simulator.requests.length;
    const asked = cardReply(await chat.say(command));
    await chat.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const paths = graphWrites(bot.simulator, since).filter((r) => r.method === 'POST').map((r) => r.path);
    return { text: cardText(bot.connector.updatesOf(asked.id).at(-1)), paths };
  }

  const cases = [
    { word: 'users', id: DEMO_IDS.deletedUser, name: /Diego Siciliani \(diegos@contoso\.onmicrosoft\.com\)/, details: [/Department: HR/, /Licences/, /1 licence/] },
    { word: 'groups', id: DEMO_IDS.deletedTeamGroup, name: /Project Falcon/, details: [/Type: Microsoft 365 group/, /Visibility: Private/, /It had a Team/] },
    { word: 'apps', id: DEMO_IDS.deletedApp, name: /Payroll Sync/, details: [new RegExp(`Application \\(client\\) id: ${DEMO_IDS.deletedAppId}`), /this organisation only/, /1 credential; the first expires/, /Service principal: Payroll Sync/] },
    { word: 'aus', id: DEMO_IDS.deletedAdministrativeUnit, name: /Seattle office/, details: [/Administrative unit/, /Membership: Assigned/] },
  ];

  for (const { word, id, name, details } of cases) {
    it(`lists, shows and restores ${word}`, async () => {
      const list = cardText(cardReply(await chat.say(`deleted ${word}`)).card);
      assert.match(list, name);
      assert.match(list, /days left/);
      const shown = cardText(cardReply(await chat.say(`show ${id}`)).card);
      for (const pattern of details) assert.match(shown, pattern);
      const { text, paths } = await askAndApprove(`restore ${word} ${id} back please`);
      assert.match(text, /Restored\. Approved by Megan Bowen/);
      assert.deepEqual(paths, [`/directory/deletedItems/${id}/restore`]);
    });
  }

  it('service principals restore after their app, and say when the app is still deleted', async () => {
    const app = await bot.simulator.tenant.findDeleted('apps', DEMO_IDS.deletedApp);
    assert.equal(app, undefined, 'the app was restored by the test above');
    const list = cardText(cardReply(await chat.say('deleted sps')).card);
    assert.match(list, /Payroll Sync/);
    const { text } = await askAndApprove(`restore sps ${DEMO_IDS.deletedServicePrincipal}`);
    assert.match(text, /Restored\./);
  });

  it('`show <id>` without a kind: one read of each policy recycle bin and one of the directory\'s, whatever the directory kind', async () => {
    const group = randomUUID();
    bot.simulator.tenant.addDeleted('groups', { id: group, displayName: 'Marketing Squad', mail: 'marketing-squad@contoso.onmicrosoft.com', groupTypes: ['Unified'], mailEnabled: true, securityEnabled: false });
    const unit = randomUUID();
    bot.simulator.tenant.addDeleted('aus', { id: unit, displayName: 'Oslo office' });
    for (const [id, name] of [[DEMO_IDS.deletedUserUpnConflict, /Lee Gu/], [group, /Marketing Squad/], [unit, /Oslo office/]] as const) {
      const since = bot.simulator.requests.length;
      assert.match(cardText(cardReply(await chat.say(`show ${id}`)).card), name);
      const calls = bot.simulator.requests.slice(since).filter((r) => !r.batch);
      const directoryReads = calls.filter((r) => r.path.startsWith('/directory/deletedItems'));
      assert.deepEqual(directoryReads.map((r) => `${r.method} ${r.path}`), [`GET /directory/deletedItems/${id}`], 'one directory read names the kind');
      assert.equal(calls.length, KINDS.filter((k) => k.family === 'policy').length + 1, calls.map((r) => `${r.method} ${r.path}`).join('\n'));
    }
  });

  it('a user whose UPN was taken since fails with Graph\'s reason, and the card suggests restoring it under a new one', async () => {
    const { text } = await askAndApprove(`restore users ${DEMO_IDS.deletedUserUpnConflict}`);
    assert.match(text, /The restore failed/);
    assert.match(text, /userPrincipalName already exists/);
    assert.match(text, new RegExp(`restore ${DEMO_IDS.deletedUserUpnConflict} as newname@yourdomain`));
  });

  it('`restore {userId} as {upn}`: a UPN outside the verified domains is Graph\'s refusal, said plainly; a verified one brings the user back under it', async () => {
    const malformed = await chat.say(`restore ${DEMO_IDS.deletedUserUpnConflict} as lee.gu2@contoso`);
    assert.match(JSON.stringify(malformed), /is not a user principal name/);

    const refused = await askAndApprove(`restore ${DEMO_IDS.deletedUserUpnConflict} as lee.gu2@fabrikam.com HR needs her back`);
    assert.match(refused.text, /The restore failed/);
    assert.match(refused.text, /The domain portion of the userPrincipalName property is invalid\. You must use one of the verified domain names/);
    assert.ok(bot.simulator.tenant.findDeleted('users', DEMO_IDS.deletedUserUpnConflict), 'still in the recycle bin');

    const since = bot.simulator.requests.length;
    const asked = cardReply(await chat.say(`restore ${DEMO_IDS.deletedUserUpnConflict} as lee.gu2@contoso.onmicrosoft.com HR needs her back`));
    assert.match(cardText(asked.card), /Comes back as[\s\S]*lee\.gu2@contoso\.onmicrosoft\.com/);
    await chat.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Restored\. Approved by Megan Bowen/);
    const restore = bot.simulator.requests.slice(since).find((r) => r.method === 'POST' && r.path.endsWith('/restore'));
    assert.deepEqual(restore?.body, { autoReconcileProxyConflict: true, newUserPrincipalName: 'lee.gu2@contoso.onmicrosoft.com' });
    assert.equal(bot.simulator.tenant.findLive('users', DEMO_IDS.deletedUserUpnConflict)?.userPrincipalName, 'lee.gu2@contoso.onmicrosoft.com');
  });

  it('the Restore form of a user has a field for a new UPN, checked before any request is made', async () => {
    const id = randomUUID();
    bot.simulator.tenant.addDeleted('users', { id, displayName: 'Nestor Wilke', userPrincipalName: 'nestorw@contoso.onmicrosoft.com' });
    const form = cardReply((await chat.invoke('item.restore', { kind: 'users', id })).replies).card;
    assert.ok(JSON.stringify(form).includes('"id":"newUserPrincipalName"'), 'the field is on the form');
    const bad = await chat.invoke('request.create', { kind: 'users', id, reason: 'x', newUserPrincipalName: 'nestor w@contoso.onmicrosoft.com' });
    assert.match(JSON.stringify(bad.response), /is not a user principal name/);
    const good = await chat.invoke('request.create', { kind: 'users', id, reason: 'x', newUserPrincipalName: ' nestor.w@contoso.onmicrosoft.com ' });
    assert.match(JSON.stringify(good.response), /"Comes back as","value":"nestor\.w@contoso\.onmicrosoft\.com/);
    const formCa = cardReply((await chat.invoke('item.restore', { kind: 'ca', id: DEMO_IDS.compliantDevicePolicy })).replies).card;
    assert.ok(!JSON.stringify(formCa).includes('newUserPrincipalName'), 'only users have the field');
  });

  it('`deleted all` keeps meaning the policy kinds; `deleted everything` adds the directory; groups say security groups are gone for good', async () => {
    const all = cardText(cardReply(await chat.say('deleted all')).card);
    assert.doesNotMatch(all, /Lee Gu/);
    const everything = cardReply(await chat.say('deleted everything')).card;
    assert.match(cardText(everything), /Everything in the recycle bins/);
    assert.ok(listActions(everything).some((a) => a.verb === 'items.restoreSelected'), 'Restore selected');
    const groups = cardText(cardReply(await chat.say('deleted groups')).card);
    assert.match(groups, /security group is gone for good/);
    const help = cardText(cardReply(await chat.say('help')).card);
    assert.match(help, /users, user/);
    assert.match(help, /everything/);
  });

  it('status lists each directory kind\'s permissions', async () => {
    const status = cardText(cardReply(await chat.say('status')).card);
    for (const permission of ['User.Read.All', 'User.DeleteRestore.All', 'Group.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'AdministrativeUnit.ReadWrite.All']) {
      assert.match(status, new RegExp(permission.replace(/\./g, '\\.')));
    }
  });
});
