import { ETagConflictError, type StateStore, type StoredRecord } from '../store/port';
import { actorsOf } from './alerts';
import { DirectoryNames, type DirectoryNameSource } from './directoryNames';
import { RETENTION_DAYS, type GraphObject } from './model';
import { contentHash, describeChange, stateWord, TRACKED_KINDS, trackedKind, type TrackedKindId } from './trackedKinds';

/**
 * Change history of live policy objects. Each poll cycle (on the poll leader only) reads
 * every tracked kind once and keeps a version of each object whose content changed:
 *
 *   history/meta                              when the first cycle ran (its versions are the baseline)
 *   history/index/{kind}/{key}                one per object: name, and per version its hash, when, who
 *   history/versions/{kind}/{key}/{n}         the full object as Graph returned it
 *
 * A cycle lists the index once (then keeps it in memory, each record with its eTag) and writes
 * only objects that changed: a version record and its index record, the index with
 * compare-and-set so two leaders in a lease handover cannot both number the same version.
 */

/** Port: the live objects, one listing per kind (src/graph implements it). A kind that failed is left out. */
export interface LiveSource {
  listLive(): Promise<{ listings: Partial<Record<TrackedKindId, GraphObject[]>>; failures: { kind: TrackedKindId; error: unknown }[] }>;
}

/** Port: audit records (the poller's AuditSource). */
export interface ChangeAuditSource {
  directoryAudits(service: string, since: Date): Promise<GraphObject[]>;
}

/** Port: changes this bot made itself, for an approved request (ChangeRequests implements it). */
export interface OwnChanges {
  /** Words naming the approved request that wrote this object between `since` and `at`, when the bot did. */
  changedBy(item: { kind: TrackedKindId; key: string; name?: string; since?: string; at: string }): Promise<{ requestId: string; words: string } | undefined>;
}

export type ChangeType = 'baseline' | 'added' | 'changed' | 'reappeared';

export interface VersionMeta {
  n: number;
  hash: string;
  /** When a poll cycle first saw this content. */
  seenAt: string;
  change: ChangeType;
  /** Who made the change, per the audit log or this bot's request; undefined while pending. */
  actor?: string;
  /** The approved request of this bot that made it. */
  requestId?: string;
  /**
   * A change to alert, written with the version in the same index record and cleared once the
   * alert is queued (alertsQueued): a crash in between leaves it set, and the next cycle alerts it.
   */
  alertPending?: true;
}

export interface HistoryIndex {
  kind: TrackedKindId;
  key: string;
  name: string;
  versions: VersionMeta[];
  /** Set while the object is not in the live listing (deleted or purged). */
  goneAt?: string;
  /**
   * A kind Entra cannot soft-delete left the listing: its deletion is to be alerted (the deletion
   * alerts never see it). Written with goneAt, cleared once the alert is queued, as alertPending is.
   */
  goneAlertPending?: true;
}

export interface StoredVersion {
  kind: TrackedKindId;
  key: string;
  n: number;
  hash: string;
  seenAt: string;
  object: GraphObject;
}

/** One change a cycle found, in words: what alerts post. */
export interface ChangeEvent {
  kind: TrackedKindId;
  key: string;
  name: string;
  /** deleted: a kind Entra cannot soft-delete left the live listing (only a stored copy can bring it back). */
  change: 'added' | 'changed' | 'state' | 'deleted';
  from?: number;
  to: number;
  at: string;
  actor?: string;
  requestId?: string;
  /** "State: On → Off", "Excluded groups: + Contractors". */
  lines: string[];
}

export interface HistoryCycle {
  baseline: boolean;
  /** Objects whose content changed or that appeared (none at the baseline). */
  changes: ChangeEvent[];
  /** Actors found this cycle for changes reported earlier without one. */
  actorsFound: { kind: TrackedKindId; key: string; n: number; actor: string }[];
  /** Versions written (the storage cost of the cycle). */
  written: number;
  /** Kinds that could not be read this cycle (their objects were left as they were). */
  failed: TrackedKindId[];
}

