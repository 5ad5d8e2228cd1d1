import type { StateStore } from '../store/port';
import { itemKey, kindById } from './kinds';
import type { GraphObject, KindId } from './model';
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

export const MIRROR_KEY = 'mirror/recycle-bins';

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
  return age >= 0 && age <= Math.max(2 * intervalMs, intervalMs + mirror.cycleMs);
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

/** The mirror seen through the recycle-bin port, so listing, lookup and details read it as they would read Graph. */
export class MirrorBin implements RecycleBin {
  constructor(readonly mirror: RecycleBinMirror) {}

  async listDeleted(kind: KindId): Promise<GraphObject[]> {
    return Object.values(this.mirror.kinds[kind] ?? {}).map((item) => item.raw);
  }

  async getDeleted(kind: KindId, id: string): Promise<GraphObject | undefined> {
    return this.mirror.kinds[kind]?.[id.toLowerCase()]?.raw;
  }

  deletedBy(kind: KindId, id: string): string | undefined {
    return this.mirror.kinds[kind]?.[id.toLowerCase()]?.deletedBy;
  }
}

/**
 * Reads the mirror from the store, keeping the parsed copy briefly: a 10 000-item mirror is
 * megabytes of JSON, too much to parse for every command. The writer refreshes the copy itself.
 */
export class MirrorCache {
  private kept: { mirror: RecycleBinMirror | undefined; readAtMs: number } | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly keepMs = 3000,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async read(): Promise<RecycleBinMirror | undefined> {
    if (this.kept && this.nowMs() - this.kept.readAtMs <= this.keepMs) return this.kept.mirror;
    const mirror = (await this.store.get<RecycleBinMirror>(MIRROR_KEY))?.value;
    this.kept = { mirror, readAtMs: this.nowMs() };
    return mirror;
  }

  async write(mirror: RecycleBinMirror): Promise<void> {
    await this.store.put(MIRROR_KEY, mirror);
    this.kept = { mirror, readAtMs: this.nowMs() };
  }
}
