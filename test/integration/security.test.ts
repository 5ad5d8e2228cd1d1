import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { normaliseText, parseCommand } from '../../src/core/commands';
import { InvalidKeyError } from '../../src/core/model';
import { DEMO_IDS } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, Conversation, graphWrites, MEGAN, PATTI, requestIdOf } from '../support/botHarness';

/**
 * The fail-closed promises, one finding of the security review each: what is served, who may
 * read, which ids reach Graph, what input may cost, and what a record trusts.
 */

/**
 * Parses each text in a worker thread; false when the watchdog had to stop it. The watchdog
 * starts once the worker has loaded the parser (loading TypeScript is slow on a loaded
 * machine) and is generous: a quadratic pattern needs minutes for these inputs, a linear one
 * milliseconds, so it is a timeout, not a timing target.
 */
function parsesBeforeWatchdog(texts: string[]): Promise<boolean> {
  const source = `require('tsx/cjs'); const { parentPort, workerData } = require('node:worker_threads');
    const { parseCommand } = require(${JSON.stringify(join(__dirname, '../../src/core/commands.ts'))});
    parentPort.postMessage('loaded');
    for (const text of workerData) parseCommand(text);
    parentPort.postMessage('done');`;
  const worker = new Worker(source, { eval: true, workerData: texts });
  return new Promise((resolve, reject) => {
    let watchdog: NodeJS.Timeout | undefined;
    worker.on('message', (message: string) => {
      if (message === 'loaded') {
        watchdog = setTimeout(() => void worker.terminate().then(() => resolve(false)), 30_000);
        return;
      }
      clearTimeout(watchdog);
      void worker.terminate().then(() => resolve(true));
    });
    worker.once('error', reject);
  });
}

