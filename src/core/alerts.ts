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
  const { audit } = kindById(item.kind);
  const activity = audit.deleteActivity.toLowerCase();
  const matching = events.filter((event) => {
    if (String(event.activityDisplayName ?? '').toLowerCase() !== activity) return false;
    const targets = Array.isArray(event.targetResources) ? (event.targetResources as GraphObject[]) : [];
    return targets.some((target) =>
      audit.match === 'targetId' ? String(target.id ?? '').toLowerCase() === item.key.toLowerCase() : mentionsTenant(target, item.key),
    );
  });
  const latest = matching.sort((a, b) => String(b.activityDateTime).localeCompare(String(a.activityDateTime)))[0];
  if (!latest) return undefined;
  const initiatedBy = (latest.initiatedBy ?? {}) as { user?: { userPrincipalName?: string; displayName?: string } | null; app?: { displayName?: string; appId?: string } | null };
  return initiatedBy.user?.userPrincipalName ?? initiatedBy.user?.displayName ?? (initiatedBy.app ? `${initiatedBy.app.displayName ?? initiatedBy.app.appId} (app)` : undefined);
}

function mentionsTenant(target: GraphObject, tenantId: string): boolean {
  const properties = Array.isArray(target.modifiedProperties) ? (target.modifiedProperties as GraphObject[]) : [];
  return properties.some(
    (property) => String(property.displayName ?? '').toLowerCase() === 'tenantid' && String(property.oldValue ?? '').toLowerCase().includes(tenantId.toLowerCase()),
  );
}

/** Services whose audit records can name the deleters of these items. */
export function auditServicesFor(items: ItemKey[]): string[] {
  return [...new Set(items.map((item) => kindById(item.kind).audit.service))];
}

export const sameItem = (a: ItemKey, b: ItemKey) => a.kind === b.kind && a.key.toLowerCase() === b.key.toLowerCase();
