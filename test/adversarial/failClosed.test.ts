import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { DEMO_IDS, DEMO_USERS, KIND_IDS } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, ISAIAH, requestIdOf, MEGAN, PATTI, type Card, type Conversation } from '../support/botHarness';

/**
 * Fail-closed under hostile input: several hundred generated activities (forged senders,
 * forged tenants and channels, forged card data, broken envelopes, huge and odd text) are
 * POSTed to ONE running demo bot. Whatever comes in, the bot never answers 5xx, never
 * writes to Graph, never shows tenant data to someone without a role (or from a refused
 * tenant/channel), never touches Conditional Access for them, keeps answering `help`
 * quickly, audits the refusals, and still runs a real four-eyes restore afterwards.
 *
 * Deterministic: every input comes from a seeded PRNG (ADV_SEED=<n> to replay another run).
 */

const SEED = Number(process.env.ADV_SEED ?? 0x5eed_2024) >>> 0;

/** mulberry32: tiny, fast, good enough to pick test inputs. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
  guid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${'89ab'[this.int(4)]}${this.hex(3)}-${this.hex(12)}`;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

type Family = 'forgedSender' | 'forgedTenantChannel' | 'cardData' | 'envelope' | 'hugeUnicodeText';

interface HostileInput {
  family: Family;
  /** Compact description for failure reports. */
  label: string;
  /** The activity (or a raw body). */
  body: Record<string, any> | string;
  contentType?: string;
  /** Sent by someone without a role, or from a tenant/channel the bot must refuse. */
  mustNotLeak: boolean;
  /** The status this input must get (otherwise: anything below 500). */
  expectStatus?: number;
}

interface Outcome {
  index: number;
  input: HostileInput;
  status: number;
  responseText: string;
  /** What the connector received meanwhile (outside the help loop's conversation): text and attachments only. */
  replyContents: string[];
  graph: { method: string; path: string }[];
  ms: number;
}

const REAL = 'msteams';
const BOT = { id: '28:bot', name: 'Recycle Bin' };
const LYNNE = { id: DEMO_USERS.lynne.teamsId, aadObjectId: DEMO_USERS.lynne.aadObjectId, name: DEMO_USERS.lynne.name };
const ID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const EXCEPTION_TEXT = /(\b\w*Error:|\n\s+at |\bat .+\(.+:\d+:\d+\)|node_modules|Unexpected token|Cannot read propert|is not a function|ECONNREFUSED)/;

