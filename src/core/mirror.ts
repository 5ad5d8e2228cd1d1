import { createHash } from 'node:crypto';
import type { StateStore } from '../store/port';
import { itemKey, kindById, KINDS } from './kinds';
import type { GraphObject, ItemRef, KindId } from './model';
import { compareAndSet } from './compareAndSet';
import type { DirectoryNames, DirectoryReference } from './directoryNames';
import type { RecycleBin } from './recycleBin';

/**
 * The recycle bins as the last poll cycle saw them, with who deleted each item. Only the
 * poller writes it (on the poll leader, into the shared store); every instance reads it, so
 * browsing costs no Conditional Access request (1 request/s per tenant) while it is current.
 */

export interface MirroredItem {
  raw: GraphObject;
  /** Who deleted it, as the audit log says; undefined while the lookup is still pending. */
  deletedBy?: string;
}

export interface RecycleBinMirror {
  /** When the cycle that wrote it finished listing and looking up deleters. */
  completedAt: string;
  /** How long that cycle took: a slow cycle stretches how long its result counts as current. */
  cycleMs: number;
  /** By kind, then by lower-cased key. */
  kinds: Partial<Record<KindId, Record<string, MirroredItem>>>;
}

const MIRROR_ITEMS_KEY = 'mirror/recycle-bins';
const MIRROR_STAMP_KEY = 'mirror/checked';

/** Shown when the audit log has no deletion record for an item. */
export const NOT_IN_AUDIT_LOG = 'not in the audit log';
/** Shown when Graph refused the audit log. */
export const AUDIT_REFUSED = 'unknown: the bot lacks AuditLog.Read.All';

/**
 * Current while the last cycle completed within two poll intervals, or one interval plus that
 * cycle's own duration when cycles run long. Never current when polling is off.
 */
export function isCurrent(mirror: RecycleBinMirror, pollSeconds: number, now: Date): boolean {
  if (pollSeconds <= 0) return false;
  const intervalMs = pollSeconds * 1000;
  const age = now.getTime() - Date.parse(mirror.completedAt);
  // A negative age is another instance's clock running ahead: still the newest data there is.
  return age <= Math.max(2 * intervalMs, intervalMs + mirror.cycleMs);
}

export function mirrorFrom(raws: Partial<Record<KindId, GraphObject[]>>, deletedBy: (kind: KindId, key: string) => string | undefined, completedAt: Date, cycleMs: number): RecycleBinMirror {
  const kinds: RecycleBinMirror['kinds'] = {};
  for (const [kindId, items] of Object.entries(raws) as [KindId, GraphObject[]][]) {
    const byKey: Record<string, MirroredItem> = {};
    for (const raw of items) {
      const key = itemKey(kindById(kindId), raw);
      if (key) byKey[key.toLowerCase()] = { raw, deletedBy: deletedBy(kindId, key) };
    }
    kinds[kindId] = byKey;
  }
  return { completedAt: completedAt.toISOString(), cycleMs, kinds };
}

/**
 * The mirror seen through the recycle-bin port, so listing, lookup and details read it as they would read Graph.
 * Kinds the poller does not list (directory kinds no conversation gets alerts for) are read from `live`.
 */
export class MirrorBin implements RecycleBin {
  /** `live` answers the directory lookups of details cards (not Conditional Access paths), and the kinds the mirror lacks. */
  constructor(readonly mirror: RecycleBinMirror, private readonly live: RecycleBin) {}

  directoryNames(references: DirectoryReference[]): Promise<DirectoryNames> {
    return this.live.directoryNames(references);
  }

  async listDeleted(kind: KindId): Promise<GraphObject[]> {
    const mirrored = this.mirror.kinds[kind];
    if (!mirrored) return this.live.listDeleted(kind);
    return Object.values(mirrored).map((item) => item.raw);
  }

  async getDeleted(kind: KindId, id: string): Promise<GraphObject | undefined> {
    const mirrored = this.mirror.kinds[kind];
    if (!mirrored) return this.live.getDeleted(kind, id);
    return mirrored[id.toLowerCase()]?.raw;
  }

