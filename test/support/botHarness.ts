import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadConfig, type Config } from '../../src/config';
import { memoryLogger } from '../../src/log';
import { startProduct, type Product } from '../../src/product';
import { DEMO_USERS, startGraphSimulator, type GraphSimulator, type SimulatorOptions } from '../../src/simulator';

/**
 * Drives the bot the way Teams does: Bot Framework activities POSTed to /api/messages,
 * replies captured by a fake Bot Connector at the activity's serviceUrl, and the bot
 * talking HTTPS to the Graph simulator.
 */

export interface SentActivity {
  /** The id the connector assigned (POST) or the id of the updated message (PUT). */
  id: string;
  method: string;
  path: string;
  /** performance.now() when it reached the connector. */
  receivedMs: number;
  /** The Authorization header the bot sent, if any. */
  authorization?: string;
  body: {
    type?: string;
    text?: string;
    attachments?: { contentType: string; content: Card }[];
    [key: string]: unknown;
  };
}

export type Card = Record<string, any>;

export class FakeConnector {
  readonly activities: SentActivity[] = [];
  /** Requests answered with an injected failure. */
  readonly refused: SentActivity[] = [];
  /** Conversations (or '*') whose requests fail, e.g. 403 BotNotInConversationRoster. */
  failures: { conversationId: string; status: number; code: string }[] = [];
  private readonly listeners = new Set<() => void>();
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<FakeConnector> {
    let connector: FakeConnector | undefined;
    const server = createServer(async (req, res) => {
      const body = JSON.parse((await readBody(req)) || '{}');
      const path = decodeURIComponent(req.url ?? '');
      const failure = connector!.failures.find((f) => path.startsWith(`/v3/conversations/${f.conversationId}`) || f.conversationId === '*');
      if (failure) {
        connector!.refused.push({ id: '', method: req.method ?? '', path, receivedMs: performance.now(), body });
        res.writeHead(failure.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: failure.code, message: `simulated ${failure.code}` } }));
        return;
      }
      const id = req.method === 'PUT' ? path.split('/').pop()! : randomUUID();
      connector!.activities.push({ id, method: req.method ?? '', path, receivedMs: performance.now(), authorization: req.headers.authorization, body });
      for (const listener of connector!.listeners) listener();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    connector = new FakeConnector(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return connector;
  }

