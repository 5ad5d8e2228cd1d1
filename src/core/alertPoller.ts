import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { ETagConflictError, type StateStore, type StoredRecord } from '../store/port';
import type { Actor } from './access';
import { auditServicesFor, deletersOf, diffSnapshots, type AlertItem, type ItemKey, type Snapshot } from './alerts';
import { KINDS, itemKey, kindById } from './kinds';
import { RETENTION_DAYS, type GraphObject, type ItemRef, type KindId } from './model';
import { compareAndSet } from './compareAndSet';
import type { RecycleBin, RecycleBinWriter } from './recycleBin';
import { AUDIT_REFUSED, MirrorCache, mirrorFrom, NOT_IN_AUDIT_LOG, type RecycleBinMirror } from './mirror';
import type { ChangeEvent, ChangeHistory, HistoryCycle } from './history';
import type { TrackedKindId } from './trackedKinds';

/**
 * The deletion poller. One cycle: list every kind once, diff against the last cycle,
 * write the new snapshot together with the alerts it implies (one per subscribed
 * conversation) in a single compare-and-set, then deliver. Because detection and the
 * outbox are stored together, a restart neither loses an alert nor detects it twice.
 */

/** Port: directory audit records (src/graph implements it). */
export interface AuditSource {
  directoryAudits(service: string, since: Date): Promise<GraphObject[]>;
}

/** Port: deletions the bot made itself, carrying out an approved request (ChangeRequests implements it). */
export interface OwnDeletions {
  /** Words naming the approved request that deleted this item, when the bot did. */
  deletedBy(item: ItemKey & { deletedAt: string }): Promise<string | undefined>;
}

export type Delivery = { ok: true; activityId?: string } | { ok: false; gone: boolean; reason: string };

/** Port: posting and updating alert cards in Teams (src/bot implements it). */
export interface AlertNotifier {
  send(reference: unknown, alert: AlertCard): Promise<Delivery>;
  update(reference: unknown, activityId: string, alert: AlertCard): Promise<Delivery>;
}

export interface Subscription {
  conversationKey: string;
  reference: unknown;
  kinds: KindId[];
  subscribedAt: string;
  subscribedBy: Actor;
  enabled: boolean;
  disabledReason?: string;
  /** `alerts on changes`: changed, new and switched-off objects are alerted too, of these kinds. */
  changeKinds?: TrackedKindId[];
}

export interface AlertCard {
  id: string;
  conversationKey: string;
  /** Set just before Teams is called; a stored card with this and no sentAt may or may not have been shown. */
  sendStartedAt?: string;
  /** When Teams accepted it, and the message it became. */
  sentAt?: string;
  activityId?: string;
  /** Sent again after a crash during the first send: Teams may already show this alert. */
  possibleRepeat?: boolean;
  items: AlertItem[];
  /** A change alert: what changed (items is then empty). */
  changes?: ChangeEvent[];
  createdAt: string;
}

interface PendingAudit extends ItemKey {
  deletedAt: string;
}

export interface PollerState {
  baselineAt?: string;
  lastCycleAt?: string;
  lastError?: string;
  /** False once Graph refused the audit log (no AuditLog.Read.All). */
  auditAvailable: boolean;
  seen: Snapshot;
  pendingAudit: PendingAudit[];
  /** Who deleted each item in the recycle bin, by kind/key, once the audit log answered. */
  deletedBy?: Record<string, string>;
  outbox: AlertCard[];
}

export interface CycleReport {
  baseline: boolean;
  appeared: number;
  sent: number;
  updated: number;
  /** Live objects that changed this cycle (when history is kept). */
  changed?: number;
  /** Versions stored this cycle. */
  versions?: number;
}

const STATE_KEY = 'alerts/state';
const SUBSCRIPTIONS = 'alerts/subscriptions/';
const INSTALLS = 'alerts/installs/';
const CARDS = 'alerts/cards/';
/** Audit events lag 2-5 minutes (API.md §5); after this long the actor is reported as unknown. */
export const AUDIT_GIVE_UP_MS = 60 * 60 * 1000;
const AUDIT_WINDOW_SLACK_MS = 10 * 60 * 1000;
const DAY_MS = 86_400_000;

const emptyState = (): PollerState => ({ auditAvailable: true, seen: {}, pendingAudit: [], deletedBy: {}, outbox: [] });