  /** From the mirrored directory kinds; the live directory when the mirror does not hold every directory kind. */
  async getDeletedDirectoryObject(id: string): Promise<{ kind: KindId; raw: GraphObject } | undefined> {
    const directoryKinds = KINDS.filter((k) => k.family === 'directory').map((k) => k.id);
    for (const kind of directoryKinds) {
      const mirrored = this.mirror.kinds[kind]?.[id.toLowerCase()];
      if (mirrored) return { kind, raw: mirrored.raw };
    }
    return directoryKinds.every((kind) => this.mirror.kinds[kind]) ? undefined : this.live.getDeletedDirectoryObject(id);
  }

  deletedBy(kind: KindId, id: string): string | undefined {
    return this.mirror.kinds[kind]?.[id.toLowerCase()]?.deletedBy;
  }
}

/**
 * Stores the mirror as two records: the items, rewritten only when they change, and a small
 * stamp written every cycle that says when the items were last confirmed and which version they
 * are. A 10 000-item mirror is megabytes of JSON: readers fetch the stamp for each read and the
 * items only when their version moved, and an unchanged cycle writes only the stamp.
 */
export class MirrorCache {
  private kept: { version: string; kinds: RecycleBinMirror['kinds'] } | undefined;

  constructor(private readonly store: StateStore) {}

  async read(): Promise<RecycleBinMirror | undefined> {
    const stamp = (await this.store.get<MirrorStamp>(MIRROR_STAMP_KEY))?.value;
    if (!stamp) return undefined;
    if (this.kept?.version !== stamp.version) {
      const items = (await this.store.get<MirrorItems>(MIRROR_ITEMS_KEY))?.value;
      // The items are written before their stamp, so a version ahead of the items is never seen; an older one is a stamp mid-update.
      if (!items || items.version !== stamp.version) return undefined;
      this.kept = items;
    }
    const mirror = { completedAt: stamp.completedAt, cycleMs: stamp.cycleMs, kinds: this.kept.kinds };
    return withoutRestored(mirror, (await this.store.get<RestoredLog>(RESTORED_KEY))?.value);
  }

  /**
   * Items this bot restored: hidden from any mirror whose cycle started before the restore, so a
   * list read right after a restore does not offer it again. Written by whichever instance ran the
   * restore; the mirror itself stays the poll leader's.
   */
  async noteRestored(items: ItemRef[], at: Date): Promise<void> {
    if (items.length === 0) return;
    const cutoff = at.getTime() - RESTORED_KEPT_MS;
    await compareAndSet<RestoredLog>(this.store, RESTORED_KEY, (current) => ({
      entries: [
        ...(current?.entries ?? []).filter((entry) => Date.parse(entry.at) >= cutoff),
        ...items.map((item) => ({ kind: item.kind, key: item.id.toLowerCase(), at: at.toISOString() })),
      ].slice(-MAX_RESTORED_KEPT),
    }));
  }

  async write(mirror: RecycleBinMirror): Promise<void> {
    const version = createHash('sha256').update(JSON.stringify(mirror.kinds)).digest('base64url');
    if (this.kept?.version !== version) {
      await this.store.put<MirrorItems>(MIRROR_ITEMS_KEY, { version, kinds: mirror.kinds });
      this.kept = { version, kinds: mirror.kinds };
    }
    await this.store.put<MirrorStamp>(MIRROR_STAMP_KEY, { version, completedAt: mirror.completedAt, cycleMs: mirror.cycleMs });
  }
}

const RESTORED_KEY = 'mirror/restored';
/** Long enough for any cycle to have seen the restore; the log stays small. */
const RESTORED_KEPT_MS = 60 * 60 * 1000;
const MAX_RESTORED_KEPT = 500;

interface RestoredLog {
  entries: { kind: KindId; key: string; at: string }[];
}

function withoutRestored(mirror: RecycleBinMirror, log: RestoredLog | undefined): RecycleBinMirror {
  const cycleStartedMs = Date.parse(mirror.completedAt) - mirror.cycleMs;
  const hidden = (log?.entries ?? []).filter((entry) => Date.parse(entry.at) >= cycleStartedMs && mirror.kinds[entry.kind]?.[entry.key]);
  if (hidden.length === 0) return mirror;
  const kinds = { ...mirror.kinds };
  for (const { kind, key } of hidden) {
    const { [key]: _restored, ...rest } = kinds[kind] ?? {};
    kinds[kind] = rest;
  }
  return { ...mirror, kinds };
}

interface MirrorItems {
  version: string;
  kinds: RecycleBinMirror['kinds'];
}

interface MirrorStamp {
  version: string;
  completedAt: string;
  cycleMs: number;
}
