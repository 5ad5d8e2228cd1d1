import { KINDS, itemKey, kindById, type ResourceKind } from './kinds';
import { DirectoryNames, type DirectoryNameSource } from './directoryNames';
import { daysLeft, type DeletedItem, type DetailSection, type GraphObject, type ItemRef, type KindId } from './model';

/** The port through which the domain reads the recycle bins, and names what their items reference; src/graph implements it. */
export interface RecycleBin extends DirectoryNameSource {
  listDeleted(kind: KindId): Promise<GraphObject[]>;
  /** Undefined when no deleted item of that kind has the id. */
  getDeleted(kind: KindId, id: string): Promise<GraphObject | undefined>;
  /**
   * The deleted directory object with this id, whatever its kind: one read of the directory
   * recycle bin, which answers with the object's type. Undefined when it holds no such object,
   * or one of a type the registry has no kind for.
   */
  getDeletedDirectoryObject(id: string): Promise<{ kind: KindId; raw: GraphObject } | undefined>;
}

/** One item's answer inside a batch of restores. */
export type BatchRestoreResult =
  | { ref: ItemRef; ok: true; requestId?: string }
  | { ref: ItemRef; ok: false; status: number; code?: string; message: string; requestId?: string };

/** At most this many restores go in one batch (Graph's $batch limit). */
export const MAX_RESTORES_PER_BATCH = 20;

/** Port: the writes a restore needs, and the live object it checks them against (src/graph implements it). */
export interface RecycleBinWriter {
  /** `newUserPrincipalName` (users only): the UPN the user comes back under when its own is taken. */
  restore(ref: ItemRef, options?: { newUserPrincipalName?: string }): Promise<{ item: GraphObject; requestId?: string }>;
  /**
   * Restores up to MAX_RESTORES_PER_BATCH items of kinds that allow it (kind.batchRestore) in one
   * call, answering per item. Throws only when the batch as a whole got no answer.
   */
  restoreBatch(refs: ItemRef[]): Promise<BatchRestoreResult[]>;
  setReportOnly(policyId: string): Promise<{ requestId?: string }>;
  /** The live object, or undefined when it does not exist. */
  getLive(ref: ItemRef): Promise<GraphObject | undefined>;
}

export interface KindFailure {
  /** Absent for the one read of the directory recycle bin that looks for every directory kind at once. */
  kind?: KindId;
  error: unknown;
}

export interface DeletedListing {
  items: DeletedItem[];
  /** Kinds that could not be listed; the others are still shown. */
  failures: KindFailure[];
}

export const PAGE_SIZE = 10;

export function toDeletedItem(kind: ResourceKind, raw: GraphObject, now: Date): DeletedItem {
  const deletedAt = new Date(typeof raw.deletedDateTime === 'string' ? raw.deletedDateTime : 0);
  return {
    kind: kind.id,
    id: itemKey(kind, raw),
    name: kind.displayName(raw),
    deletedAt,
    daysLeft: daysLeft(deletedAt, now),
    raw,
  };
}

/** Deleted items of the given kinds, newest deletion first, filtered by free text. */
export async function listDeleted(bin: RecycleBin, kinds: KindId[], search: string, now: Date): Promise<DeletedListing> {
  const results = await Promise.allSettled(kinds.map((id) => bin.listDeleted(id)));
  const items: DeletedItem[] = [];
  const failures: KindFailure[] = [];
  results.forEach((result, index) => {
    const kind = kindById(kinds[index]);
    if (result.status === 'rejected') failures.push({ kind: kind.id, error: result.reason });
    else for (const raw of result.value) items.push(toDeletedItem(kind, raw, now));
  });
  const needle = search.trim().toLowerCase();
  const matching = needle ? items.filter((item) => matchesSearch(item, needle)) : items;
  matching.sort((a, b) => b.deletedAt.getTime() - a.deletedAt.getTime() || a.name.localeCompare(b.name));
  return { items: matching, failures };
}

/**
 * Listings kept briefly so that Next / Previous on a list card page through the listing
 * the card was built from, instead of listing every kind from Graph again for each page
 * (⌈n/100⌉ Graph calls per kind per click, each Conditional Access one paced at 1/s).
 * A miss (expired, evicted, another instance) simply lists again.
 */
export class ListingSnapshots {
  private readonly entries = new Map<string, { listing: DeletedListing; takenAt: number }>();

  constructor(
    private readonly ttlMs = 2 * 60_000,
    private readonly maxEntries = 20,
    private readonly nowMs: () => number = Date.now,
  ) {}

