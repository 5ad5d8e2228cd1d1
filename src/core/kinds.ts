import type { DetailSection, GraphObject, ItemRef, KindId } from './model';
import type { DirectoryNames, DirectoryReference } from './directoryNames';
import {
  directoryReferencesOf,
  namedLocationsReferencedBy,
  summariseConditionalAccessPolicy,
  summariseNamedLocation,
  summarisePartner,
  summariseSyncPartner,
} from './summaries';

/**
 * The registry of resource kinds. Listing, details, restore, help text and the app
 * manifest are all driven from these entries: adding a kind is adding one entry here and
 * its Graph addresses in src/graph/paths.ts.
 */
export interface ResourceKind {
  id: KindId;
  /** Singular, as an admin says it: "Conditional Access policy". */
  label: string;
  /** Plural, mid-sentence form ("named locations"). */
  plural: string;
  /** Words accepted in commands; the first is the canonical one shown in help. */
  aliases: string[];
  /** Property that identifies an item (partners are keyed by tenant id). */
  key: 'id' | 'tenantId';
  permissions: { read: string; restore: string };
  /**
   * How its deletion shows in /auditLogs/directoryAudits. CA records target the object id;
   * cross-tenant records target the tenant's policy and carry the partner in a tenantId property.
   */
  audit: { service: string; deleteActivity: string; match: 'targetId' | 'tenantIdProperty' };
  /** What the list row shows as the item's name. */
  displayName(raw: GraphObject): string;
  /** `names` resolves what directoryReferences listed; ids it cannot name are shown as ids. */
  summarise(raw: GraphObject, names: DirectoryNames): DetailSection[];
  /** Users, groups, locations … that the details name, resolved before summarising. */
  directoryReferences(raw: GraphObject): DirectoryReference[];
  /** Items this one depends on, restored first when deleted (a CA policy's named locations, a sync policy's partner). */
  references(raw: GraphObject): ItemRef[];
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const noReferences = (): ItemRef[] => [];
const noDirectoryReferences = (): DirectoryReference[] => [];

export const KINDS: readonly ResourceKind[] = [
  {
    id: 'ca',
    label: 'Conditional Access policy',
    plural: 'Conditional Access policies',
    aliases: ['ca', 'policies', 'policy'],
    key: 'id',
    permissions: { read: 'Policy.Read.All', restore: 'Policy.ReadWrite.ConditionalAccess' },
    audit: { service: 'Conditional Access', deleteActivity: 'Delete conditional access policy', match: 'targetId' },
    displayName: (raw) => text(raw.displayName) || text(raw.id),
    summarise: summariseConditionalAccessPolicy,
    directoryReferences: directoryReferencesOf,
    references: namedLocationsReferencedBy,
  },
  {
    id: 'locations',
    label: 'named location',
    plural: 'named locations',
    aliases: ['locations', 'nl', 'named-locations'],
    key: 'id',
    permissions: { read: 'Policy.Read.All', restore: 'Policy.ReadWrite.ConditionalAccess' },
    audit: { service: 'Conditional Access', deleteActivity: 'Delete named location', match: 'targetId' },
    displayName: (raw) => text(raw.displayName) || text(raw.id),
    summarise: summariseNamedLocation,
    directoryReferences: noDirectoryReferences,
    references: noReferences,
  },
  {
    id: 'partners',
    label: 'cross-tenant partner',
    plural: 'cross-tenant access partners',
    aliases: ['partners', 'xtap'],
    key: 'tenantId',
    permissions: { read: 'Policy.Read.All', restore: 'Policy.ReadWrite.CrossTenantAccess' },
    audit: { service: 'Core Directory', deleteActivity: 'Delete partner specific cross-tenant access setting', match: 'tenantIdProperty' },
    // Partners have no name in the metadata; some responses carry one anyway (API.md §7).
    displayName: (raw) => text(raw.displayName) || text(raw.tenantId),
    summarise: summarisePartner,
    directoryReferences: noDirectoryReferences,
    references: noReferences,
  },
  {
    id: 'sync',
    label: 'identity-sync policy',
    plural: 'cross-tenant identity-sync policies',
    aliases: ['sync'],
    key: 'tenantId',
    permissions: { read: 'Policy.Read.All', restore: 'Policy.ReadWrite.CrossTenantAccess' },
    audit: { service: 'Core Directory', deleteActivity: 'Delete a partner cross-tenant identity sync setting', match: 'tenantIdProperty' },
    displayName: (raw) => text(raw.displayName) || text(raw.tenantId),
    summarise: summariseSyncPartner,
    directoryReferences: noDirectoryReferences,
    // Graph keeps a sync policy under its partner configuration, so the partner comes back first.
    references: (raw) => (text(raw.tenantId) ? [{ kind: 'partners', id: text(raw.tenantId) }] : []),
  },
];

export function kindById(id: KindId): ResourceKind {
  const kind = KINDS.find((k) => k.id === id);
  if (!kind) throw new Error(`unknown resource kind ${id}`);
  return kind;
}

/** A kind id carried in card data, checked against the registry; undefined otherwise. */
export function kindIdOf(value: unknown): KindId | undefined {
  return typeof value === 'string' && KINDS.some((k) => k.id === value) ? (value as KindId) : undefined;
}

/** Resolves a word typed by a user ("nl", "Policies") to a kind, or undefined. */
export function kindByAlias(word: string): ResourceKind | undefined {
  const lower = word.toLowerCase();
  return KINDS.find((k) => k.aliases.includes(lower));
}

export function itemKey(kind: ResourceKind, raw: GraphObject): string {
  return text(raw[kind.key]);
}

/** The application permission that reads /auditLogs/directoryAudits: who deleted an item. */
export const AUDIT_PERMISSION = 'AuditLog.Read.All';

/** Every application permission some feature needs, with what it is for. */
export const REQUIRED_PERMISSIONS: readonly { permission: string; purpose: string }[] = [
  { permission: 'Policy.Read.All', purpose: 'list and show deleted policies and partners' },
  { permission: 'Policy.ReadWrite.ConditionalAccess', purpose: 'restore CA policies and named locations, and run `selftest`' },
  { permission: 'Policy.ReadWrite.CrossTenantAccess', purpose: 'restore and change cross-tenant partners' },
  { permission: AUDIT_PERMISSION, purpose: 'say who deleted an item in alerts' },
  { permission: 'GroupMember.Read.All', purpose: 'check membership of OPERATOR_GROUP_ID and APPROVER_GROUP_ID, and name the groups a policy includes or excludes' },
  { permission: 'User.ReadBasic.All', purpose: 'record requesters and approvers under their directory name, not the name their client sent, and name the users a policy includes or excludes' },
  { permission: 'Application.Read.All', purpose: 'name the apps and workload identities a policy targets or excludes' },
  { permission: 'CrossTenantInformation.ReadBasic.All', purpose: 'show partners by organisation name instead of tenant id' },
];
