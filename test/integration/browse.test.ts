import assert from 'node:assert/strict';
import { KINDS } from '../../src/core/kinds';
import { cardBytes, MAX_CARD_BYTES } from '../../src/bot/cards';
import { DEMO_IDS, DEMO_TENANT_ID } from '../../src/simulator';
import { BotHarness, cardText, listActions, type Card, type Conversation } from '../support/botHarness';

/** Conversations with the bot through its real HTTP entry point, against the seeded demo tenant. */

const UNKNOWN_ID = '0f0f0f0f-1111-4222-8333-444455556666';

function onlyCard(replies: { card?: Card; text?: string }[]): Card {
  assert.equal(replies.length, 1, `expected one reply, got ${JSON.stringify(replies.map((r) => r.text ?? 'card'))}`);
  assert.ok(replies[0].card, `expected a card, got text: ${replies[0].text}`);
  return replies[0].card;
}

function onlyText(replies: { card?: Card; text?: string }[]): string {
  assert.equal(replies.length, 1);
  assert.ok(replies[0].text, 'expected a text reply');
  return replies[0].text;
}

function rowNames(card: Card): string[] {
  const container = (card.body as Card[]).filter((element) => element.type === 'Container' && element.items?.[0]?.type === 'ColumnSet');
  return container.map((row) => row.items[0].columns[0].items[0].text);
}