describe('fail closed', function () {
  let bot: BotHarness;
  let channel: Conversation;
  beforeEach(async () => {
    bot = await BotHarness.start();
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  /** Graph requests since `since` that are not the directory lookups every turn may make (names, roles). */
  const businessCalls = (since: number) => bot.simulator.requests.slice(since).filter((r) => !r.path.startsWith('/users/'));
  const writes = (since: number) => graphWrites(bot.simulator, since);

  /** A message as Teams would send it from this conversation, then changed by `tamper`. */
  function tampered(conversation: Conversation, text: string, tamper: (activity: any) => void): Record<string, unknown> {
    const activity = conversation.message(text);
    tamper(activity);
    return activity;
  }

  describe('only Teams activities of the configured tenant are served', () => {
    const cases: [string, (activity: any) => void][] = [
      ['no tenant id anywhere', (a) => { delete a.conversation.tenantId; delete a.channelData; }],
      ['an empty tenant id', (a) => { a.conversation.tenantId = ''; a.channelData.tenant.id = ''; }],
      ['two tenants that disagree', (a) => { a.channelData.tenant.id = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'; }],
      ['a channel other than msteams', (a) => { a.channelId = 'webchat'; }],
    ];
    for (const [what, tamper] of cases) {
      it(`refuses ${what}: no Graph call, no request, logged and audited`, async () => {
        const chat = bot.conversation('personal', ALEX);
        const since = bot.simulator.requests.length;
        const { status, replies } = await chat.post(tampered(chat, `restore ${DEMO_IDS.deletedIpLocation} please`, tamper));
        assert.equal(status, 200);
        assert.match(replies[0]?.text ?? '', /only serves the administrators of the tenant it is configured for/);
        assert.deepEqual(bot.simulator.requests.slice(since), [], 'not even a role check');
        assert.ok(bot.logs.entries.some((e) => e.event === 'activity.refused'));
        assert.deepEqual(await bot.product.store.list('requests/'), [], 'no request was stored');
        const audit = await bot.product.store.readAudit({ limit: 5 });
        assert.ok(audit.some((e) => e.action === 'activity.refused' && e.claimedUserId === ALEX.aadObjectId));
      });
    }

    it('an approval click from an activity without a tenant does not execute', async () => {
      const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedIpLocation}`));
      const requestId = requestIdOf(asked.card);
      const megan = channel.as(MEGAN);
      megan.tenantId = '';
      const since = bot.simulator.requests.length;
      const clicked = await megan.invoke('request.approve', { requestId }, asked.id);
      assert.match(clicked.response.value, /only serves the administrators/);
      await bot.idle();
      assert.deepEqual(writes(since), []);
      assert.equal((await bot.product.store.get<{ state: string }>(`requests/${requestId}`))?.value.state, 'pending');
    });
  });

  describe('every read needs the operator role', () => {
    const reads = ['deleted', `show ${DEMO_IDS.deletedIpLocation}`, 'status', 'partners', `partner show ${DEMO_IDS.deletedIpLocation}`, 'alerts', 'pending', 'audit'];
    it('refuses each command to a tenant user without a role, before any tenant data is read', async () => {
      const patti = bot.conversation('personal', PATTI);
      for (const command of reads) {
        const since = bot.simulator.requests.length;
        const replies = await patti.say(command);
        assert.equal(replies.length, 1, command);
        assert.match(replies[0].text ?? '', /You are not allowed to run `\w+`: it needs the operator role/, command);
        assert.equal(replies[0].card, undefined, `${command}: no card`);
        assert.deepEqual(businessCalls(since), [], `${command}: no Graph call beyond the role check`);
      }
      assert.match(cardText((await patti.say('help'))[0].card), /What I can do/, 'help stays open');
    });

    it('refuses every card action to them too, including another conversation\'s request card', async () => {
      const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedIpLocation} secret reason`));
      const requestId = requestIdOf(asked.card);
      const patti = bot.conversation('personal', PATTI);
      const since = bot.simulator.requests.length;
      const clicks: [string, Record<string, unknown>][] = [
        ['item.show', { kind: 'locations', id: DEMO_IDS.deletedIpLocation }],
        ['list.page', { kind: 'all', page: 1 }],
        ['item.restore', { kind: 'locations', id: DEMO_IDS.deletedIpLocation }],
        ['request.refresh', { requestId }],
        ['partners.page', { page: 0 }],
      ];
      for (const [verb, data] of clicks) {
        const { response, replies } = await patti.invoke(verb, data);
        assert.match(String(response.value), /not allowed .* needs the operator role/, verb);
        assert.doesNotMatch(JSON.stringify(response), /secret reason|Legacy VPN/, `${verb} leaks nothing`);
        assert.deepEqual(replies, [], verb);
      }
      assert.deepEqual(businessCalls(since), []);
    });

    it('audits every refusal with who, what and where, and `audit` shows it', async () => {
      await bot.conversation('groupChat', PATTI).say('deleted');
      const audit = cardText(cardReply(await channel.say('audit 3')).card);
      assert.match(audit, /access\.denied/);
      assert.match(audit, /by Patti Fernandez · tried to run `deleted` · refused:|by Patti Fernandez · tried to run `deleted` · in a group chat/);
      assert.match(audit, /in a group chat/);
    });
  });

  describe('ids from card data are checked before they reach a Graph path', () => {
    for (const id of ['.', '..', '', ' ', '../deletedItems', '%2e%2e', `{${DEMO_IDS.deletedIpLocation}}`]) {
      it(`"${id}" is an out-of-date button, with no Graph call and no request`, async () => {
        const since = bot.simulator.requests.length;
        for (const verb of ['item.show', 'item.restore', 'request.create']) {
          const { response } = await channel.invoke(verb, { kind: 'ca', id, reason: 'x' });
          assert.match(String(response.value), /out of date/, verb);
        }
        assert.deepEqual(businessCalls(since), []);
        assert.deepEqual(await bot.product.store.list('requests/'), []);
        assert.ok(bot.logs.entries.some((e) => e.event === 'invoke.stale_data'));
      });
    }

    it('the Graph gateway refuses a bad id itself, before any request', async () => {
      const since = bot.simulator.requests.length;
      await assert.rejects(bot.product.gateway.restore({ kind: 'ca', id: '..' }), InvalidKeyError);
      await assert.rejects(bot.product.gateway.getPartner('../../me'), InvalidKeyError);
      assert.equal(bot.simulator.requests.length, since);
    });
  });

  describe('no input costs more than a moment of CPU', () => {
    it('parses a megabyte of angle brackets and a huge unknown word without stalling', async function () {
      this.timeout(90_000); // the worker loads TypeScript, then gets 30 s
      // Synchronous work cannot be interrupted in-process: a worker can.
      assert.equal(await parsesBeforeWatchdog(['<'.repeat(1_000_000), `x${'a'.repeat(1_000_000)}`, `<at>${'<'.repeat(500_000)}`]), true);
      assert.deepEqual(parseCommand('<'.repeat(1_000_000)), { ok: false, problem: 'unknown', word: '<'.repeat(4096), suggestion: undefined });
      assert.ok(normaliseText(`help ${'<at>'.repeat(250_000)}`).length <= 4096);
    });

    it('answers another user\'s help while such messages arrive', async () => {
      const flood = bot.conversation('personal', PATTI);
      const floods = [flood.say('<'.repeat(500_000)), flood.say(`deleted ${'<a'.repeat(200_000)}`)];
      const help = await bot.conversation('personal', MEGAN).say('help');
      assert.match(cardText(help[0].card), /What I can do/);
      const answers = await Promise.all(floods);
      for (const replies of answers) assert.ok(replies.every((r) => (r.text ?? '').length < 400), 'replies do not echo the flood');
    });
  });

  describe('free text is capped and shown as plain text', () => {
    it('a huge reject reason is stored and audited at 500 characters; links are not links', async () => {
      const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedIpLocation} see [the runbook](https://evil.example/x)`));
      assert.doesNotMatch(cardText(asked.card), /\]\(https/, 'the reason is not a markdown link');
      const requestId = requestIdOf(asked.card);
      const rejected = await channel.as(MEGAN).invoke('request.reject', { requestId, rejectReason: `no ${'x'.repeat(600_000)}` }, asked.id);
      assert.match(cardText(rejected.response.value), /Rejected by Megan Bowen/);
      const stored = (await bot.product.store.get<{ rejection: { reason: string } }>(`requests/${requestId}`))!.value;
      assert.equal(stored.rejection.reason.length, 500);
      const entry = (await bot.product.store.readAudit({ limit: 5 })).find((e) => e.action === 'request.rejected');
      assert.equal(String(entry?.reason).length, 500);
    });
  });

  describe('records name people from the directory', () => {
    it('an approver claiming another person\'s name is recorded under their own', async () => {
      const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedIpLocation}`));
      const requestId = requestIdOf(asked.card);
      const impostor = new Conversation(bot, 'channel', { ...MEGAN, name: 'Satya Nadella' }, channel.id);
      const approved = await impostor.invoke('request.approve', { requestId }, asked.id);
      assert.match(cardText(approved.response.value), /Approved by Megan Bowen/);
      await bot.idle();
      const entry = (await bot.product.store.readAudit({ limit: 10 })).find((e) => e.action === 'request.approved');
      assert.deepEqual(entry?.actor, { aadObjectId: MEGAN.aadObjectId, name: 'Megan Bowen', nameSource: 'directory', teamsId: MEGAN.id });
      assert.doesNotMatch(JSON.stringify(await bot.product.store.readAudit({ limit: 10 })), /Satya/);
    });
  });
});

describe('fail closed: without User.ReadBasic.All', () => {
  it('a name the directory cannot confirm is marked as sent by Teams', async () => {
    const bot = await BotHarness.start({
      simulator: { grantedRoles: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'GroupMember.Read.All'] },
    });
    try {
      const asked = cardReply(await bot.conversation('channel', ALEX).say(`restore ${DEMO_IDS.deletedIpLocation}`));
      assert.match(cardText(asked.card), /Requested by: Alex Wilber \(name sent by Teams, unverified\)/);
    } finally {
      await bot.stop();
    }
  });
});
