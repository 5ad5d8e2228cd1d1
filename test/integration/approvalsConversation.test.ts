import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { ADELE, ALEX, BotHarness, cardReply, cardText, type Conversation, ISAIAH, listActions, MEGAN, PATTI, requestIdOf, type Card } from '../support/botHarness';

/**
 * The team's approvals conversation: requests made anywhere reach the approvers there, every
 * copy of a request card follows the request, and approvers get a notice in their personal chat.
 */

const textOf = (replies: { text?: string }[]) => replies.map((r) => r.text ?? '').join('\n');

describe('the approvals conversation', function () {
  let bot: BotHarness;
  let approvalsChannel: Conversation;

  beforeEach(async () => {
    bot = await BotHarness.start();
    approvalsChannel = bot.conversation('channel', MEGAN);
  });
  afterEach(async () => bot.stop());

  /** New cards posted to a conversation since `since` activities. */
  const cardsPostedTo = (conversationId: string, since = 0): { id: string; card: Card }[] =>
    bot.connector.activities
      .slice(since)
      .filter((a) => a.method === 'POST' && a.path.startsWith(`/v3/conversations/${conversationId}/activities`))
      .flatMap((a) => (a.body.attachments?.[0]?.content ? [{ id: a.id, card: a.body.attachments[0].content }] : []));

  it('`approvals here` is for approvers in a channel or group chat; `approvals` says where; `approvals off` clears it; all audited', async () => {
    assert.match(textOf(await approvalsChannel.as(ISAIAH).say('approvals here')), /You are not allowed to choose the approvals conversation: it needs the approver role/);
    assert.match(textOf(await approvalsChannel.as(PATTI).say('approvals')), /You are not allowed to run `approvals`/);
    assert.match(textOf(await bot.conversation('personal', MEGAN).say('approvals here')), /must be one that approvers share[\s\S]*not in a personal chat/);
    assert.match(textOf(await approvalsChannel.as(ISAIAH).say('approvals')), /No approvals conversation is set[\s\S]*`approvals here`/);
    assert.match(textOf(await approvalsChannel.say('approvals everywhere')), /Say `approvals here`, `approvals off`[\s\S]*Usage: `approvals \[here\|off\]`/);

    assert.match(textOf(await approvalsChannel.say('approvals here')), /This channel is now the approvals conversation/);
    assert.match(textOf(await approvalsChannel.as(ISAIAH).say('approvals')), /posted for approval in this channel, set by Megan Bowen/);
    assert.match(textOf(await bot.conversation('personal', ISAIAH).say('approvals')), /posted for approval in a channel of the team, set by Megan Bowen/);

    assert.match(textOf(await approvalsChannel.as(ISAIAH).say('approvals off')), /You are not allowed to clear the approvals conversation/);
    assert.match(textOf(await approvalsChannel.say('approvals off')), /The approvals conversation is cleared/);
    assert.match(textOf(await approvalsChannel.say('approvals')), /No approvals conversation is set/);

    const audit = cardText(cardReply(await approvalsChannel.say('audit 10')).card);
    assert.match(audit, /approvals\.conversation_set\n.*by Megan Bowen.*in a channel/);
    assert.match(audit, /approvals\.conversation_cleared\n.*by Megan Bowen.*in a channel/);
    assert.match(audit, /access\.denied\n.*by Isaiah Langer.*tried to choose the approvals conversation/);
  });

  it('a request from a personal chat is posted in the approvals channel; approving there updates both copies and tells the requester in their chat', async () => {
    await approvalsChannel.say('approvals here');
    const personal = bot.conversation('personal', ALEX);
    const before = bot.connector.activities.length;
    const tracking = cardReply(await personal.say(`restore nl ${DEMO_IDS.deletedIpLocation} for the VPN policy`));
    const requestId = requestIdOf(tracking.card);
    const [approval, ...others] = cardsPostedTo(approvalsChannel.id, before);
    assert.equal(others.length, 0, 'one approval card in the approvals channel');
    assert.equal(requestIdOf(approval.card), requestId);
    assert.match(cardText(approval.card), /Waiting for approval \(0 of 1\)[\s\S]*Why: for the VPN policy/);
    assert.ok(approval.card.refresh, 'the approval card asks Teams for per-user views');

    const view = await approvalsChannel.invoke('request.refresh', { requestId }, approval.id);
    assert.deepEqual(listActions(view.response.value).filter((a) => a.verb !== 'request.refresh').map((a) => a.title), ['Approve', 'Reject', 'Reject restore']);

    await approvalsChannel.invoke('request.approve', { requestId }, approval.id);
    await bot.idle();
    assert.match(cardText(bot.connector.updatesOf(approval.id).at(-1)), /Restored\. Approved by Megan Bowen/);
    assert.match(cardText(bot.connector.updatesOf(tracking.id).at(-1)), /Restored\. Approved by Megan Bowen/);
    const told = bot.connector.postsTo(personal.id).map((a) => String(a.body.text));
    assert.ok(told.some((text) => /<at>Alex Wilber<\/at> your restore request R-\w+ restored Legacy VPN egress/.test(text)), 'the requester is told in their chat');
  });

  it('a partner change asked in a group chat is posted in the approvals channel too', async () => {
    await approvalsChannel.say('approvals here');
    const before = bot.connector.activities.length;
    const asked = cardReply(await bot.conversation('groupChat', ALEX).say(`partner set ${DEMO_IDS.partnerRecreatedLive} user-sync on because new contract`));
    const [approval] = cardsPostedTo(approvalsChannel.id, before);
    assert.equal(requestIdOf(approval.card), requestIdOf(asked.card));
    assert.match(cardText(approval.card), /Partner change request/);
  });

  it('a cancelled request updates the approval card in the approvals channel too', async () => {
    await approvalsChannel.say('approvals here');
    const personal = bot.conversation('personal', ALEX);
    const before = bot.connector.activities.length;
    const requestId = requestIdOf(cardReply(await personal.say(`restore nl ${DEMO_IDS.deletedIpLocation}`)).card);
    const [approval] = cardsPostedTo(approvalsChannel.id, before);
    await personal.say(`cancel ${requestId}`);
    assert.match(cardText(bot.connector.updatesOf(approval.id).at(-1)), /Cancelled by Alex Wilber/);
  });

  it('with no approvals conversation, a requester in a personal chat is told that no approver sees the request and how to set one up', async () => {
    const replies = await bot.conversation('personal', ALEX).say(`restore nl ${DEMO_IDS.deletedIpLocation}`);
    requestIdOf(cardReply(replies).card);
    assert.match(textOf(replies), /No approver can see this request yet[\s\S]*`approvals here` in the team's channel/);
    const inChannel = await bot.conversation('channel', ALEX).say(`restore ${DEMO_IDS.compliantDevicePolicy}`);
    assert.doesNotMatch(textOf(inChannel), /No approver can see/, 'a channel\'s members see the request where it was asked');
  });

  it('approvers the bot can reach in a personal chat get a notice with Open, unless the request was made in the approvals conversation', async () => {
    const megansChat = bot.conversation('personal', MEGAN);
    await megansChat.say('pending');
    await approvalsChannel.say('approvals here');

    const since = bot.connector.activities.length;
    const requestId = requestIdOf(cardReply(await bot.conversation('personal', ALEX).say(`restore nl ${DEMO_IDS.deletedIpLocation}`)).card);
    const [notice, ...more] = cardsPostedTo(megansChat.id, since);
    assert.equal(more.length, 0);
    assert.match(cardText(notice.card), new RegExp(`Alex Wilber asks to restore Named location "Legacy VPN egress[^"]*" \\(${requestId}\\)`));
    const opened = await megansChat.click(notice.card, 'Open', {}, notice.id);
    assert.match(cardText(opened.response.value), /Waiting for approval \(0 of 1\)/);
    assert.ok(listActions(opened.response.value).some((a) => a.title === 'Approve'), 'Megan may approve from her chat');

    const sinceInChannel = bot.connector.activities.length;
    await approvalsChannel.as(ALEX).say(`restore ${DEMO_IDS.compliantDevicePolicy}`);
    assert.equal(cardsPostedTo(megansChat.id, sinceInChannel).length, 0, 'no notice for a request asked in the approvals channel itself');
  });

  it('an approver who installed the bot in a personal chat gets the notice there', async () => {
    const adelesChat = bot.conversation('personal', ADELE);
    await adelesChat.installationUpdate('add');
    const since = bot.connector.activities.length;
    const requestId = requestIdOf(cardReply(await bot.conversation('channel', ALEX).say(`restore nl ${DEMO_IDS.deletedIpLocation}`)).card);
    const notices = cardsPostedTo(adelesChat.id, since);
    assert.equal(notices.length, 1);
    assert.match(cardText(notices[0].card), new RegExp(`\\(${requestId}\\)`));
  });

  it('the Teams ids of approvers for per-user views are stored and survive a restart', async () => {
    const channel = bot.conversation('channel', ALEX);
    const first = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    await channel.as(MEGAN).invoke('request.refresh', { requestId: requestIdOf(first.card) });
    await bot.restart();
    const second = cardReply(await channel.say(`restore ${DEMO_IDS.compliantDevicePolicy}`));
    assert.ok(second.card.refresh.userIds.includes(MEGAN.id), 'Megan, seen before the restart, gets her view refreshed');
    assert.ok(second.card.refresh.userIds.includes(ALEX.id), 'the requester too');
  });

  it('a request opened from an old `pending` list shows the request as it is now', async () => {
    const channel = bot.conversation('channel', ALEX);
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    const pending = cardReply(await channel.as(ISAIAH).say('pending'));
    await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    await bot.idle();
    const opened = await channel.as(ISAIAH).click(pending.card, 'Open', {}, pending.id);
    assert.match(cardText(opened.response.value), /Restored\. Approved by Megan Bowen/);
  });

  it('a copy opened while the request runs keeps a refresh action, so it shows the outcome when viewed', async () => {
    const channel = bot.conversation('channel', ALEX);
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    const approved = await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    assert.match(cardText(approved.response.value), /Restoring…/);
    assert.equal(approved.response.value.refresh?.action?.verb, 'request.refresh');
    await bot.idle();
    assert.equal(bot.connector.updatesOf(asked.id).at(-1)?.refresh, undefined, 'a finished request\'s card asks for no more refreshes');
  });
});

describe('an expired request', () => {
  it('has every copy of its card updated by the sweep, once', async () => {
    let now = Date.now();
    const bot = await BotHarness.start({ now: () => new Date(now) });
    try {
      const approvalsChannel = bot.conversation('channel', MEGAN);
      await approvalsChannel.say('approvals here');
      const before = bot.connector.activities.length;
      const tracking = cardReply(await bot.conversation('personal', ALEX).say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
      const approval = bot.connector.postsTo(approvalsChannel.id).slice(-1)[0];
      assert.ok(bot.connector.activities.indexOf(approval) >= before);
      now += 25 * 3_600_000;
      await bot.product.runner.sweep();
      for (const id of [tracking.id, approval.id]) assert.match(cardText(bot.connector.updatesOf(id).at(-1)), /Expired before anyone approved it/);
      const updates = bot.connector.activities.filter((a) => a.method === 'PUT').length;
      await bot.product.runner.sweep();
      assert.equal(bot.connector.activities.filter((a) => a.method === 'PUT').length, updates, 'a later sweep updates nothing again');
    } finally {
      await bot.stop();
    }
  });
});