type Listing = Partial<Record<KindId, GraphObject[]>>;

export class AlertPoller {
  private running: Promise<CycleReport> | undefined;
  /**
   * The state record as the running cycle last read or wrote it. The record holds every item in
   * the recycle bins, so a cycle reads it once rather than at each step; a write that finds it
   * changed by someone else re-reads (compare-and-set).
   */
  private cycleState: { record?: StoredRecord<PollerState> } | undefined;
  private readonly mirrorCache: MirrorCache;

  constructor(
    private readonly deps: {
      store: StateStore;
      bin: RecycleBin;
      writer: Pick<RecycleBinWriter, 'getLive'>;
      audit: AuditSource;
      /** Versions of live objects, recorded each cycle; changes are alerted where subscribed. */
      history?: ChangeHistory;
      /** The audit log would name the bot's app: the request that made the deletion says more. */
      ownDeletions?: OwnDeletions;
      notifier: AlertNotifier;
      log: (event: string, fields: Record<string, unknown>) => void;
      now?: () => Date;
    },
  ) {
    this.mirrorCache = new MirrorCache(deps.store);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  // ---- subscriptions ------------------------------------------------------------

  async remember(conversationKey: string, reference: unknown): Promise<void> {
    await this.deps.store.put(INSTALLS + conversationKey, { reference, installedAt: this.now().toISOString() });
  }

  async forget(conversationKey: string): Promise<void> {
    await this.deps.store.delete(INSTALLS + conversationKey);
    await this.deps.store.delete(SUBSCRIPTIONS + conversationKey);
  }

  async subscribe(conversationKey: string, reference: unknown, kinds: KindId[], by: Actor, changeKinds?: TrackedKindId[]): Promise<Subscription> {
    const subscription: Subscription = { conversationKey, reference, kinds, subscribedAt: this.now().toISOString(), subscribedBy: by, enabled: true, ...(changeKinds ? { changeKinds } : {}) };
    await this.deps.store.put(SUBSCRIPTIONS + conversationKey, subscription);
    this.deps.log('alerts.subscribed', { conversationKey, kinds, by: by.aadObjectId });
    return subscription;
  }

  async unsubscribe(conversationKey: string): Promise<boolean> {
    return this.deps.store.delete(SUBSCRIPTIONS + conversationKey);
  }

  async subscription(conversationKey: string): Promise<Subscription | undefined> {
    return (await this.deps.store.get<Subscription>(SUBSCRIPTIONS + conversationKey))?.value;
  }

  /** A sent alert card as stored (what "Restore all of these" restores from; never from card data). */
  async alert(id: string): Promise<AlertCard | undefined> {
    return (await this.deps.store.get<AlertCard>(CARDS + id))?.value;
  }

  async state(): Promise<PollerState> {
    if (this.cycleState?.record) return this.cycleState.record.value;
    const record = await this.deps.store.get<PollerState>(STATE_KEY);
    if (this.cycleState) this.cycleState.record = record;
    return record?.value ?? emptyState();
  }

  /** The recycle bins as the last completed cycle saw them (any instance's cycle), if one ran. */
  mirror(): Promise<RecycleBinMirror | undefined> {
    return this.mirrorCache.read();
  }

  /** Items a request just restored leave the mirror's listings before the next cycle confirms it. */
  noteRestored(items: ItemRef[]): Promise<void> {
    return this.mirrorCache.noteRestored(items, this.now());
  }

  // ---- the cycle ----------------------------------------------------------------

  /** Runs one cycle; a cycle already running is joined rather than overlapped. */
  runCycle(): Promise<CycleReport> {
    this.running ??= (async () => {
      this.cycleState = {};
      try {
        return await this.cycle();
      } finally {
        this.cycleState = undefined;
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Resolves when no cycle is running. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async cycle(): Promise<CycleReport> {
    const startedMs = performance.now();
    let sent = await this.deliverOutbox();
    let listing: Listing;
    let snapshot: Snapshot;
    const subscriptions = (await this.deps.store.list<Subscription>(SUBSCRIPTIONS)).map((r) => r.value).filter((s) => s.enabled);
    try {
      listing = await this.listKinds(polledKinds(subscriptions));
      snapshot = this.snapshotOf(listing);
    } catch (error) {
      // Nothing is recorded, so the next cycle sees the same changes: nothing lost, nothing doubled.
      await this.patchState((state) => ({ ...state, lastError: describe(error) }));
      throw error;
    }
    const now = this.now();
    let report: CycleReport = { baseline: false, appeared: 0, sent: 0, updated: 0 };
    let disappeared: ReturnType<typeof diffSnapshots>['disappeared'] = [];
    await this.patchState((state) => {
      // A kind not listed this cycle (no conversation wants it) counts as unchanged.
      snapshot = { ...pickUnlisted(state.seen, listing), ...snapshot };
      const deleters = { pendingAudit: withoutDeleter(state, snapshot), deletedBy: deletersStillListed(state, snapshot) };
      if (!state.baselineAt) {
        report = { baseline: true, appeared: 0, sent: 0, updated: 0 };
        return { ...state, ...deleters, seen: snapshot, baselineAt: now.toISOString(), lastCycleAt: now.toISOString(), lastError: undefined };
      }
      const diff = diffSnapshots(state.seen, snapshot);
      disappeared = diff.disappeared;
      const outbox = [...state.outbox];
      for (const subscription of subscriptions) {
        // Alert only on what was deleted after this conversation subscribed.
        const items = diff.appeared.filter((item) => subscription.kinds.includes(item.kind) && item.deletedAt >= subscription.subscribedAt);
        if (items.length > 0) outbox.push({ id: randomUUID(), conversationKey: subscription.conversationKey, items, createdAt: now.toISOString() });
      }
      report = { baseline: false, appeared: diff.appeared.length, sent: 0, updated: 0 };
      return {
        ...state,
        ...deleters,
        seen: snapshot,
        outbox,
        lastCycleAt: now.toISOString(),
        lastError: undefined,
      };
    });
    // Actors first, so a first card can already say who did it when the audit log knows.
    let updated = await this.resolveActors();
    await this.writeMirror(listing, startedMs);
    const history = await this.recordHistory(subscriptions, now);
    updated += history.updated;
    sent += await this.deliverOutbox();
    updated += await this.resolveDisappeared(disappeared);
    return { ...report, sent, updated, ...(history.cycle ? { changed: history.cycle.changes.length, versions: history.cycle.written } : {}) };
  }

  /**
   * Records this cycle's versions of live objects and queues a change alert per subscribed
   * conversation (one card per conversation per cycle, however many changed). A failure here
   * never stops deletion alerts: it is logged and the next cycle reads again.
   */
  private async recordHistory(subscriptions: Subscription[], now: Date): Promise<{ cycle?: HistoryCycle; updated: number }> {
    if (!this.deps.history) return { updated: 0 };
    let cycle: HistoryCycle;
    try {
      cycle = await this.deps.history.record();
    } catch (error) {
      this.deps.log('history.failed', { error: describe(error) });
      return { updated: 0 };
    }
    if (cycle.changes.length > 0) {
      const idOf = (change: ChangeEvent) => `${change.kind}/${change.key.toLowerCase()}/${change.to}${change.change === 'deleted' ? '/deleted' : ''}`;
      await this.patchState((state) => {
        // A change re-derived after a crash may already wait in the outbox: it is queued once.
        const queued = new Set(state.outbox.flatMap((alert) => (alert.changes ?? []).map((change) => `${alert.conversationKey} ${idOf(change)}`)));
        const cards: AlertCard[] = [];
        for (const subscription of subscriptions) {
          if (!subscription.changeKinds) continue;
          const changes = cycle.changes.filter(
            (change) => subscription.changeKinds!.includes(change.kind) && change.at >= subscription.subscribedAt && !queued.has(`${subscription.conversationKey} ${idOf(change)}`),
          );
          if (changes.length > 0) cards.push({ id: randomUUID(), conversationKey: subscription.conversationKey, items: [], changes, createdAt: now.toISOString() });
        }
        return cards.length > 0 ? { ...state, outbox: [...state.outbox, ...cards] } : state;
      });
      // Only now, with the cards stored: a crash before this leaves the versions pending, and the next cycle queues them.
      await this.deps.history.alertsQueued(cycle.changes);
    }
    return { cycle, updated: cycle.actorsFound.length > 0 ? await this.updateChangeActors(cycle.actorsFound) : 0 };
  }

  /** Names who made changes already alerted without one: in queued cards and in sent ones. */
  private async updateChangeActors(found: HistoryCycle['actorsFound']): Promise<number> {
    const actorOf = (change: ChangeEvent) => found.find((f) => f.kind === change.kind && f.key.toLowerCase() === change.key.toLowerCase() && f.n === change.to)?.actor;
    const withActors = (changes: ChangeEvent[]) => changes.map((change) => (change.actor ? change : { ...change, actor: actorOf(change) }));
    await this.patchState((s) => ({ ...s, outbox: s.outbox.map((alert) => (alert.changes ? { ...alert, changes: withActors(alert.changes) } : alert)) }));
    let updated = 0;
    for (const { value: card, etag } of await this.deps.store.list<AlertCard>(CARDS)) {
      if (!card.changes?.some((change) => !change.actor && actorOf(change))) continue;
      const next = { ...card, changes: withActors(card.changes) };
      // Once every change names its author the card will not change again: forget it.
      if (await this.rewriteCard(card, etag, next, next.changes.every((change) => change.actor))) updated++;
    }
    return updated;
  }

  private async listKinds(kinds: KindId[]): Promise<Listing> {
    const listing: Listing = {};
    await Promise.all(kinds.map(async (kind) => (listing[kind] = await this.deps.bin.listDeleted(kind))));
    return listing;
  }

  private snapshotOf(listing: Listing): Snapshot {
    const snapshot: Snapshot = {};
    const now = this.now();
    for (const kind of KINDS.filter((k) => listing[k.id] !== undefined)) {
      const items: Record<string, { name: string; deletedAt: string }> = {};
      for (const raw of listing[kind.id] ?? []) {
        const key = itemKey(kind, raw);
        if (key) items[key] = { name: kind.displayName(raw), deletedAt: typeof raw.deletedDateTime === 'string' ? raw.deletedDateTime : now.toISOString() };
      }
      snapshot[kind.id] = items;
    }
    return snapshot;
  }

  /** The listing this cycle made, with the deleters known so far, for every instance to browse. */
  private async writeMirror(listing: Listing, startedMs: number): Promise<void> {
    const { deletedBy = {} } = await this.state();
    const mirror = mirrorFrom(listing, (kind, key) => deletedBy[keyOf({ kind, key })], this.now(), Math.round(performance.now() - startedMs));
    await this.mirrorCache.write(mirror);
  }

  /**
   * Sends stored alerts; each leaves the outbox only once Teams accepted it (or the target is
   * gone). Every send is recorded as started before Teams is called and as done after, so a
   * crash leaves one of three traces: not started (send it), done (only drop it from the
   * outbox), or started without an outcome. Only in that last case, a crash during the call
   * itself, can Teams have shown the card already; it is sent again marked as a possible repeat,
   * because a lost deletion alert is worse than a labelled second copy.
   */
  private async deliverOutbox(): Promise<number> {
    const { outbox } = await this.state();
    let sent = 0;
    for (const alert of outbox) {
      const trace = (await this.deps.store.get<AlertCard>(CARDS + alert.id))?.value;
      if (trace?.sentAt) {
        await this.dropFromOutbox(alert.id);
        continue;
      }
      const subscription = await this.subscription(alert.conversationKey);
      let delivery: Delivery = { ok: false, gone: true, reason: 'the conversation unsubscribed' };
      if (subscription?.enabled) {
        const card: AlertCard = trace?.sendStartedAt ? { ...alert, possibleRepeat: true } : alert;
        await this.deps.store.put(CARDS + alert.id, { ...card, sendStartedAt: this.now().toISOString() });
        delivery = await this.deps.notifier.send(subscription.reference, card);
        if (delivery.ok) {
          await this.deps.store.put(CARDS + alert.id, { ...card, activityId: delivery.activityId, sentAt: this.now().toISOString() });
          sent++;
        } else {
          // Teams answered, so it did not show the card: the next attempt is not a repeat.
          await this.deps.store.delete(CARDS + alert.id);
        }
      }
      if (!delivery.ok && !delivery.gone) {
        this.deps.log('alerts.send_failed', { conversationKey: alert.conversationKey, reason: delivery.reason });
        continue;
      }
      if (!delivery.ok && subscription?.enabled) await this.disable(subscription, delivery.reason);
      await this.dropFromOutbox(alert.id);
      // A change card that already names every author will not be updated: its trace can go.
      if (delivery.ok && alert.changes?.every((change) => change.actor)) await this.deps.store.delete(CARDS + alert.id);
    }
    return sent;
  }

  private async dropFromOutbox(alertId: string): Promise<void> {
    await this.patchState((state) => ({ ...state, outbox: state.outbox.filter((a) => a.id !== alertId) }));
  }

  private async disable(subscription: Subscription, reason: string): Promise<void> {
    this.deps.log('alerts.target_disabled', { conversationKey: subscription.conversationKey, reason });
    await this.deps.store.put(SUBSCRIPTIONS + subscription.conversationKey, { ...subscription, enabled: false, disabledReason: reason });
  }

  /**
   * One audit query per service (paged) for everything still waiting for its actor: new
   * deletions, and at the baseline every item already in the recycle bin, so the window then
   * spans the whole retention period.
   */
  private async resolveActors(): Promise<number> {
    const state = await this.state();
    if (state.pendingAudit.length === 0) return 0;
    const now = this.now();
    const actors = new Map<string, string>();
    for (const pending of state.pendingAudit) {
      const request = await this.deps.ownDeletions?.deletedBy(pending);
      if (request) actors.set(keyOf(pending), request);
    }
    let available = state.auditAvailable;
    if (available) {
      try {
        const oldest = Math.min(...state.pendingAudit.map((p) => Date.parse(p.deletedAt) || now.getTime()));
        const since = new Date(Math.max(oldest - AUDIT_WINDOW_SLACK_MS, now.getTime() - RETENTION_DAYS * DAY_MS));
        for (const service of auditServicesFor(state.pendingAudit)) {
          const events = await this.deps.audit.directoryAudits(service, since);
          // Deletions this bot made for an approved request are already named (above).
          const pendingHere = state.pendingAudit.filter((p) => kindById(p.kind).audit.service === service && !actors.has(keyOf(p)));
          for (const [key, actor] of deletersOf(pendingHere, events)) actors.set(key, actor);
        }
      } catch (error) {
        if ((error as { status?: number }).status !== 403) {
          this.deps.log('alerts.audit_failed', { error: describe(error) });
          return 0;
        }
        this.deps.log('alerts.audit_unavailable', { error: describe(error) });
        available = false;
      }
    }
    const giveUp = (p: PendingAudit) => !available || now.getTime() - Date.parse(p.deletedAt) > AUDIT_GIVE_UP_MS;
    const settled = state.pendingAudit.filter((p) => actors.has(keyOf(p)) || giveUp(p));
    if (settled.length === 0) return 0;
    // Sets, not scans: at the baseline every item in the recycle bin settles at once.
    const settledKeys = new Set(settled.map(keyOf));
    const unknown = available ? 'not in the audit log' : 'unknown (the bot cannot read the audit log)';
    const withActor = (item: AlertItem): AlertItem => (settledKeys.has(keyOf(item)) ? { ...item, actor: actors.get(keyOf(item)) ?? unknown } : item);
    const deletedBy = Object.fromEntries(settled.map((p) => [keyOf(p), actors.get(keyOf(p)) ?? (available ? NOT_IN_AUDIT_LOG : AUDIT_REFUSED)]));
    await this.patchState((s) => ({
      ...s,
      auditAvailable: available,
      pendingAudit: s.pendingAudit.filter((p) => !settledKeys.has(keyOf(p))),
      deletedBy: { ...s.deletedBy, ...deletedBy },
      outbox: s.outbox.map((alert) => ({ ...alert, items: alert.items.map(withActor) })),
    }));
    return this.updateCards(settled, withActor);
  }

  /** Items that left the recycle bin: restored, purged early, or expired after 30 days. */
  private async resolveDisappeared(gone: (ItemKey & { deletedAt: string })[]): Promise<number> {
    if (gone.length === 0) return 0;
    const outcomes = new Map<string, AlertItem['outcome']>();
    for (const item of gone) {
      let live: GraphObject | undefined;
      try {
        live = await this.deps.writer.getLive({ kind: item.kind, id: item.key });
      } catch {
        live = undefined;
      }
      const expired = Date.parse(item.deletedAt) + RETENTION_DAYS * DAY_MS <= this.now().getTime();
      outcomes.set(keyOf(item), live ? 'restored' : expired ? 'expired' : 'purged');
    }
    const goneKeys = new Set(gone.map(keyOf));
    await this.patchState((s) => ({ ...s, pendingAudit: s.pendingAudit.filter((p) => !goneKeys.has(keyOf(p))) }));
    return this.updateCards(gone, (item) => ({ ...item, outcome: outcomes.get(keyOf(item)) }));
  }

  /** Rewrites every sent alert card that lists one of these items. */
  private async updateCards(items: ItemKey[], change: (item: AlertItem) => AlertItem): Promise<number> {
    let updated = 0;
    const keys = new Set(items.map(keyOf));
    for (const { value: card, etag } of await this.deps.store.list<AlertCard>(CARDS)) {
      if (!card.items.some((item) => keys.has(keyOf(item)))) continue;
      const next = { ...card, items: card.items.map((item) => (keys.has(keyOf(item)) ? change(item) : item)) };
      // Once every item has left the recycle bin the card will not change again: forget it, so
      // the cards a cycle scans stay the ones that can still change.
      if (await this.rewriteCard(card, etag, next, next.items.every((item) => item.outcome))) updated++;
    }
    return updated;
  }

  /**
   * Stores a sent card's new content (or forgets it when `final`: it will not change again), then
   * updates it where it was posted. False when another instance changed it first or it was not updated.
   */
  private async rewriteCard(card: AlertCard, etag: string, next: AlertCard, final: boolean): Promise<boolean> {
    try {
      if (final) {
        if (!(await this.deps.store.delete(CARDS + card.id, { ifMatch: etag }))) return false;
      } else {
        await this.deps.store.put(CARDS + card.id, next, { ifMatch: etag });
      }
    } catch (error) {
      if (error instanceof ETagConflictError) return false;
      throw error;
    }
    const subscription = await this.subscription(card.conversationKey);
    if (!subscription?.enabled || !card.activityId) return false;
    const delivery = await this.deps.notifier.update(subscription.reference, card.activityId, next);
    if (!delivery.ok && delivery.gone) await this.disable(subscription, delivery.reason);
    return delivery.ok;
  }

  private async patchState(change: (state: PollerState) => PollerState): Promise<void> {
    const result = await compareAndSet<PollerState>(this.deps.store, STATE_KEY, (state) => change(state ?? emptyState()), this.cycleState?.record);
    if (result.status === 'contended') throw new Error('the alert state kept changing under the poller');
    if (this.cycleState) this.cycleState.record = result.status === 'written' ? result.record : result.current;
  }
}

const keyOf = (item: ItemKey) => `${item.kind}/${item.key.toLowerCase()}`;

/**
 * The kinds a cycle lists: the policy kinds always (they feed the mirror every read uses), and a
 * directory kind only while some conversation gets alerts for it, so a tenant that granted no
 * directory permission keeps polling as before.
 */
function polledKinds(subscriptions: Subscription[]): KindId[] {
  const wanted = new Set(subscriptions.flatMap((s) => s.kinds));
  return KINDS.filter((k) => k.family === 'policy' || wanted.has(k.id)).map((k) => k.id);
}

/** What the last cycle saw of the kinds this cycle did not list. */
function pickUnlisted(seen: Snapshot, listing: Listing): Snapshot {
  return Object.fromEntries(Object.entries(seen).filter(([kind]) => listing[kind as KindId] === undefined));
}

/** Pending lookups plus every listed item whose deleter is neither known nor pending (all of them at the baseline). */
function withoutDeleter(state: PollerState, snapshot: Snapshot): PendingAudit[] {
  const known = new Set([...Object.keys(state.deletedBy ?? {}), ...state.pendingAudit.map(keyOf)]);
  const added: PendingAudit[] = [];
  for (const kind of KINDS) {
    for (const [key, item] of Object.entries(snapshot[kind.id] ?? {})) {
      if (!known.has(keyOf({ kind: kind.id, key }))) added.push({ kind: kind.id, key, deletedAt: item.deletedAt });
    }
  }
  added.sort((a, b) => a.deletedAt.localeCompare(b.deletedAt));
  return [...state.pendingAudit, ...added];
}

/** Deleters of items still in the recycle bin; the rest would only grow the state. */
function deletersStillListed(state: PollerState, snapshot: Snapshot): Record<string, string> {
  const listed = new Set(KINDS.flatMap((kind) => Object.keys(snapshot[kind.id] ?? {}).map((key) => keyOf({ kind: kind.id, key }))));
  return Object.fromEntries(Object.entries(state.deletedBy ?? {}).filter(([key]) => listed.has(key)));
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(': ').slice(0, 300);
}