  /** Calls `listener` after each activity is recorded; returns the function that stops it. */
  onActivity(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** New messages (not updates) posted to a conversation, with their cards. */
  postsTo(conversationId: string): SentActivity[] {
    return this.activities.filter((a) => a.method === 'POST' && a.path.startsWith(`/v3/conversations/${conversationId}/activities`));
  }

  /** The cards a message was replaced with (updateActivity), oldest first. */
  updatesOf(activityId: string): Card[] {
    return this.activities
      .filter((a) => a.method === 'PUT' && a.id === activityId)
      .map((a) => a.body.attachments?.[0]?.content)
      .filter((card): card is Card => Boolean(card));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface TestUser {
  id: string;
  aadObjectId: string;
  name: string;
}

/** The Agents Playground's mock users, as seeded in the simulator's directory. */
const user = (key: keyof typeof DEMO_USERS): TestUser => ({ id: DEMO_USERS[key].teamsId, aadObjectId: DEMO_USERS[key].aadObjectId, name: DEMO_USERS[key].name });
/** Approver (and so operator). */
export const ALEX = user('alex');
/** Approver. */
export const MEGAN = user('megan');
/** Approver through the Security Team group nested in the approvers group. */
export const ADELE = user('adele');
/** Operator only: may request, may not approve. */
export const ISAIAH = user('isaiah');
/** Neither operator nor approver. */
export const PATTI = user('patti');

export interface HarnessOptions {
  simulator?: SimulatorOptions;
  /** Extra environment for loadConfig, e.g. GRAPH_RETRY_BUDGET_MS. */
  env?: Record<string, string>;
  configure?: (config: Config) => Config;
  /** The bot's clock (the simulator keeps real time). */
  now?: () => Date;
  /** Poll seconds for the mirror's freshness rule; the test still runs every cycle itself. */
  mirrorPollSeconds?: number;
}

/** What a conversation talks to: a bot endpoint, the connector it replies through, its tenant. */
export interface ChatTarget {
  readonly botUrl: string;
  readonly connector: FakeConnector;
  readonly tenantId: string;
}

/** One running bot + simulator + fake connector, with its own state directory. */
export class BotHarness implements ChatTarget {
  private constructor(
    public product: Product,
    readonly simulator: GraphSimulator,
    readonly connector: FakeConnector,
    readonly logs: ReturnType<typeof memoryLogger>,
    private config: Config,
    private readonly options: HarnessOptions,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<BotHarness> {
    const simulator = await startGraphSimulator(options.simulator);
    const connector = await FakeConnector.start();
    const logs = memoryLogger();
    const base = loadConfig({
      PORT: '0',
      DEMO_PLAYGROUND: 'false',
      GRAPH_TIMEOUT_MS: '2000',
      GRAPH_RETRY_BUDGET_MS: '3000',
      GRAPH_CA_MIN_INTERVAL_MS: '0',
      // Tests run poll cycles themselves (product.poller.runCycle()).
      ALERT_POLL_SECONDS: String(options.mirrorPollSeconds ?? 0),
      STATE_DIR: mkdtempSync(join(tmpdir(), 'bot-state-')),
      ...options.env,
    });
    const config = options.configure ? options.configure(base) : base;
    const product = await startProduct(config, logs, { simulator, now: options.now, pollTimer: false });
    return new BotHarness(product, simulator, connector, logs, config, options);
  }

  /** Stops the bot process state and starts it again on the same state directory and tenant, optionally with a changed configuration. */
  async restart(reconfigure?: (config: Config) => Config): Promise<void> {
    await this.product.stop();
    if (reconfigure) this.config = reconfigure(this.config);
    this.product = await startProduct(this.config, this.logs, { simulator: this.simulator, now: this.options.now, pollTimer: false });
  }

  /** Waits for approved changes that run after their invoke was answered. */
  idle(): Promise<void> {
    return this.product.runner.idle();
  }

  get stateDir(): string {
    return this.config.stateDir;
  }

  get botUrl(): string {
    return this.product.bot.url;
  }

  get tenantId(): string {
    return this.simulator.tenantId;
  }

  async stop(): Promise<void> {
    await this.product.stop();
    await this.connector.close();
    await this.simulator.close();
    rmSync(this.config.stateDir, { recursive: true, force: true });
  }

  /** A conversation of the given Teams type, between one user and the bot. */
  conversation(type: 'personal' | 'groupChat' | 'channel' = 'personal', user: TestUser = ALEX): Conversation {
    return new Conversation(this, type, user);
  }
}

export interface Reply {
  /** The id the fake connector gave the message (what Teams puts in replyToId). */
  id?: string;
  text?: string;
  card?: Card;
  entities?: unknown[];
}

export class Conversation {
  readonly id: string;
  tenantId: string;

  constructor(private readonly harness: ChatTarget, readonly type: 'personal' | 'groupChat' | 'channel', readonly user: TestUser, id?: string) {
    this.id = id ?? (type === 'channel' ? `19:${randomUUID()}@thread.tacv2` : type === 'groupChat' ? `19:${randomUUID()}@thread.v2` : `a:${randomUUID()}`);
    this.tenantId = harness.tenantId;
  }

  /** The same conversation, with another member speaking. */
  as(user: TestUser): Conversation {
    return new Conversation(this.harness, this.type, user, this.id);
  }

  /** The same conversation, reaching another bot instance. */
  via(target: ChatTarget): Conversation {
    return new Conversation(target, this.type, this.user, this.id);
  }

  private activity(extra: Record<string, unknown>): Record<string, unknown> {
    return {
      id: randomUUID(),
      channelId: 'msteams',
      serviceUrl: this.harness.connector.url,
      timestamp: new Date().toISOString(),
      from: { id: this.user.id, name: this.user.name, aadObjectId: this.user.aadObjectId },
      recipient: { id: '28:bot', name: 'Recycle Bin' },
      conversation: { id: this.id, conversationType: this.type, tenantId: this.tenantId, isGroup: this.type !== 'personal' },
      channelData: {
        tenant: { id: this.tenantId },
        ...(this.type === 'channel' ? { team: { id: '19:team@thread.tacv2' }, channel: { id: this.id } } : {}),
      },
      ...extra,
    };
  }

  /** Sends a message (in a channel, as an @mention) and returns the bot's replies. */
  async say(text: string): Promise<Reply[]> {
    const mention = this.type === 'personal' ? {} : {
      entities: [{ type: 'mention', text: '<at>Recycle Bin</at>', mentioned: { id: '28:bot', name: 'Recycle Bin' } }],
    };
    const body = this.activity({ type: 'message', text: this.type === 'personal' ? text : `<at>Recycle Bin</at> ${text}`, ...mention });
    return this.post(body).then((r) => r.replies);
  }

  /** Clicks an Action.Execute button (found by title) and returns the invoke answer and any new messages. */
  async click(card: Card, title: string, inputs: Record<string, unknown> = {}, replyToId?: string): Promise<{ status: number; response: any; replies: Reply[] }> {
    const action = findAction(card, title);
    if (!action) throw new Error(`no button "${title}" on the card; buttons: ${listActions(card).map((a) => a.title).join(', ')}`);
    return this.invoke(action.verb ?? '', { ...(action.data ?? {}), ...inputs }, replyToId);
  }

  async invoke(verb: string, data: Record<string, unknown>, replyToId?: string): Promise<{ status: number; response: any; replies: Reply[] }> {
    const body = this.activity({
      type: 'invoke',
      name: 'adaptiveCard/action',
      // Teams always says which message the card is on.
      replyToId: replyToId ?? 'card-message-id',
      value: { action: { type: 'Action.Execute', verb, data } },
    });
    return this.post(body);
  }

  /** A message activity as Teams would send it, for tests that post it themselves. */
  message(text: string): Record<string, unknown> {
    return this.activity({ type: 'message', text });
  }

  /** Teams telling the bot it was added to (or removed from) this conversation. */
  installationUpdate(action: 'add' | 'remove'): Promise<{ status: number; response: any; replies: Reply[] }> {
    return this.post(this.activity({ type: 'installationUpdate', action }));
  }

  /** Raw POST of an activity (or of a raw body), for malformed-input and auth tests; replies are the messages this conversation got meanwhile. */
  async post(activity: Record<string, unknown> | string, headers: Record<string, string> = {}): Promise<{ status: number; response: any; replies: Reply[] }> {
    const before = this.harness.connector.activities.length;
    const res = await fetch(`${this.harness.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof activity === 'string' ? activity : JSON.stringify(activity),
    });
    const text = await res.text();
    const replies = this.harness.connector.activities
      .slice(before)
      .filter((a) => a.method === 'POST' && a.body.type === 'message' && a.path.startsWith(`/v3/conversations/${this.id}/`))
      .map((a) => toReply(a));
    return { status: res.status, response: text ? JSON.parse(text) : undefined, replies };
  }
}

function toReply(activity: SentActivity): Reply {
  const { body } = activity;
  const card = body.attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
  return { id: activity.id, text: body.text, card, entities: body.entities as unknown[] | undefined };
}

/** Every Action.* on a card, in body ActionSets and in the card's actions. */
export function listActions(card: Card): { type: string; title: string; verb?: string; data?: Record<string, unknown> }[] {
  const found: any[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (typeof obj.type === 'string' && obj.type.startsWith('Action.')) found.push(obj);
    for (const value of Object.values(obj)) walk(value);
  };
  walk(card);
  return found;
}

function findAction(card: Card, title: string) {
  return listActions(card).find((a) => a.title === title);
}

/** All text a person would read on the card (TextBlocks and facts), one string. */
export function cardText(card: Card | undefined): string {
  if (!card) return '';
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (obj.type === 'TextBlock' && typeof obj.text === 'string') parts.push(obj.text);
    if (typeof obj.title === 'string' && typeof obj.value === 'string') parts.push(`${obj.title}: ${obj.value}`);
    for (const [key, value] of Object.entries(obj)) if (key !== 'actions') walk(value);
  };
  walk(card);
  return parts.join('\n');
}

/** The one card among the replies, with the message id Teams would give it. */
export function cardReply(replies: Reply[]): { card: Card; id: string } {
  const withCard = replies.filter((r) => r.card);
  assert.equal(withCard.length, 1, `expected one card, got: ${JSON.stringify(replies.map((r) => r.text ?? 'card'))}`);
  return { card: withCard[0].card!, id: withCard[0].id! };
}

/** The request id an approval card names ("Restore request R-…", "Partner change request R-…"). */
export function requestIdOf(card: Card): string {
  return /request (R-[2-9A-Z]{7})/.exec(cardText(card))?.[1] ?? assert.fail(`the card names no request: ${cardText(card).slice(0, 200)}`);
}

/** Graph requests since `since` that change something (checkMemberGroups is a read sent as POST). */
export function graphWrites(simulator: GraphSimulator, since = 0) {
  return simulator.requests.slice(since).filter((r) => r.method !== 'GET' && !r.path.endsWith('/checkMemberGroups'));
}