const clipLabel = (s: string, n = 110): string => {
  const flat = s.replace(/[\u0000-\u001f\u200b-\u200f\u202a-\u202e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return flat.length > n ? `${flat.slice(0, n)}…(${s.length} chars)` : flat;
};
const short = (v: unknown): string => {
  if (typeof v === 'string') return clipLabel(JSON.stringify(v), 40);
  try {
    return clipLabel(JSON.stringify(v) ?? String(v), 40);
  } catch {
    return String(v);
  }
};

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

describe('adversarial: the bot fails closed under generated hostile input', function () {
  this.timeout(120_000);

  let bot: BotHarness;
  let rng: Rng;
  let tenantId: string;
  let clientId: string;
  /** Tenant data that must never reach a caller without a role: names and object ids. */
  let secrets: string[];
  /** A real pending request (asked by Alex), the target of forged approvals. */
  let seededRequestId: string;
  const outcomes: Outcome[] = [];
  const helpLatencies: number[] = [];
  const helpFailures: string[] = [];
  let graphBeforeRun = 0;
  let graphAfterRun = 0;

  before(async () => {
    console.log(`[adversarial] seed=${SEED} (replay with ADV_SEED=${SEED})`);
    bot = await BotHarness.start();
    rng = new Rng(SEED);
    tenantId = bot.simulator.tenantId;
    clientId = bot.simulator.clientId;
    const names = new Set<string>();
    const ids = new Set<string>(Object.values(DEMO_IDS));
    for (const kind of KIND_IDS) {
      for (const object of [...bot.simulator.tenant.live(kind), ...bot.simulator.tenant.deleted(kind)]) {
        if (typeof object.displayName === 'string' && object.displayName.length >= 4) names.add(object.displayName);
        for (const key of ['id', 'tenantId'] as const) if (typeof object[key] === 'string') ids.add(String(object[key]));
      }
    }
    // Demo-mode help shows a few demo ids as examples on purpose (open to anyone, like the README walkthrough).
    const helpText = JSON.stringify((await bot.conversation('personal', PATTI).say('help'))[0]?.card ?? {});
    const publicExamples = [...ids].filter((id) => helpText.includes(id));
    assert.ok(publicExamples.length < 6, `help shows only a few example ids: ${publicExamples.join(', ')}`);
    secrets = [...names, ...[...ids].filter((id) => !publicExamples.includes(id))];
    assert.ok(names.size >= 10 && ids.size >= 15, `seeded tenant read: ${names.size} names, ${ids.size} ids`);

    // A real pending request, asked by Alex, for forged approvals/rejections/cancellations to aim at.
    const asked = cardReply(await bot.conversation('channel', ALEX).say(`restore ${DEMO_IDS.compliantDevicePolicy} seeded for the adversarial run`));
    seededRequestId = requestIdOf(asked.card);
  });

  after(async () => bot?.stop());

  // ---- the generators -----------------------------------------------------------------

  type From = Record<string, unknown> | undefined;
  interface Sender {
    label: string;
    from: From;
    /** Has the operator role in the demo tenant. */
    privileged: boolean;
  }

  function noRoleSender(): Sender {
    const variants: (() => Sender)[] = [
      () => ({ label: 'aad-missing', from: { id: `29:${rng.hex(8)}`, name: 'Mallory' }, privileged: false }),
      () => ({ label: 'aad-missing-as-alex-teams-id', from: { id: ALEX.id, name: ALEX.name }, privileged: false }),
      () => ({ label: 'aad-empty', from: { id: `29:${rng.hex(8)}`, name: 'Mallory', aadObjectId: '' }, privileged: false }),
      () => ({ label: 'aad-number', from: { id: `29:${rng.hex(8)}`, aadObjectId: rng.int(1e9) }, privileged: false }),
      () => ({ label: 'aad-object', from: { id: `29:${rng.hex(8)}`, aadObjectId: { id: ALEX.aadObjectId } }, privileged: false }),
      () => ({ label: 'aad-null', from: { id: `29:${rng.hex(8)}`, aadObjectId: null }, privileged: false }),
      () => ({ label: 'aad-nonguid', from: { id: `29:${rng.hex(8)}`, name: ALEX.name, aadObjectId: rng.pick(['not-a-guid', 'alexw@example.com', 'admin', 'null', 'undefined', '*']) }, privileged: false }),
      () => ({ label: 'aad-path', from: { id: `29:${rng.hex(8)}`, name: ALEX.name, aadObjectId: rng.pick(['../../users', '%2e%2e', '..%2F..%2Fusers', `${ALEX.aadObjectId}/../x`, `../${ALEX.aadObjectId}`, `${ALEX.aadObjectId}%2F..`, `${ALEX.aadObjectId}?$select=id`, ` ${ALEX.aadObjectId}`, `{${rng.guid()}}`]) }, privileged: false }),
      () => ({ label: 'aad-random-guid', from: { id: `29:${rng.hex(8)}`, name: rng.pick([ALEX.name, MEGAN.name, 'Global Admin']), aadObjectId: rng.guid() }, privileged: false }),
      () => ({ label: 'patti', from: { id: PATTI.id, name: PATTI.name, aadObjectId: PATTI.aadObjectId }, privileged: false }),
      () => ({ label: 'patti-named-alex', from: { id: ALEX.id, name: ALEX.name, aadObjectId: PATTI.aadObjectId }, privileged: false }),
      () => ({ label: 'lynne', from: { id: LYNNE.id, name: LYNNE.name, aadObjectId: LYNNE.aadObjectId }, privileged: false }),
    ];
    return rng.pick(variants)();
  }

  function approverSender(): Sender {
    const who = rng.pick([ALEX, MEGAN]);
    return { label: who === ALEX ? 'alex' : 'megan', from: { id: who.id, name: who.name, aadObjectId: who.aadObjectId }, privileged: true };
  }

  const demoIds = Object.values(DEMO_IDS);
  const hugeId = () => 'A'.repeat(10 * 1024);

  /** Ids for typed commands: strings only. */
  function textId(): string {
    return rng.pick<() => string>([
      () => rng.pick(demoIds),
      () => rng.pick(demoIds).toUpperCase(),
      () => `{${rng.pick(demoIds)}}`,
      () => rng.guid(),
      () => rng.pick(['.', '..', '../x', '%2F', '..%2F..%2Fme', '/me', '$batch', '*', '\u202e' + rng.guid(), 'ü🙂', `${rng.pick(demoIds)}/restore`, `${rng.pick(demoIds)}?$select=id`]),
      () => hugeId().slice(0, 2000),
    ])();
  }

  /** Ids for card data: anything JSON can carry. */
  function dataId(): unknown {
    return rng.pick<() => unknown>([
      () => rng.pick(demoIds),
      () => rng.guid(),
      () => `{${rng.pick(demoIds)}}`,
      () => rng.pick(['.', '..', '', ' ', '../x', '%2F', '..%2F..', 'ü🙂\u202e', '\u0000', `${rng.pick(demoIds)}/restore`, `${rng.pick(demoIds)}\u0000`]),
      () => hugeId(),
      () => null,
      () => rng.int(1e6),
      () => [rng.pick(demoIds)],
      () => ({ id: rng.pick(demoIds) }),
      () => true,
    ])();
  }

  function kindValue(): unknown {
    return rng.pick<unknown>(['ca', 'locations', 'nl', 'partners', 'xtap', 'sync', 'all', 'users', '../x', '', null, 42, ['ca'], { kind: 'ca' }, '__proto__', 'constructor']);
  }

  function requestIdValue(): unknown {
    return rng.pick<() => unknown>([
      () => seededRequestId,
      () => seededRequestId.toLowerCase(),
      () => `R-${Array.from({ length: 7 }, () => rng.pick([...ID_ALPHABET])).join('')}`,
      () => rng.pick(['R-', 'R-0000000', 'R-1111111', 'r-abc', '../R-1', `${seededRequestId} `, `${seededRequestId}/../x`, '', ' ', '.']),
      () => null,
      () => 42,
      () => [seededRequestId],
      () => ({ id: seededRequestId }),
      () => 'R-' + 'A'.repeat(10 * 1024),
    ])();
  }

  function reason(): string {
    return rng.pick([
      'because',
      '[click](https://evil.example)',
      '${requestId} ${tenantId} ${process.env.AZURE_CLIENT_SECRET}',
      '{{requestId}} $root ${$root.requestId}',
      '<script>alert(1)</script>',
      '\u202e\u200b\u0000 reason 🙂',
      'A'.repeat(10 * 1024),
      '![x](https://evil.example/pixel.png)',
    ]);
  }

  function command(): string {
    return rng.pick<() => string>([
      () => 'deleted',
      () => `deleted ${rng.pick(['ca', 'nl', 'xtap', 'sync', 'all'])}`,
      () => `show ${textId()}`,
      () => 'status',
      () => 'partners',
      () => `partner show ${textId()}`,
      () => `partner edit ${textId()}`,
      () => 'alerts',
      () => 'alerts on',
      () => 'pending',
      () => 'audit',
      () => 'audit 50',
      () => `restore ${textId()} ${reason()}`,
      () => `restore ${rng.pick(demoIds)} report-only ${reason()}`,
      () => `cancel ${rng.chance(0.5) ? seededRequestId : `R-${Array.from({ length: 7 }, () => rng.pick([...ID_ALPHABET])).join('')}`}`,
      () => 'help',
    ])();
  }

  const VERBS = ['list.page', 'item.show', 'item.restore', 'request.create', 'request.refresh', 'request.approve', 'request.reject', 'request.cancel', 'partners.page', 'partner.show', 'partner.edit', 'partner.submit'];
  const UNKNOWN_VERBS = ['format.disk', '', ' ', '../x', '__proto__', 'constructor', 'LIST.PAGE', 'list.page ', 'item.show\u0000', 'request.approve/../x', 'x'.repeat(5000), '🙂'];

  function verbAndData(): { verb: string; data: Record<string, unknown> } {
    const verb = rng.chance(0.85) ? rng.pick(VERBS) : rng.pick(UNKNOWN_VERBS);
    switch (verb) {
      case 'list.page':
        return { verb, data: { kind: kindValue(), page: rng.pick<unknown>([0, 1, -1, 1e9, 'NaN', null, '1e400', [1]]), search: rng.pick<unknown>(['', 'CA', 'x'.repeat(5000), 42, null]) } };
      case 'item.show':
      case 'item.restore':
        return { verb, data: { kind: kindValue(), id: dataId() } };
      case 'request.create':
        return { verb, data: { kind: kindValue(), id: dataId(), reason: reason(), reportOnly: rng.pick<unknown>(['true', 'false', true, 1, null]) } };
      case 'request.refresh':
      case 'request.approve':
      case 'request.cancel':
        return { verb, data: { requestId: requestIdValue() } };
      case 'request.reject':
        return { verb, data: { requestId: requestIdValue(), rejectReason: reason() } };
      case 'partners.page':
        return { verb, data: { page: rng.pick<unknown>([0, 2, -5, 'x', null]), search: rng.pick<unknown>(['', 'Fab', 42]) } };
      case 'partner.show':
      case 'partner.edit':
        return { verb, data: { tenantId: dataId() } };
      case 'partner.submit':
        return { verb, data: { tenantId: dataId(), reason: reason(), mfa: rng.pick<unknown>(['true', 'false', 1, null]), compliantDevice: 'true', __proto__: { polluted: true }, constructor: 'x' } };
      default:
        return { verb, data: rng.chance(0.5) ? {} : { kind: kindValue(), id: dataId() } };
    }
  }

  let conversationCounter = 0;
  interface EnvelopeOptions {
    sender: Sender;
    channelId?: unknown;
    /** undefined: the real tenant; 'omit': no such field. */
    conversationTenant?: unknown;
    channelDataTenant?: unknown;
    type?: 'personal' | 'groupChat' | 'channel';
  }

  function baseActivity(o: EnvelopeOptions, extra: Record<string, unknown>): Record<string, any> {
    const type = o.type ?? rng.pick(['personal', 'personal', 'groupChat', 'channel'] as const);
    const id = type === 'channel' ? `19:adv${++conversationCounter}-${rng.hex(8)}@thread.tacv2` : type === 'groupChat' ? `19:adv${++conversationCounter}-${rng.hex(8)}@thread.v2` : `a:adv${++conversationCounter}-${rng.hex(8)}`;
    const conversation: Record<string, unknown> = { id, conversationType: type, isGroup: type !== 'personal' };
    if (o.conversationTenant !== 'omit') conversation.tenantId = o.conversationTenant === undefined ? tenantId : o.conversationTenant;
    const channelData: Record<string, unknown> = type === 'channel' ? { team: { id: '19:team@thread.tacv2' }, channel: { id } } : {};
    if (o.channelDataTenant !== 'omit') channelData.tenant = { id: o.channelDataTenant === undefined ? tenantId : o.channelDataTenant };
    const activity: Record<string, any> = {
      id: `act-${rng.hex(12)}`,
      channelId: o.channelId === undefined ? REAL : o.channelId,
      serviceUrl: bot.connector.url,
      timestamp: new Date().toISOString(),
      recipient: BOT,
      conversation,
      channelData,
      ...extra,
    };
    if (o.sender.from !== undefined) activity.from = o.sender.from;
    return activity;
  }

  function messageActivity(o: EnvelopeOptions, text: string): Record<string, any> {
    const type = o.type ?? rng.pick(['personal', 'personal', 'channel'] as const);
    const mention = type === 'personal' ? {} : { entities: [{ type: 'mention', text: '<at>Recycle Bin</at>', mentioned: BOT }] };
    return baseActivity({ ...o, type }, { type: 'message', text: type === 'personal' ? text : `<at>Recycle Bin</at> ${text}`, ...mention });
  }

  function invokeActivity(o: EnvelopeOptions, verb: unknown, data: unknown): Record<string, any> {
    return baseActivity(o, { type: 'invoke', name: 'adaptiveCard/action', replyToId: `card-${rng.hex(6)}`, value: { action: { type: 'Action.Execute', verb, data } } });
  }

  /** Mirrors the documented rule (Teams only; tenants named consistently), as an independent oracle. */
  function refusedEnvelope(o: EnvelopeOptions): boolean {
    if (o.channelId !== undefined && o.channelId !== REAL) return true;
    const norm = (v: unknown) => (v === undefined ? tenantId : v === 'omit' ? '' : typeof v === 'string' ? v.trim().toLowerCase() : '');
    const a = norm(o.conversationTenant);
    const b = norm(o.channelDataTenant);
    if (!a && !b) return true;
    return Boolean(a && b && a !== b);
  }

  function forgedSenderInput(): HostileInput {
    const sender = noRoleSender();
    const o: EnvelopeOptions = { sender };
    if (rng.chance(0.55)) {
      const text = command();
      return { family: 'forgedSender', label: `${sender.label} says ${clipLabel(JSON.stringify(text), 70)}`, body: messageActivity(o, text), mustNotLeak: true };
    }
    const { verb, data } = verbAndData();
    return { family: 'forgedSender', label: `${sender.label} clicks ${short(verb)} ${short(data)}`, body: invokeActivity(o, verb, data), mustNotLeak: true };
  }

  function forgedTenantChannelInput(): HostileInput {
    const sender = rng.chance(0.6) ? approverSender() : noRoleSender();
    const other = rng.guid();
    const variant = rng.pick<() => [string, Partial<EnvelopeOptions>]>([
      () => ['conv-tenant-missing,cd-missing', { conversationTenant: 'omit', channelDataTenant: 'omit' }],
      () => ['conv-tenant-empty,cd-missing', { conversationTenant: '', channelDataTenant: 'omit' }],
      () => ['conv-tenant-empty,cd-empty', { conversationTenant: '', channelDataTenant: '' }],
      () => ['conv-tenant-blank,cd-number', { conversationTenant: '   ', channelDataTenant: 42 }],
      () => ['conv-tenant-other,cd-real', { conversationTenant: other }],
      () => ['conv-tenant-real,cd-other', { channelDataTenant: other }],
      () => ['conv-tenant-other,cd-other2', { conversationTenant: other, channelDataTenant: rng.guid() }],
      () => ['conv-tenant-object', { conversationTenant: { id: tenantId }, channelDataTenant: 'omit' }],
      () => ['channel-webchat', { channelId: 'webchat' }],
      () => ['channel-directline', { channelId: 'directline' }],
      () => ['channel-emulator', { channelId: 'emulator' }],
      () => ['channel-MSTEAMS', { channelId: 'MSTEAMS' }],
      () => ['channel-msteams-space', { channelId: 'msteams ' }],
      () => ['channel-empty', { channelId: '' }],
      () => ['channel-42', { channelId: 42 }],
      // Demo mode pins no tenant (the playground's tenant differs from the simulated one):
      // a consistently named foreign tenant is only refused on role, so send it from no-role users.
      () => ['tenant-other-consistent', { conversationTenant: other, channelDataTenant: other, sender: noRoleSender() }],
    ])();
    const [what, overrides] = variant;
    const o: EnvelopeOptions = { sender, ...overrides };
    const who = o.sender.label;
    const mustNotLeak = !o.sender.privileged || refusedEnvelope(o);
    if (rng.chance(0.5)) {
      const text = command();
      return { family: 'forgedTenantChannel', label: `${what} ${who} says ${clipLabel(JSON.stringify(text), 60)}`, body: messageActivity(o, text), mustNotLeak };
    }
    const { verb, data } = verbAndData();
    return { family: 'forgedTenantChannel', label: `${what} ${who} clicks ${short(verb)} ${short(data)}`, body: invokeActivity(o, verb, data), mustNotLeak };
  }

  function cardDataInput(): HostileInput {
    // Mostly no-role clickers; some approvers and an operator hitting refusals with real roles.
    const roll = rng.float();
    if (roll < 0.12) {
      // Alex approving his own seeded request: a four-eyes refusal (request.refused).
      const sender = { label: 'alex-self-approve', from: { id: ALEX.id, name: ALEX.name, aadObjectId: ALEX.aadObjectId }, privileged: true };
      // (Rejecting one's own request is allowed, so only approvals are attempted here.)
      return { family: 'cardData', label: `alex approves own ${seededRequestId}`, body: invokeActivity({ sender }, 'request.approve', { requestId: seededRequestId }), mustNotLeak: false };
    }
    if (roll < 0.2) {
      const sender = { label: 'isaiah', from: { id: ISAIAH.id, name: ISAIAH.name, aadObjectId: ISAIAH.aadObjectId }, privileged: true };
      return { family: 'cardData', label: `isaiah (operator) approves ${seededRequestId}`, body: invokeActivity({ sender }, 'request.approve', { requestId: seededRequestId }), mustNotLeak: false };
    }
    if (roll < 0.35) {
      const sender = approverSender();
      const { verb, data } = verbAndData();
      // Approvers may act on well-formed data; only malformed data is sent here, and never an approval of the seeded request.
      if (verb === 'request.approve' || verb === 'request.reject' || verb === 'request.cancel' || verb === 'request.create' || verb === 'partner.submit') {
        const bad = { ...data, requestId: rng.pick(['R-', '../R-1', null, 42, 'R-' + 'A'.repeat(2000)]), id: rng.pick(['..', '', null, [1], '%2F']), tenantId: rng.pick(['..', '', null, { a: 1 }]) };
        return { family: 'cardData', label: `${sender.label} clicks ${short(verb)} malformed ${short(bad)}`, body: invokeActivity({ sender }, verb, bad), mustNotLeak: false };
      }
      return { family: 'cardData', label: `${sender.label} clicks ${short(verb)} ${short(data)}`, body: invokeActivity({ sender }, verb, data), mustNotLeak: false };
    }
    const sender = noRoleSender();
    const { verb, data } = verbAndData();
    // A demo id with a kind it does not have.
    if (rng.chance(0.25)) {
      data.id = rng.pick([DEMO_IDS.partnerWithDeletedSync, DEMO_IDS.serviceProviderPartner]);
      data.kind = rng.pick(['ca', 'locations']);
    }
    return { family: 'cardData', label: `${sender.label} clicks ${short(verb)} ${short(data)}`, body: invokeActivity({ sender }, verb, data), mustNotLeak: true };
  }

  function deeplyNested(depth: number): unknown {
    let node: unknown = { leaf: true };
    for (let i = 0; i < depth; i++) node = rng.chance(0.5) ? [node] : { n: node };
    return node;
  }

  function envelopeInput(): HostileInput {
    const sender = rng.chance(0.7) ? noRoleSender() : approverSender();
    const o: EnvelopeOptions = { sender };
    const msg = () => messageActivity(o, rng.pick(['help', 'deleted', 'status', 'pending']));
    const inv = () => invokeActivity(o, rng.pick(VERBS), { kind: 'ca', id: rng.pick(demoIds), requestId: seededRequestId });
    const mutations: [string, () => Record<string, any> | string, string?][] = [
      ['no type', () => ({ ...msg(), type: undefined })],
      ['type number', () => ({ ...msg(), type: rng.int(100) })],
      ['type empty', () => ({ ...msg(), type: '' })],
      ['type messageReaction', () => ({ ...msg(), type: 'messageReaction', reactionsAdded: [{ type: 'like' }] })],
      ['type event', () => ({ ...msg(), type: 'event', name: 'application/vnd.microsoft.meetingStart', value: {} })],
      ['type endOfConversation', () => ({ ...msg(), type: 'endOfConversation' })],
      ['type installationUpdate', () => ({ ...msg(), type: 'installationUpdate', action: 'add' })],
      ['conversationUpdate bot added', () => ({ ...msg(), type: 'conversationUpdate', text: undefined, membersAdded: [BOT, { id: 'x' }] })],
      ['conversationUpdate garbage', () => ({ ...msg(), type: 'conversationUpdate', membersAdded: [null, 42, 'x'], membersRemoved: 'x' })],
      ['no conversation', () => ({ ...msg(), conversation: undefined })],
      ['conversation {}', () => ({ ...msg(), conversation: {} })],
      ['conversation id number', () => ({ ...msg(), conversation: { id: 42, tenantId } })],
      ['conversation string', () => ({ ...msg(), conversation: 'a:1' })],
      ['bad serviceUrl', () => ({ ...msg(), serviceUrl: rng.pick(['not a url', 'ftp://x', 'javascript:alert(1)', '', 42, '//x']) })],
      ['no serviceUrl', () => ({ ...msg(), serviceUrl: undefined })],
      ['no from', () => ({ ...msg(), from: undefined })],
      ['from {}', () => ({ ...msg(), from: {} })],
      ['from string', () => ({ ...msg(), from: 'alex' })],
      ['recipient string', () => ({ ...msg(), recipient: 'bot' })],
      ['text number', () => ({ ...msg(), text: 42 })],
      ['text object', () => ({ ...msg(), text: { toString: 'deleted' } })],
      ['text null', () => ({ ...msg(), text: null })],
      // Fields botbuilder copies into its reply (conversation reference): wrong types must not crash the reply.
      ['conversation.tenantId object', () => ({ ...msg(), conversation: { ...msg().conversation, tenantId: { id: tenantId } } })],
      ['conversation.tenantId number', () => ({ ...msg(), conversation: { ...msg().conversation, tenantId: 42 }, channelData: { tenant: { id: tenantId } } })],
      ['conversation.name object', () => ({ ...msg(), conversation: { ...msg().conversation, name: { x: 1 } } })],
      ['conversation.conversationType number', () => ({ ...msg(), conversation: { ...msg().conversation, conversationType: 42 } })],
      ['conversation.isGroup string', () => ({ ...msg(), conversation: { ...msg().conversation, isGroup: 'yes' } })],
      ['activity id number', () => ({ ...msg(), id: 42 })],
      ['locale number', () => ({ ...msg(), locale: 42 })],
      ['from.name number', () => ({ ...msg(), from: { ...(msg().from ?? { id: '29:x' }), name: 42 } })],
      ['from.role object', () => ({ ...msg(), from: { ...(msg().from ?? { id: '29:x' }), role: {} } })],
      ['recipient.id number', () => ({ ...msg(), recipient: { id: 42, name: 'bot' } })],
      ['recipient.name array', () => ({ ...msg(), recipient: { id: '28:bot', name: ['bot'] } })],
      ['invoke conversation.tenantId object', () => ({ ...inv(), conversation: { ...inv().conversation, tenantId: { id: tenantId } } })],
      ['conversation.tenantId null', () => ({ ...msg(), conversation: { ...msg().conversation, tenantId: null } })],
      ['no recipient', () => ({ ...msg(), recipient: undefined })],
      ['invoke with no recipient', () => ({ ...inv(), recipient: undefined })],
      ['recipient {}', () => ({ ...msg(), recipient: {} })],
      ['mention without text', () => ({ ...msg(), text: undefined, entities: [{ type: 'mention', text: '<at>Recycle Bin</at>', mentioned: BOT }] })],
      ['mention text number', () => ({ ...msg(), entities: [{ type: 'mention', text: 42, mentioned: BOT }] })],
      ['mentioned null', () => ({ ...msg(), entities: [{ type: 'mention', text: '<at>x</at>', mentioned: null }] })],
      ['entities object', () => ({ ...msg(), entities: { length: 2 } })],
      ['entities string', () => ({ ...msg(), entities: 'mention' })],
      ['channelData null', () => ({ ...msg(), channelData: null })],
      ['channelData string', () => ({ ...msg(), channelData: 'x' })],
      ['channelData.tenant null', () => ({ ...msg(), channelData: { tenant: null } })],
      ['timestamp garbage', () => ({ ...msg(), timestamp: 'yesterday', localTimestamp: 42 })],
      ['entities garbage', () => ({ ...msg(), entities: [null, 42, { type: 'mention', mentioned: null }, { type: 'clientInfo', locale: {} }] })],
      ['attachments garbage', () => ({ ...msg(), attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: null }, 'x'] })],
      ['invoke no value', () => ({ ...inv(), value: undefined })],
      ['invoke value {}', () => ({ ...inv(), value: {} })],
      ['invoke action no verb', () => ({ ...inv(), value: { action: { type: 'Action.Execute', data: { id: '..' } } } })],
      ['invoke verb number', () => ({ ...inv(), value: { action: { type: 'Action.Execute', verb: 42, data: {} } } })],
      ['invoke action null', () => ({ ...inv(), value: { action: null } })],
      ['invoke data string', () => ({ ...inv(), value: { action: { type: 'Action.Execute', verb: rng.pick(VERBS), data: 'x' } } })],
      ['invoke data null', () => ({ ...inv(), value: { action: { type: 'Action.Execute', verb: rng.pick(VERBS), data: null } } })],
      ['invoke no name', () => ({ ...inv(), name: undefined })],
      ['invoke task/fetch', () => ({ ...inv(), name: 'task/fetch', value: { data: { id: '..' } } })],
      ['invoke composeExtension/query', () => ({ ...inv(), name: 'composeExtension/query', value: { commandId: 'x', parameters: [{ name: 'q', value: 'CA' }] } })],
      ['invoke signin/verifyState', () => ({ ...inv(), name: 'signin/verifyState', value: { state: '123' } })],
      ['invoke adaptiveCard/action Action.Submit', () => ({ ...inv(), value: { action: { type: 'Action.Submit', verb: 'item.show', data: { kind: 'ca', id: rng.pick(demoIds) } } } })],
      ['deeply nested channelData', () => ({ ...msg(), channelData: { ...(msg().channelData as object), deep: deeplyNested(3000) } })],
      ['deeply nested value', () => ({ ...inv(), value: { action: { type: 'Action.Execute', verb: 'list.page', data: { kind: 'all', page: deeplyNested(3000) } } } })],
      ['huge wide JSON', () => ({ ...msg(), padding: Array.from({ length: 60_000 }, (_, i) => i) })],
      ['huge key count', () => ({ ...msg(), channelData: { tenant: { id: tenantId }, ...Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])) } })],
      ['__proto__ in body', () => JSON.stringify(msg()).replace(/^\{/, '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},')],
      ['non-JSON: empty', () => ''],
      ['non-JSON: text', () => 'deleted'],
      ['non-JSON: truncated', () => '{"type":"message","text":'],
      ['non-JSON: null', () => 'null'],
      ['non-JSON: array', () => '[]'],
      ['non-JSON: number', () => '42'],
      ['non-JSON: string', () => '"help"'],
      ['non-JSON: xml', () => '<activity type="message"><text>deleted</text></activity>'],
      ['non-JSON: NUL', () => '\u0000\u0000\u0000'],
      ['text/plain body', () => JSON.stringify(msg()), 'text/plain'],
      ['form body', () => 'type=message&text=deleted', 'application/x-www-form-urlencoded'],
    ];
    const [what, make, contentType] = rng.pick(mutations);
    const body = make();
    return { family: 'envelope', label: `${what} (${sender.label})`, body, contentType, mustNotLeak: !sender.privileged };
  }

  const BIG_TEXTS: [string, () => string, number?][] = [
    ['100 KB of <', () => '<'.repeat(100 * 1024)],
    ['1 MB of <', () => '<'.repeat(1024 * 1024), 413],
    ['200 KB unknown word', () => 'z'.repeat(200 * 1024)],
    ['120 KB of spaces then deleted', () => `${' '.repeat(120 * 1024)}deleted`],
    ['RTL marks', () => '\u202edeleted\u202c'],
    ['RTL override command', () => `\u202Eshow ${DEMO_IDS.deletedIpLocation}`],
    ['zero-width in command', () => 'de\u200bleted'],
    ['zero-width prefix', () => '\u200b\u200c\u200d\ufeffdeleted'],
    ['emoji flood', () => '🙂'.repeat(2000)],
    ['emoji command', () => 'deleted 🔥🔥🔥'],
    ['NUL bytes', () => 'deleted\u0000\u0000ca'],
    ['only NULs', () => '\u0000'.repeat(500)],
    ['markdown link reason', () => `restore ${DEMO_IDS.expiringPolicy} [click](https://evil.example)`],
    ['template injection reason', () => `restore ${DEMO_IDS.expiringPolicy} \${requestId} {{requestId}} \${$root}`],
    ['10 KB reason', () => `restore ${DEMO_IDS.expiringPolicy} ${'R'.repeat(10 * 1024)}`],
    ['mentions flood', () => '<at>Recycle Bin</at> '.repeat(2000)],
    ['backtick flood', () => '`'.repeat(5000)],
    ['audit huge count', () => 'audit 99999999999999999999'],
    ['audit negative', () => 'audit -1'],
    ['search 5 KB', () => `deleted ${'a'.repeat(5000)}`],
    ['surrogate halves', () => '\ud800deleted\udfff'],
    ['combining marks', () => `d${'\u0301'.repeat(3000)}eleted`],
    ['newlines', () => 'help\n\n\ndeleted\r\nstatus'],
  ];

  function textInput(index: number): HostileInput {
    const [what, make, expectStatus] = index < BIG_TEXTS.length ? BIG_TEXTS[index] : rng.pick(BIG_TEXTS);
    // The 1 MB body and the 100 KB body are each sent once (the 1 MB one is refused as a whole anyway).
    const sender = rng.chance(0.7) ? noRoleSender() : approverSender();
    const o: EnvelopeOptions = { sender, type: 'personal' };
    return { family: 'hugeUnicodeText', label: `${what} (${sender.label})`, body: messageActivity(o, make()), mustNotLeak: !sender.privileged, expectStatus };
  }

  function generate(): HostileInput[] {
    const inputs: HostileInput[] = [];
    for (let i = 0; i < 125; i++) inputs.push(forgedSenderInput());
    for (let i = 0; i < 75; i++) inputs.push(forgedTenantChannelInput());
    for (let i = 0; i < 75; i++) inputs.push(cardDataInput());
    for (let i = 0; i < 90; i++) inputs.push(envelopeInput());
    // The first BIG_TEXTS.length are one of each; the rest are drawn again, minus the 1 MB one.
    for (let i = 0; i < 35; i++) {
      const input = textInput(i);
      if (i >= BIG_TEXTS.length && input.expectStatus === 413) continue;
      inputs.push(input);
    }
    return rng.shuffle(inputs);
  }

  // ---- sending ------------------------------------------------------------------------

  async function send(index: number, input: HostileInput, helpConversationId: string): Promise<Outcome> {
    const connectorBefore = bot.connector.activities.length;
    const graphBefore = bot.simulator.requests.length;
    const started = performance.now();
    const res = await fetch(`${bot.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': input.contentType ?? 'application/json' },
      body: typeof input.body === 'string' ? input.body : JSON.stringify(input.body),
    });
    const responseText = await res.text();
    const ms = performance.now() - started;
    const replyContents = bot.connector.activities
      .slice(connectorBefore)
      .filter((a) => !a.path.startsWith(`/v3/conversations/${helpConversationId}`))
      .map((a) => JSON.stringify({ text: a.body.text, attachments: a.body.attachments, summary: a.body.summary, speak: a.body.speak }));
    const graph = bot.simulator.requests.slice(graphBefore).map((r) => ({ method: r.method, path: r.path }));
    return { index, input, status: res.status, responseText, replyContents, graph, ms };
  }

  /** The parts of an input its sender controls (what a reply may legitimately echo). */
  function controlled(input: HostileInput): string {
    if (typeof input.body === 'string') return input.body;
    const { text, value, from, name } = input.body;
    return JSON.stringify({ text, value, from, name }).toLowerCase();
  }

  /** Alex asks for help alongside every HELP_EVERY-th hostile input, in his own conversation. */
  const HELP_EVERY = 10;

  it('runs the hostile inputs against one bot, with help answered throughout', async () => {
    const inputs = generate();
    assert.ok(inputs.length >= 300, `${inputs.length} inputs`);

    // Liveness probe: a help sent while a hostile input is in flight must be answered with the
    // help card, every time. How fast is the bench's business (bench/suiteTargets.ts): here the
    // machine may be loaded, so only the answer itself, and its count, are checked.
    const helpChat: Conversation = bot.conversation('personal', ALEX);
    const askHelp = async (): Promise<void> => {
      const t0 = performance.now();
      try {
        const replies = await helpChat.say('help');
        helpLatencies.push(performance.now() - t0);
        const text = cardText(replies.find((r) => r.card)?.card as Card | undefined);
        if (!/What I can do/.test(text)) helpFailures.push(`help #${helpLatencies.length}: no help card (${JSON.stringify(replies.map((r) => r.text ?? 'card'))})`);
      } catch (error) {
        helpFailures.push(`help #${helpLatencies.length + 1}: ${(error as Error).message}`);
      }
    };

    graphBeforeRun = bot.simulator.requests.length;
    for (let i = 0; i < inputs.length; i++) {
      if (i % HELP_EVERY === 0) {
        const [outcome] = await Promise.all([send(i, inputs[i], helpChat.id), askHelp()]);
        outcomes.push(outcome);
      } else {
        outcomes.push(await send(i, inputs[i], helpChat.id));
      }
    }
    // Approved changes run after their invoke was answered: let them finish before the checks.
    await bot.idle();
    graphAfterRun = bot.simulator.requests.length;
    assert.equal(helpLatencies.length + helpFailures.length, Math.ceil(inputs.length / HELP_EVERY), 'one help per ten inputs was asked');
  });

  const report = (problems: string[], what: string): void => {
    assert.equal(problems.length, 0, `${what}: ${problems.length} offending input(s) (seed ${SEED}):\n${problems.slice(0, 15).join('\n')}`);
  };
  const who = (o: Outcome) => `#${o.index} [${o.input.family}] ${o.input.label}`;

  it('1. never answers 5xx, and no body carries exception text', () => {
    const problems: string[] = [];
    for (const o of outcomes) {
      if (o.status >= 500) problems.push(`${who(o)} → HTTP ${o.status} ${clipLabel(o.responseText, 160)}`);
      if (o.input.expectStatus !== undefined && o.status !== o.input.expectStatus) problems.push(`${who(o)} → HTTP ${o.status}, expected ${o.input.expectStatus}`);
      // Short, except a card an admitted approver asked for.
      const isCard = /^\{"statusCode":200,"type":"application\/vnd\.microsoft\.card\.adaptive"/.test(o.responseText);
      if (o.responseText.length > 4096 && (o.input.mustNotLeak || !isCard)) problems.push(`${who(o)} → ${o.responseText.length}-char body`);
      if (EXCEPTION_TEXT.test(o.responseText)) problems.push(`${who(o)} → body with exception text: ${clipLabel(o.responseText, 200)}`);
      for (const reply of o.replyContents) {
        if (EXCEPTION_TEXT.test(reply)) problems.push(`${who(o)} → reply with exception text: ${clipLabel(reply, 200)}`);
        if (/Something went wrong on my side/.test(reply)) problems.push(`${who(o)} → unhandled error reply: ${clipLabel(reply, 200)}`);
      }
      if (/Something went wrong on my side/.test(o.responseText)) problems.push(`${who(o)} → unhandled error answer: ${clipLabel(o.responseText, 200)}`);
    }
    report(problems, 'server errors or exception text');
  });

  it('2. makes no Graph write at all (only the read-only checkMemberGroups POST)', () => {
    const problems: string[] = [];
    for (const r of bot.simulator.requests.slice(0, graphAfterRun)) {
      if (r.method === 'GET') continue;
      if (r.method === 'POST' && /^\/users\/[^/]+\/checkMemberGroups$/.test(r.path)) continue;
      problems.push(`${r.method} ${r.path}`);
    }
    const restores = bot.simulator.requests.slice(0, graphAfterRun).filter((r) => /\/restore$/.test(r.path));
    for (const r of restores) problems.push(`restore call ${r.method} ${r.path}`);
    const culprits = outcomes.filter((o) => o.graph.some((g) => g.method !== 'GET' && !/^\/users\/[^/]+\/checkMemberGroups$/.test(g.path)));
    report([...problems, ...culprits.map(who)], 'Graph writes');
  });

  it('3. shows no tenant data to a caller without a role or from a refused tenant/channel', () => {
    const problems: string[] = [];
    // Ids and names in any case; the status card's words exactly ("permissions" in lower case is on the public help card).
    const anyCase = [tenantId, clientId];
    const exact = ['Permissions', 'Application permissions', 'Policy.Read.All'];
    for (const o of outcomes.filter((x) => x.input.mustNotLeak)) {
      const echo = controlled(o.input);
      const needles = [...secrets.filter((s) => !echo.includes(s.toLowerCase())), ...anyCase];
      for (const content of [...o.replyContents, o.responseText]) {
        const lower = content.toLowerCase();
        const leaked = [...needles.filter((n) => lower.includes(n.toLowerCase())), ...exact.filter((n) => content.includes(n))];
        if (leaked.length > 0) problems.push(`${who(o)} → leaked ${leaked.slice(0, 3).map((l) => JSON.stringify(l)).join(', ')} in ${clipLabel(content, 160)}`);
      }
    }
    report(problems, 'tenant data leaks');
  });

  it('4. makes no Conditional Access (or any non-/users) Graph call for a no-role or refused input', () => {
    const problems: string[] = [];
    for (const o of outcomes.filter((x) => x.input.mustNotLeak)) {
      for (const g of o.graph) {
        if (g.path.includes('/identity/conditionalAccess') || !g.path.startsWith('/users/')) problems.push(`${who(o)} → ${g.method} ${g.path}`);
      }
    }
    report(problems, 'Graph calls for refused inputs');
  });

  it('5. stays responsive: every help asked alongside a hostile input is answered with the help card', () => {
    assert.ok(helpLatencies.length >= 30, `${helpLatencies.length} helps answered`);
    report(helpFailures, 'unanswered help');
  });

  it('6. audits the refusals', async () => {
    const { card } = cardReply(await bot.conversation('personal', ALEX).say('audit 50'));
    const text = cardText(card);
    for (const action of ['access.denied', 'activity.refused', 'request.refused']) assert.match(text, new RegExp(action.replace('.', '\\.')), `audit 50 shows ${action}:\n${text.slice(0, 1500)}`);
  });

  it('7. a real four-eyes restore still works, with exactly one restore POST', async () => {
    const since = bot.simulator.requests.length;
    const channel = bot.conversation('channel', ALEX);
    const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    const approved = await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    assert.equal(approved.response.type, 'application/vnd.microsoft.card.adaptive');
    assert.match(cardText(approved.response.value), /Approved by Megan Bowen/);
    await bot.idle();
    const restores = bot.simulator.requests.slice(since).filter((r) => r.method === 'POST' && r.path.endsWith('/restore'));
    assert.deepEqual(restores.map((r) => r.path), [`/identity/conditionalAccess/deletedItems/namedLocations/${DEMO_IDS.deletedIpLocation}/restore`]);
    assert.equal(bot.simulator.requests.filter((r) => r.path.endsWith('/restore')).length, 1, 'the only restore of the whole run');
    assert.ok(bot.simulator.tenant.live('locations').some((l) => l.id === DEMO_IDS.deletedIpLocation));
    // The seeded request survived every forged decision.
    const pending = (await bot.conversation('personal', ALEX).say('pending')).map((r) => (r.card ? cardText(r.card) : r.text ?? '')).join('\n');
    assert.match(pending, new RegExp(seededRequestId), 'the seeded request is still pending');
  });

  after(() => {
    if (outcomes.length === 0) return;
    const perFamily: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    const graphByMethod: Record<string, number> = {};
    const graphRefusedByMethod: Record<string, number> = {};
    for (const o of outcomes) {
      perFamily[o.input.family] = (perFamily[o.input.family] ?? 0) + 1;
      statuses[o.status] = (statuses[o.status] ?? 0) + 1;
      for (const g of o.graph) {
        graphByMethod[g.method] = (graphByMethod[g.method] ?? 0) + 1;
        if (o.input.mustNotLeak) graphRefusedByMethod[g.method] = (graphRefusedByMethod[g.method] ?? 0) + 1;
      }
    }
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    console.log(
      `[adversarial] seed=${SEED} total=${outcomes.length} families=${JSON.stringify(perFamily)} mustNotLeak=${outcomes.filter((o) => o.input.mustNotLeak).length} ` +
        `status=${JSON.stringify(statuses)} help: n=${helpLatencies.length} p50=${percentile(helpLatencies, 50).toFixed(1)}ms max=${Math.max(...helpLatencies).toFixed(1)}ms ` +
        `graph(all hostile)=${JSON.stringify(graphByMethod)} graph(no-role/refused)=${JSON.stringify(graphRefusedByMethod)} graphDuringRun=${graphAfterRun - graphBeforeRun} slowestInput=${slowest.toFixed(0)}ms`,
    );
  });
});