describe('browsing the recycle bin in Teams', function () {
  let bot: BotHarness;
  let chat: Conversation;

  before(async () => {
    bot = await BotHarness.start();
  });
  after(async () => bot.stop());
  beforeEach(() => {
    chat = bot.conversation('personal');
  });

  it('help lists every command with an example', async () => {
    const text = cardText(onlyCard(await chat.say('help')));
    for (const usage of ['deleted [', 'show [', 'status']) assert.ok(text.includes(usage), `help mentions ${usage}`);
    assert.match(text, /Example: deleted ca block/);
    assert.match(text, /ca, policies, policy: Conditional Access policies/);
    assert.match(text, /Demo mode: this tenant is simulated/);
  });

  it('help writes placeholders so every renderer shows them, and its demo examples name items the demo tenant holds', async () => {
    const text = cardText(onlyCard(await chat.say('help')));
    assert.doesNotMatch(text, /<[a-z ]+>/, 'no <placeholder> for a renderer to swallow');
    assert.match(text, new RegExp(`show \\[${KINDS.map((k) => k.aliases[0]).join('\\|')}\\] \\{id\\}`));
    assert.match(text, /cancel \{request id\}/);
    assert.match(text, /partner show\|edit\|add\|set\|remove \{tenant id\} \[settings\] \[because \{reason\}\]/);
    assert.match(text, new RegExp(`Example: show ${DEMO_IDS.caPolicyWithDeletedLocation}`));
    assert.match(text, new RegExp(`Example: partner set ${DEMO_IDS.livePartnerWithSync} mfa off`));
    // The examples work as typed.
    assert.match(cardText(onlyCard(await chat.say(`show ${DEMO_IDS.caPolicyWithDeletedLocation}`))), /CA004/);
  });

  it('help in tenant mode shows placeholders, never demo ids as if they existed', async () => {
    const tenantBot = await BotHarness.start({ configure: (config) => ({ ...config, mode: 'tenant', allowedTenantId: DEMO_TENANT_ID }) });
    try {
      const text = cardText(onlyCard(await tenantBot.conversation('personal').say('help')));
      assert.match(text, /Example: show \{id\}/);
      assert.match(text, /Example: partner set \{tenant id\} mfa off/);
      for (const id of Object.values(DEMO_IDS)) assert.ok(!text.includes(id), `tenant-mode help names demo id ${id}`);
    } finally {
      await tenantBot.stop();
    }
  });

  it('days left are red only when the purge is three days away or less, never in hard-to-read yellow', async () => {
    const card = onlyCard(await chat.say('deleted ca'));
    const colours = new Map<string, string>();
    const walk = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      const block = node as { type?: string; text?: string; color?: string };
      if (block.type === 'TextBlock' && /days? left|last day/.test(block.text ?? '')) colours.set(block.text!, block.color ?? 'Default');
      Object.values(node).forEach(walk);
    };
    walk(card);
    assert.ok(colours.size > 1);
    for (const [text, colour] of colours) {
      const days = Number(/(\d+) days? left/.exec(text)?.[1] ?? 0);
      assert.equal(colour, days <= 3 ? 'Attention' : 'Default', text);
    }
    assert.ok([...colours.values()].includes('Attention'), 'the policy two days from its purge is red');
  });

  it('answers an @mention in a channel and in a group chat', async () => {
    for (const type of ['channel', 'groupChat'] as const) {
      const card = onlyCard(await bot.conversation(type).say('deleted ca'));
      assert.match(cardText(card), /Deleted Conditional Access policies/);
    }
  });

  it('deleted lists every kind, newest deletion first, ten to a page, with Details and Restore on each row', async () => {
    const card = onlyCard(await chat.say('deleted'));
    const text = cardText(card);
    assert.match(text, /Deleted policies and partners/);
    assert.equal(rowNames(card).length, 10);
    assert.match(text, /showing 1–10 of \d+/);
    assert.match(text, /\d+ days left/);
    const titles = listActions(card).map((a) => a.title);
    assert.equal(titles.filter((t) => t === 'Details').length, 10);
    assert.equal(titles.filter((t) => t === 'Restore').length, 10);
    assert.ok(titles.includes('Next ▶') && !titles.includes('◀ Previous'));
    const dates = [...text.matchAll(/deleted (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/g)].map((m) => m[1]);
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest deletion first');
    assert.ok(cardBytes(card as never) < MAX_CARD_BYTES);
  });

  for (const [word, label] of [['ca', 'Conditional Access policy'], ['nl', 'Named location'], ['xtap', 'Cross-tenant partner'], ['sync', 'Identity-sync policy']]) {
    it(`deleted ${word} lists only ${label} items`, async () => {
      const card = onlyCard(await chat.say(`deleted ${word}`));
      const kinds = [...cardText(card).matchAll(/^(.+) · deleted /gm)].map((m) => m[1]);
      assert.ok(kinds.length > 0, 'at least one row');
      assert.deepEqual([...new Set(kinds)], [label]);
    });
  }

  it('pages with Next and Previous', async () => {
    const first = onlyCard(await chat.say('deleted'));
    const next = await chat.click(first, 'Next ▶');
    assert.equal(next.response.type, 'application/vnd.microsoft.card.adaptive');
    const second = next.response.value as Card;
    assert.match(cardText(second), /Page 2 of/);
    assert.notDeepEqual(rowNames(second), rowNames(first));
    const back = await chat.click(second, '◀ Previous');
    assert.deepEqual(rowNames(back.response.value), rowNames(first));
  });

  it('Next and Previous page through the listing the card came from, without asking Graph again', async () => {
    const first = onlyCard(await chat.say('deleted'));
    const since = bot.simulator.requests.length;
    const second = (await chat.click(first, 'Next ▶')).response.value as Card;
    await chat.click(second, '◀ Previous');
    assert.equal(bot.simulator.requests.length - since, 0, 'no Graph call for a page click');
    assert.match(cardText(onlyCard(await chat.say('deleted'))), /Page 1 of/);
    assert.ok(bot.simulator.requests.length > since, 'a typed deleted lists afresh');
  });

  it('filters by search text', async () => {
    const card = onlyCard(await chat.say('deleted ca untrusted countries'));
    const names = rowNames(card);
    assert.ok(names.length >= 1);
    for (const name of names) assert.match(name.toLowerCase(), /untrusted countries/);
    const none = onlyCard(await chat.say('deleted zzz-nothing-matches'));
    assert.match(cardText(none), /No deleted item matches "zzz-nothing-matches"/);
  });

  it('show explains a CA policy and flags the deleted named location it depends on', async () => {
    const text = cardText(onlyCard(await chat.say(`show ${DEMO_IDS.caPolicyWithDeletedLocation}`)));
    assert.match(text, /Conditional Access policy · deleted/);
    assert.match(text, /Deleted too \(\d+ days? left\): it must be restored first/);
    assert.ok(text.includes(DEMO_IDS.deletedLocationReferenced));
  });

  it('the Details button posts the details card', async () => {
    const list = onlyCard(await chat.say('deleted nl'));
    const result = await chat.click(list, 'Details');
    assert.equal(result.response.value, 'Details posted below.');
    assert.match(cardText(onlyCard(result.replies)), /Named location · deleted/);
  });

  it('asks which one when a partner and its sync policy share the id', async () => {
    const chooser = onlyCard(await chat.say(`show ${DEMO_IDS.partnerWithDeletedSync}`));
    assert.match(cardText(chooser), /matches more than one deleted item/);
    const buttons = listActions(chooser).map((a) => a.title);
    assert.equal(buttons.length, 2);
    const syncButton = buttons.find((t) => t.startsWith('Identity-sync policy'))!;
    const result = await chat.click(chooser, syncButton);
    assert.match(cardText(onlyCard(result.replies)), /Identity-sync policy · deleted/);
  });

  it('says so when nothing has the id, and explains a malformed id', async () => {
    assert.match(onlyText(await chat.say(`show ${UNKNOWN_ID}`)), /No deleted item has the id/);
    assert.match(onlyText(await chat.say('show not-an-id')), /"not-an-id" is not an object id[\s\S]*Usage: `show/);
  });

  it('suggests the nearest command for a typo', async () => {
    assert.match(onlyText(await chat.say('delted ca')), /Did you mean `deleted`\?/);
  });

  it('Restore opens a request form and changes nothing until someone approves', async () => {
    const list = onlyCard(await chat.say('deleted ca'));
    const before = bot.simulator.requests.length;
    const result = await chat.click(list, 'Restore');
    assert.equal(result.response.value, 'Fill in the form below to ask for approval.');
    const form = onlyCard(result.replies);
    assert.match(cardText(form), /Request a restore/);
    assert.deepEqual(listActions(form).map((a) => a.title), ['Ask for approval']);
    const writes = bot.simulator.requests.slice(before).filter((r) => r.path.endsWith('/restore') || ['PATCH', 'PUT', 'DELETE'].includes(r.method));
    assert.deepEqual(writes, [], 'no Graph write');
  });

  it('status reports demo mode, the tenant, Graph health and every permission as present', async () => {
    const text = cardText(onlyCard(await chat.say('status')));
    assert.match(text, /Mode: Demo/);
    assert.ok(text.includes(`Tenant: ${bot.simulator.tenantId}`));
    assert.ok(text.includes(`Graph endpoint: ${bot.simulator.url}`));
    assert.match(text, /Graph answers: Yes/);
    for (const permission of ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.CrossTenantAccess', 'AuditLog.Read.All']) {
      assert.ok(text.includes(permission));
    }
    assert.doesNotMatch(text, /Missing:/);
  });

  it('sends every Graph request with a token, including the paging links of a non-default endpoint', async () => {
    bot.simulator.tenant.seedBulk(600); // 150 per kind: more than one 100-item page
    const card = onlyCard(await chat.say('deleted sync'));
    assert.match(cardText(card), /of \d{2,}/);
    const syncRequests = bot.simulator.requests.filter((r) => r.path.includes('crossTenantSyncPolicyPartners'));
    assert.ok(syncRequests.some((r) => JSON.stringify(r.query).includes('skiptoken')), 'followed @odata.nextLink');
    assert.ok(bot.simulator.requests.every((r) => r.authorized), 'every request carried a valid token');
  });

  it('keeps no teams-ai turn state: browsing commands and card clicks touch no store key, turns/ included', async () => {
    const store = bot.product.store;
    const touched: string[] = [];
    const spied = { get: store.get, put: store.put, delete: store.delete, list: store.list };
    for (const name of Object.keys(spied) as (keyof typeof spied)[]) {
      const original = spied[name] as (key: string, ...rest: unknown[]) => Promise<unknown>;
      Object.assign(store, { [name]: (key: string, ...rest: unknown[]) => (touched.push(key), original.call(store, key, ...rest)) });
    }
    try {
      await chat.say('help');
      const list = onlyCard(await chat.say('deleted'));
      await chat.click(list, 'Details');
    } finally {
      Object.assign(store, spied);
    }
    // Browsing needs no state at all, so these turns cost no store round trip, turn state included.
    assert.deepEqual(touched, []);
  });

  it('never writes a token or secret to the log', () => {
    const log = JSON.stringify(bot.logs.entries);
    assert.ok(bot.logs.entries.some((e) => e.event === 'graph.call'), 'Graph calls are logged');
    assert.doesNotMatch(log, /eyJ[\w-]{10,}\./);
    assert.ok(!log.includes(bot.simulator.clientSecret));
  });
});