  get(key: string): DeletedListing | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.nowMs() - entry.takenAt <= this.ttlMs) return entry.listing;
    this.entries.delete(key);
    return undefined;
  }

  /** Only complete listings are kept: after a failure the next page asks Graph again. */
  put(key: string, listing: DeletedListing): void {
    if (listing.failures.length > 0) return;
    this.entries.delete(key);
    // A list card shows names, kinds and dates only; without the raw objects a 10 000-item listing stays small.
    this.entries.set(key, { listing: { items: listing.items.map((item) => ({ ...item, raw: {} })), failures: [] }, takenAt: this.nowMs() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

function matchesSearch(item: DeletedItem, needle: string): boolean {
  return [item.name, item.id, kindById(item.kind).label].some((field) => field.toLowerCase().includes(needle));
}

export interface Page<T> {
  rows: T[];
  index: number;
  /** How many items come before this page's first row. */
  offset: number;
  count: number;
  total: number;
}

export function pageOf<T>(items: T[], requested: number, size = PAGE_SIZE): Page<T> {
  const count = Math.max(1, Math.ceil(items.length / size));
  const index = Math.min(Math.max(0, Math.floor(requested) || 0), count - 1);
  return { rows: items.slice(index * size, (index + 1) * size), index, offset: index * size, count, total: items.length };
}

export type Lookup =
  /** `lookups`: how many reads were made, so that a caller can tell "every read failed" from "not found". */
  | { found: 'none'; failures: KindFailure[]; lookups: number }
  | { found: 'one'; item: DeletedItem }
  | { found: 'several'; items: DeletedItem[] };

/**
 * Finds a deleted item by id. Partners and their sync policies share the tenant id,
 * so without a kind the same id can match more than one item. Without a kind, each policy
 * kind is read (their recycle bins are separate collections, usually served by the mirror),
 * then, only when none holds the id, the directory recycle bin once: its answer names the
 * object's type, so five directory kinds cost one read, not five, and a policy id none.
 */
export async function findDeleted(bin: RecycleBin, id: string, kind: KindId | undefined, now: Date): Promise<Lookup> {
  if (kind) return findAmong(bin, id, [kindById(kind)], now, false);
  return findAmong(bin, id, KINDS.filter((k) => k.family === 'policy'), now, true);
}

async function findAmong(bin: RecycleBin, id: string, candidates: ResourceKind[], now: Date, directory: boolean): Promise<Lookup> {
  const results = await Promise.allSettled(candidates.map((k) => bin.getDeleted(k.id, id)));
  const items: DeletedItem[] = [];
  const failures: KindFailure[] = [];
  results.forEach((result, index) => {
    const k = candidates[index];
    if (result.status === 'rejected') failures.push({ kind: k.id, error: result.reason });
    else if (result.value) items.push(toDeletedItem(k, result.value, now));
  });
  const askDirectory = directory && items.length === 0;
  if (askDirectory) {
    try {
      const inDirectory = await bin.getDeletedDirectoryObject(id);
      if (inDirectory) items.push(toDeletedItem(kindById(inDirectory.kind), inDirectory.raw, now));
    } catch (error) {
      failures.push({ error });
    }
  }
  if (items.length === 1) return { found: 'one', item: items[0] };
  if (items.length > 1) return { found: 'several', items };
  return { found: 'none', failures, lookups: candidates.length + (askDirectory ? 1 : 0) };
}

export interface ReferenceStatus extends ItemRef {
  /** Days left when the referenced item is itself in the recycle bin. */
  deleted: { name: string; daysLeft: number } | undefined;
  /** The name of a referenced item that is not in the recycle bin, when the details lookup found it (live named locations). */
  name?: string;
}

export interface ItemDetails {
  item: DeletedItem;
  sections: DetailSection[];
  references: ReferenceStatus[];
  /** References whose state could not be read. */
  failures: KindFailure[];
  /** Deleted items of the kind's companion kind that belong with it (an app's service principal), restored separately. */
  companions?: DeletedItem[];
}

/**
 * Everything the details card says about one item, including its dependencies' state and
 * the names of the directory objects it references (a failed lookup leaves ids, never an error).
 */
export async function describe(bin: RecycleBin, item: DeletedItem, now: Date): Promise<ItemDetails> {
  const kind = kindById(item.kind);
  const refs = kind.references(item.raw);
  const directoryReferences = kind.directoryReferences(item.raw);
  const [results, names] = await Promise.all([
    Promise.allSettled(refs.map((ref) => bin.getDeleted(ref.kind, ref.id))),
    directoryReferences.length > 0 ? bin.directoryNames(directoryReferences).catch(() => new DirectoryNames()) : new DirectoryNames(),
  ]);
  const references: ReferenceStatus[] = [];
  const failures: KindFailure[] = [];
  results.forEach((result, index) => {
    const ref = refs[index];
    if (result.status === 'rejected') {
      failures.push({ kind: ref.kind, error: result.reason });
      return;
    }
    const deleted = result.value ? toDeletedItem(kindById(ref.kind), result.value, now) : undefined;
    // A referenced location in the recycle bin is named from there: it is not gone yet.
    if (deleted && ref.kind === 'locations') names.set('location', ref.id, { name: `${deleted.name} (deleted, restorable)` });
    const live = !deleted && ref.kind === 'locations' ? names.nameOf('location', ref.id) : undefined;
    references.push({ ...ref, deleted: deleted && { name: deleted.name, daysLeft: deleted.daysLeft }, ...(live ? { name: live } : {}) });
  });
  return { item, sections: kind.summarise(item.raw, names), references, failures, companions: await companionsOf(bin, item, now, failures) };
}

/** Deleted items of the kind's companion kind with the same value of the matched property (an app and its service principal). */
async function companionsOf(bin: RecycleBin, item: DeletedItem, now: Date, failures: KindFailure[]): Promise<DeletedItem[]> {
  const companion = kindById(item.kind).companion;
  const value = companion ? item.raw[companion.property] : undefined;
  if (!companion || typeof value !== 'string' || !value) return [];
  try {
    const others = await bin.listDeleted(companion.kind);
    return others.filter((raw) => String(raw[companion.property] ?? '').toLowerCase() === value.toLowerCase()).map((raw) => toDeletedItem(kindById(companion.kind), raw, now));
  } catch (error) {
    failures.push({ kind: companion.kind, error });
    return [];
  }
}
