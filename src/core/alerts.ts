import { KINDS, kindById } from './kinds';
import type { GraphObject, KindId } from './model';

/**
 * Deletion alerts, the pure part: what a poll cycle saw compared with the last one,
 * and who the audit log says did it.
 */

export interface SeenItem {
  name: string;
  deletedAt: string;
}

/** Deleted items by kind, then by key. */
export type Snapshot = Partial<Record<KindId, Record<string, SeenItem>>>;

export interface ItemKey {
  kind: KindId;
  key: string;
}

export interface AlertItem extends ItemKey, SeenItem {
  /** UPN of the user or name of the app that deleted it; undefined while the audit log has not said. */
  actor?: string;
  /** Set once the item left the recycle bin. */
  outcome?: 'restored' | 'purged' | 'expired';
}

export interface SnapshotDiff {
  appeared: AlertItem[];
  disappeared: (ItemKey & SeenItem)[];
}

export function diffSnapshots(previous: Snapshot, current: Snapshot): SnapshotDiff {
  const appeared: AlertItem[] = [];
  const disappeared: (ItemKey & SeenItem)[] = [];
  for (const { id: kind } of KINDS) {
    const before = previous[kind] ?? {};
    const now = current[kind] ?? {};
    for (const [key, item] of Object.entries(now)) if (!(key in before)) appeared.push({ kind, key, ...item });
    for (const [key, item] of Object.entries(before)) if (!(key in now)) disappeared.push({ kind, key, ...item });
  }
  appeared.sort((a, b) => a.deletedAt.localeCompare(b.deletedAt));
  return { appeared, disappeared };
}

/** Who deleted the item, from directoryAudit records; activity names compared case-insensitively. */
export function deleterOf(item: ItemKey, events: GraphObject[]): string | undefined {
  return deletersOf([item], events).get(`${item.kind}/${item.key.toLowerCase()}`);
}

/**
 * deleterOf for many items at once, keyed by sameItem's lower-cased kind/key: the records are
 * indexed once rather than scanned per item, so a baseline of 10 000 items stays linear.
 */
export function deletersOf(items: ItemKey[], events: GraphObject[]): Map<string, string> {
  return actorsOf(items, events, (kind) => {
    const { audit } = kindById(kind as KindId);
    return { activities: [audit.deleteActivity], match: audit.match };
  });
}

/** How one kind's records are found: the activity names, and where the record names the object. */
export interface AuditMatch {
  activities: readonly string[];
  match: 'targetId' | 'tenantIdProperty' | 'any';
}

/**
 * Who did it, per item: the latest matching record (within the item's optional time window),
 * keyed by lower-cased kind/key. Records are indexed once, so many items stay linear.
 */
export function actorsOf(items: { kind: string; key: string; notBefore?: string; notAfter?: string }[], events: GraphObject[], matchOf: (kind: string) => AuditMatch): Map<string, string> {
  const actors = new Map<string, string>();
  for (const kind of new Set(items.map((item) => item.kind))) {
    const { activities, match } = matchOf(kind);
    const names = new Set(activities.map((a) => a.toLowerCase()));
    const byKey = new Map<string, GraphObject[]>();
    for (const event of events) {
      if (!names.has(String(event.activityDisplayName ?? '').toLowerCase())) continue;
      const targets = Array.isArray(event.targetResources) ? (event.targetResources as GraphObject[]) : [];
      const keys = match === 'any' ? ['*'] : targets.flatMap((target) => (match === 'targetId' ? [String(target.id ?? '').toLowerCase()] : tenantIdsIn(target)));
      for (const key of new Set(keys)) {
        const forKey = byKey.get(key) ?? [];
        forKey.push(event);
        byKey.set(key, forKey);
      }
    }
    for (const item of items.filter((i) => i.kind === kind)) {
      const candidates = (byKey.get(match === 'any' ? '*' : item.key.toLowerCase()) ?? []).filter((event) => {
        const at = Date.parse(String(event.activityDateTime ?? ''));
        return (!item.notAfter || at <= Date.parse(item.notAfter)) && (!item.notBefore || at >= Date.parse(item.notBefore));
      });
      const actor = actorOf(latestOf(candidates));
      if (actor) actors.set(`${kind}/${item.key.toLowerCase()}`, actor);
    }
  }
  return actors;
}

function latestOf(events: GraphObject[]): GraphObject | undefined {
  return [...events].sort((a, b) => String(b.activityDateTime).localeCompare(String(a.activityDateTime)))[0];
}

function actorOf(latest: GraphObject | undefined): string | undefined {
  if (!latest) return undefined;
  const initiatedBy = (latest.initiatedBy ?? {}) as { user?: { userPrincipalName?: string; displayName?: string } | null; app?: { displayName?: string; appId?: string } | null };
  return initiatedBy.user?.userPrincipalName ?? initiatedBy.user?.displayName ?? (initiatedBy.app ? `${initiatedBy.app.displayName ?? initiatedBy.app.appId} (app)` : undefined);
}

/** The tenant ids a record's TenantId property held before the change (partner and sync deletions name their tenant there). */
function tenantIdsIn(target: GraphObject): string[] {
  const properties = Array.isArray(target.modifiedProperties) ? (target.modifiedProperties as GraphObject[]) : [];
  return properties
    .filter((property) => String(property.displayName ?? '').toLowerCase() === 'tenantid')
    .flatMap((property) => `${String(property.oldValue ?? '')} ${String(property.newValue ?? '')}`.toLowerCase().match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []);
}

/** Services whose audit records can name the deleters of these items. */
export function auditServicesFor(items: ItemKey[]): string[] {
  return [...new Set(items.map((item) => kindById(item.kind).audit.service))];
}

export const sameItem = (a: ItemKey, b: ItemKey) => a.kind === b.kind && a.key.toLowerCase() === b.key.toLowerCase();