const META = 'history/meta';
const INDEX = 'history/index/';
const VERSIONS = 'history/versions/';
const DAY_MS = 86_400_000;
/** After this long without an audit record the actor is reported as not in the audit log. */
const ACTOR_GIVE_UP_MS = 60 * 60 * 1000;
const AUDIT_SLACK_MS = 10 * 60 * 1000;
export const NOT_IN_AUDIT_LOG = 'not in the audit log';
/** Who deleted an object without a recycle bin is not looked up: the alert says where to find it. */
export const DELETION_ACTOR = 'see the Conditional Access audit log (the bot does not look up who deleted it)';

export const indexKey = (kind: TrackedKindId, key: string) => `${INDEX}${kind}/${key.toLowerCase()}`;
export const versionKey = (kind: TrackedKindId, key: string, n: number) => `${VERSIONS}${kind}/${key.toLowerCase()}/${String(n).padStart(6, '0')}`;

export class ChangeHistory {
  private cache: Map<string, StoredRecord<HistoryIndex>> | undefined;

  constructor(
    private readonly deps: {
      store: StateStore;
      live: LiveSource;
      audit: ChangeAuditSource;
      names: DirectoryNameSource;
      ownChanges?: OwnChanges;
      retentionDays: number;
      now?: () => Date;
      log?: (event: string, fields: Record<string, unknown>) => void;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  // ---- reading ------------------------------------------------------------------------

  async index(kind: TrackedKindId, key: string): Promise<HistoryIndex | undefined> {
    return (await this.deps.store.get<HistoryIndex>(indexKey(kind, key)))?.value;
  }

  async version(kind: TrackedKindId, key: string, n: number): Promise<StoredVersion | undefined> {
    return (await this.deps.store.get<StoredVersion>(versionKey(kind, key, n)))?.value;
  }

  /** Every object of one kind the bot has history of. */
  async all(kind: TrackedKindId): Promise<HistoryIndex[]> {
    return (await this.deps.store.list<HistoryIndex>(`${INDEX}${kind}/`)).map((r) => r.value);
  }

  /** Objects with history whose key is this id, or whose name is (or contains) this text. */
  async find(idOrName: string): Promise<HistoryIndex[]> {
    const needle = idOrName.trim().toLowerCase();
    const all = (await this.deps.store.list<HistoryIndex>(INDEX)).map((r) => r.value);
    const byKey = all.filter((index) => index.key.toLowerCase() === needle);
    if (byKey.length > 0) return byKey;
    const exact = all.filter((index) => index.name.toLowerCase() === needle);
    return exact.length > 0 ? exact : all.filter((index) => index.name.toLowerCase().includes(needle));
  }

  /** The change from version `from` to version `to` in words (empty when either is gone). */
  async describe(kind: TrackedKindId, key: string, from: number, to: number): Promise<string[] | undefined> {
    const [before, after] = await Promise.all([this.version(kind, key, from), this.version(kind, key, to)]);
    if (!before || !after) return undefined;
    return this.words(kind, before.object, after.object);
  }

  async words(kind: TrackedKindId, before: GraphObject, after: GraphObject): Promise<string[]> {
    return describeChange(trackedKind(kind), before, after, await this.namesFor(kind, before, after));
  }

  /** Names of the users, groups, locations … these objects reference; ids stay ids when the lookup fails. */
  async namesFor(kind: TrackedKindId, ...objects: GraphObject[]): Promise<DirectoryNames> {
    const tracked = trackedKind(kind);
    try {
      return await this.deps.names.directoryNames(objects.flatMap((object) => tracked.directoryReferences(object)));
    } catch {
      return new DirectoryNames();
    }
  }

  // ---- the cycle ----------------------------------------------------------------------

  /** Reads every tracked kind once and stores what changed. Run by the poll leader only. */
  async record(): Promise<HistoryCycle> {
    const now = this.now();
    const nowText = now.toISOString();
    const { listings, failures } = await this.deps.live.listLive();
    for (const { kind, error } of failures) this.deps.log?.('history.read_failed', { kind, error: (error as Error)?.message });
    const meta = (await this.deps.store.get<{ baselineAt: string }>(META))?.value;
    const baseline = !meta;
    const indexes = await this.loadIndex();
    const changes: ChangeEvent[] = [];
    let written = 0;
    const pendingActors: { index: HistoryIndex; meta: VersionMeta; previousAt?: string }[] = [];

    for (const kind of TRACKED_KINDS) {
      const listing = listings[kind.id];
      if (!listing) continue;
      const seen = new Set<string>();
      for (const raw of listing) {
        const key = kind.key(raw);
        if (!key) continue;
        const storeKey = indexKey(kind.id, key);
        seen.add(storeKey);
        const hash = contentHash(kind, raw);
        const record = indexes.get(storeKey);
        const latest = record?.value.versions.at(-1);
        if (latest?.hash === hash) {
          if (record && (record.value.goneAt || record.value.name !== kind.displayName(raw))) await this.writeIndex(storeKey, { ...record.value, name: kind.displayName(raw), goneAt: undefined, goneAlertPending: undefined }, record);
          continue;
        }
        const n = (latest?.n ?? 0) + 1;
        const change: ChangeType = baseline ? 'baseline' : !record ? 'added' : record.value.goneAt ? 'reappeared' : 'changed';
        const own = baseline ? undefined : await this.deps.ownChanges?.changedBy({ kind: kind.id, key, name: kind.displayName(raw), since: latest?.seenAt, at: nowText });
        // A restore is alerted by the deletion alerts; a change of this bot's own is on its request card.
        const alerted = !baseline && !own && change !== 'reappeared';
        const versionMeta: VersionMeta = { n, hash, seenAt: nowText, change, ...(own ? { actor: own.words, requestId: own.requestId } : {}), ...(alerted ? { alertPending: true as const } : {}) };
        const previous = latest ? await this.version(kind.id, key, latest.n) : undefined;
        await this.deps.store.put<StoredVersion>(versionKey(kind.id, key, n), { kind: kind.id, key, n, hash, seenAt: nowText, object: raw });
        written++;
        const next: HistoryIndex = {
          kind: kind.id,
          key,
          name: kind.displayName(raw),
          versions: this.retained([...(record?.value.versions ?? []), versionMeta], now),
        };
        const stored = await this.writeIndex(storeKey, next, record);
        if (!stored) continue;
        await this.dropExpired(kind.id, key, record?.value.versions ?? [], next.versions);
        if (baseline) continue;
        if (!own) pendingActors.push({ index: next, meta: versionMeta, previousAt: latest?.seenAt });
        if (!alerted) continue;
        changes.push(await this.changeEvent(kind.id, key, next.name, previous?.object, raw, latest?.n, versionMeta));
      }
      // Objects no longer listed: deleted (the deletion alerts cover the recycle-bin kinds) or purged.
      // A kind with no recycle bin is gone for good: its deletion is alerted here, with its last version.
      for (const [storeKey, record] of indexes) {
        if (record.value.kind !== kind.id || seen.has(storeKey) || record.value.goneAt) continue;
        const alerted = !kind.binKind && !baseline;
        const stored = await this.writeIndex(storeKey, { ...record.value, goneAt: nowText, ...(alerted ? { goneAlertPending: true as const } : {}) }, record);
        if (stored && alerted) changes.push(this.deletionEvent({ ...record.value, goneAt: nowText }));
      }
    }
    if (baseline) await this.deps.store.put(META, { baselineAt: nowText });
    changes.push(...(await this.unqueuedChanges(changes)));

    const found = await this.resolveActors(pendingActors.map((p) => ({ kind: p.index.kind, key: p.index.key, n: p.meta.n, seenAt: p.meta.seenAt, previousAt: p.previousAt })));
    for (const change of changes) {
      const actor = found.get(`${change.kind}/${change.key.toLowerCase()}/${change.to}`);
      if (actor) change.actor = actor;
    }
    const later = await this.resolveEarlierActors(new Set(pendingActors.map((p) => `${p.index.kind}/${p.index.key.toLowerCase()}/${p.meta.n}`)));
    return { baseline, changes, actorsFound: later, written, failed: failures.map((f) => f.kind) };
  }

  private deletionEvent(index: HistoryIndex): ChangeEvent {
    const last = index.versions.at(-1);
    return { kind: index.kind, key: index.key, name: index.name, change: 'deleted', to: last?.n ?? 0, at: index.goneAt ?? this.now().toISOString(), actor: DELETION_ACTOR, lines: [] };
  }

  private async changeEvent(kind: TrackedKindId, key: string, name: string, before: GraphObject | undefined, after: GraphObject, from: number | undefined, meta: VersionMeta): Promise<ChangeEvent> {
    const lines = before ? await this.words(kind, before, after) : [];
    const change = !before ? 'added' : stateWord(before) !== stateWord(after) ? 'state' : 'changed';
    return { kind, key, name, change, from, to: meta.n, at: meta.seenAt, ...(meta.actor ? { actor: meta.actor } : {}), lines };
  }

  /**
   * Changes stored by an earlier cycle whose alert was never queued (the process stopped between
   * the version write and the queueing): derived again from their stored versions.
   */
  private async unqueuedChanges(thisCycle: ChangeEvent[]): Promise<ChangeEvent[]> {
    const known = new Set(thisCycle.map((c) => `${c.kind}/${c.key.toLowerCase()}/${c.to}${c.change === 'deleted' ? '/deleted' : ''}`));
    const found: ChangeEvent[] = [];
    for (const { value: index } of (await this.loadIndex()).values()) {
      if (index.goneAlertPending && index.goneAt && !known.has(`${index.kind}/${index.key.toLowerCase()}/${index.versions.at(-1)?.n ?? 0}/deleted`)) found.push(this.deletionEvent(index));
      for (const [i, meta] of index.versions.entries()) {
        if (!meta.alertPending || known.has(`${index.kind}/${index.key.toLowerCase()}/${meta.n}`)) continue;
        const after = await this.version(index.kind, index.key, meta.n);
        if (!after) continue;
        const previous = index.versions[i - 1];
        const before = previous ? await this.version(index.kind, index.key, previous.n) : undefined;
        found.push(await this.changeEvent(index.kind, index.key, index.name, before?.object, after.object, previous?.n, meta));
      }
    }
    return found;
  }

  /** The alerts of these changes are queued (or nobody subscribes to them): their versions stop being pending. */
  async alertsQueued(changes: ChangeEvent[]): Promise<void> {
    const byIndex = new Map<string, Set<number>>();
    const deletions = new Set(changes.filter((c) => c.change === 'deleted').map((c) => indexKey(c.kind, c.key)));
    for (const storeKey of deletions) {
      const record = (await this.loadIndex()).get(storeKey);
      if (record?.value.goneAlertPending) await this.writeIndex(storeKey, (({ goneAlertPending: _done, ...rest }) => rest)(record.value), record);
    }
    for (const change of changes) {
      if (change.change === 'deleted') continue;
      const storeKey = indexKey(change.kind, change.key);
      byIndex.set(storeKey, (byIndex.get(storeKey) ?? new Set()).add(change.to));
    }
    const indexes = await this.loadIndex();
    for (const [storeKey, numbers] of byIndex) {
      const record = indexes.get(storeKey);
      if (!record?.value.versions.some((v) => v.alertPending && numbers.has(v.n))) continue;
      const versions = record.value.versions.map((v) => (v.alertPending && numbers.has(v.n) ? (({ alertPending: _done, ...rest }) => rest)(v) : v));
      await this.writeIndex(storeKey, { ...record.value, versions }, record);
    }
  }

  /** The index, from memory after the first cycle; a conflict on write drops it so the next cycle lists again. */
  private async loadIndex(): Promise<Map<string, StoredRecord<HistoryIndex>>> {
    if (!this.cache) {
      this.cache = new Map((await this.deps.store.list<HistoryIndex>(INDEX)).map((record) => [record.key, record]));
    }
    return this.cache;
  }

  private async writeIndex(storeKey: string, value: HistoryIndex, known: StoredRecord<HistoryIndex> | undefined): Promise<boolean> {
    try {
      const etag = await this.deps.store.put(storeKey, value, known ? { ifMatch: known.etag } : { ifNoneMatch: '*' });
      this.cache?.set(storeKey, { key: storeKey, value, etag });
      return true;
    } catch (error) {
      if (!(error instanceof ETagConflictError)) throw error;
      // Another leader wrote it (a lease handover): read everything afresh next cycle.
      this.deps.log?.('history.index_conflict', { key: storeKey });
      this.cache = undefined;
      return false;
    }
  }

  /** Versions within HISTORY_RETENTION_DAYS, and always the latest. */
  private retained(versions: VersionMeta[], now: Date): VersionMeta[] {
    const oldest = now.getTime() - this.deps.retentionDays * DAY_MS;
    return versions.filter((v, i) => i === versions.length - 1 || Date.parse(v.seenAt) >= oldest);
  }

  private async dropExpired(kind: TrackedKindId, key: string, before: VersionMeta[], after: VersionMeta[]): Promise<void> {
    const kept = new Set(after.map((v) => v.n));
    for (const version of before) if (!kept.has(version.n)) await this.deps.store.delete(versionKey(kind, key, version.n));
  }

  /**
   * Who made each change, from `Add …`/`Update …` audit records: one query per service, from
   * the oldest change's previous version on. A change the log does not show yet stays pending
   * and is looked up again next cycle, for an hour.
   */
  private async resolveActors(pending: { kind: TrackedKindId; key: string; n: number; seenAt: string; previousAt?: string }[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (pending.length === 0) return found;
    const now = this.now();
    const oldest = Math.min(...pending.map((p) => Date.parse(p.previousAt ?? p.seenAt) - AUDIT_SLACK_MS));
    const since = new Date(Math.max(oldest, now.getTime() - RETENTION_DAYS * DAY_MS));
    const services = [...new Set(pending.map((p) => trackedKind(p.kind).audit.service))];
    for (const service of services) {
      let events: GraphObject[];
      try {
        events = await this.deps.audit.directoryAudits(service, since);
      } catch (error) {
        this.deps.log?.('history.audit_failed', { service, error: (error as Error)?.message });
        continue;
      }
      const here = pending.filter((p) => trackedKind(p.kind).audit.service === service);
      const actors = actorsOf(
        // Clocks differ (the audit log's and ours), so the window opens a little before the previous version.
        here.map((p) => ({ kind: p.kind, key: p.key, notBefore: p.previousAt && new Date(Date.parse(p.previousAt) - AUDIT_SLACK_MS).toISOString() })),
        events,
        (kind) => trackedKind(kind as TrackedKindId).audit,
      );
      for (const p of here) {
        const actor = actors.get(`${p.kind}/${p.key.toLowerCase()}`);
        if (actor) found.set(`${p.kind}/${p.key.toLowerCase()}/${p.n}`, actor);
      }
    }
    for (const p of pending) {
      const actor = found.get(`${p.kind}/${p.key.toLowerCase()}/${p.n}`);
      if (actor) await this.setActor(p.kind, p.key, p.n, actor);
    }
    return found;
  }

  /** Pending actors of earlier cycles (all but `justAsked`): found now, or given up on after an hour. */
  private async resolveEarlierActors(justAsked: Set<string>): Promise<HistoryCycle['actorsFound']> {
    const indexes = await this.loadIndex();
    const now = this.now().getTime();
    const pending: { kind: TrackedKindId; key: string; n: number; seenAt: string; previousAt?: string }[] = [];
    for (const { value } of indexes.values()) {
      value.versions.forEach((v, i) => {
        if (v.actor || v.change === 'baseline' || justAsked.has(`${value.kind}/${value.key.toLowerCase()}/${v.n}`)) return;
        pending.push({ kind: value.kind, key: value.key, n: v.n, seenAt: v.seenAt, previousAt: value.versions[i - 1]?.seenAt });
      });
    }
    if (pending.length === 0) return [];
    const found = await this.resolveActors(pending);
    const result: HistoryCycle['actorsFound'] = [];
    for (const p of pending) {
      const id = `${p.kind}/${p.key.toLowerCase()}/${p.n}`;
      const actor = found.get(id) ?? (now - Date.parse(p.seenAt) > ACTOR_GIVE_UP_MS ? NOT_IN_AUDIT_LOG : undefined);
      if (!actor) continue;
      if (!found.has(id)) await this.setActor(p.kind, p.key, p.n, actor);
      result.push({ kind: p.kind, key: p.key, n: p.n, actor });
    }
    return result;
  }

  private async setActor(kind: TrackedKindId, key: string, n: number, actor: string): Promise<void> {
    const storeKey = indexKey(kind, key);
    const indexes = await this.loadIndex();
    const record = indexes.get(storeKey);
    if (!record) return;
    await this.writeIndex(storeKey, { ...record.value, versions: record.value.versions.map((v) => (v.n === n ? { ...v, actor } : v)) }, record);
  }
}
