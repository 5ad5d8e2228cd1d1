import type { DetailSection, GraphObject, ItemRef, KindId } from './model';
import type { DirectoryNames, DirectoryReference } from './directoryNames';
import {
  summariseAdministrativeUnit,
  summariseApplication,
  summariseGroup,
  summariseServicePrincipal,
  summariseUser,
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
  /** Security policies, or the directory recycle bin: `deleted all` lists the policy kinds, `deleted everything` both. */
  family: 'policy' | 'directory';
  /**
   * Order of restores within one request: lower first. Named locations come before the policies
   * that use them, partners before their sync policies, applications before their service principals.
   */
  restoreRank: 0 | 1;
  /**
   * Whether restores of this kind go in $batch calls. Conditional Access shares a budget of one
   * request per second per tenant, which batching does not raise: those restores run one by one, paced.
   */
  batchRestore: boolean;
  /** Deleted items of another kind that belong with this one but are restored separately (an app and its service principal), matched on a property. */
  companion?: { kind: KindId; property: string };
  /** Said under a list of this kind. */
  listNote?: string;
  /** Added to a refused restore (403) of this kind. */
  refusedHint?: string;
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
    family: 'policy',
    restoreRank: 1,
    batchRestore: false,
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
    family: 'policy',
    restoreRank: 0,
    batchRestore: false,
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
    family: 'policy',
    restoreRank: 0,
    batchRestore: true,
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
    family: 'policy',
    restoreRank: 1,
    batchRestore: true,
  },
  // The directory recycle bin (v1.0 /directory/deletedItems): kept 30 days as well.
  {
    id: 'users',
    label: 'user',
    plural: 'users',
    aliases: ['users', 'user'],
    key: 'id',
    permissions: { read: 'User.Read.All', restore: 'User.DeleteRestore.All' },
    audit: { service: 'Core Directory', deleteActivity: 'Delete user', match: 'targetId' },
    displayName: (raw) => directoryName(raw, text(raw.userPrincipalName)),
    summarise: summariseUser,
    directoryReferences: noDirectoryReferences,
    references: noReferences,
    family: 'directory',
    restoreRank: 0,
    batchRestore: true,
    refusedHint: 'A user who held a privileged admin role can only be restored with more than User.DeleteRestore.All (a Privileged Role Administrator, or the admin center).',
  },
  {
    id: 'groups',
    label: 'Microsoft 365 group',
    plural: 'Microsoft 365 groups',
    aliases: ['groups', 'group'],
    key: 'id',
    permissions: { read: 'Group.Read.All', restore: 'Group.ReadWrite.All' },
    audit: { service: 'Core Directory', deleteActivity: 'Delete group', match: 'targetId' },
    displayName: (raw) => directoryName(raw, text(raw.mail)),
    summarise: summariseGroup,
    directoryReferences: noDirectoryReferences,
    references: noReferences,
    family: 'directory',
    // After users, so restored members are there when the group's memberships come back.
    restoreRank: 1,
    batchRestore: true,
    listNote: 'Only Microsoft 365 groups go to the recycle bin: a deleted security group is gone for good and cannot be restored.',
  },
  {
    id: 'apps',
    label: 'app registration',
    plural: 'app registrations',
    aliases: ['apps', 'app', 'applications'],
    key: 'id',
    permissions: { read: 'Application.Read.All', restore: 'Application.ReadWrite.OwnedBy' },
    audit: { service: 'Core Directory', deleteActivity: 'Delete application', match: 'targetId' },
    displayName: (raw) => directoryName(raw, text(raw.appId)),
    summarise: summariseApplication,
    directoryReferences: noDirectoryReferences,
    references: noReferences,
    family: 'directory',
    restoreRank: 0,
    batchRestore: true,
    companion: { kind: 'sps', property: 'appId' },
    refusedHint: 'Application.ReadWrite.OwnedBy restores only apps the bot owns; grant Application.ReadWrite.All to restore any app.',
  },
  {
    id: 'sps',
    label: 'service principal',
    plural: 'service principals',
    aliases: ['sps', 'sp', 'service-principals'],
    key: 'id',
    permissions: { read: 'Application.Read.All', restore: 'Application.ReadWrite.OwnedBy' },
    audit: { service: 'Core Directory', deleteActivity: 'Delete service principal', match: 'targetId' },
    displayName: (raw) => directoryName(raw, text(raw.appId)),
    summarise: summariseServicePrincipal,
    directoryReferences: noDirectoryReferences,
    references: noReferences,
    family: 'directory',
    // After its application, which a service principal needs.
    restoreRank: 1,
    batchRestore: true,
    companion: { kind: 'apps', property: 'appId' },
    refusedHint: 'Application.ReadWrite.OwnedBy restores only service principals the bot owns; grant Application.ReadWrite.All to restore any.',
  },
  {
    id: 'aus',
    label: 'administrative unit',
    plural: 'administrative units',
    aliases: ['aus', 'au', 'administrative-units'],
    key: 'id',
    permissions: { read: 'AdministrativeUnit.Read.All', restore: 'AdministrativeUnit.ReadWrite.All' },
    audit: { service: 'Core Directory', deleteActivity: 'Delete administrative unit', match: 'targetId' },
    displayName: (raw) => text(raw.displayName) || text(raw.id),
    summarise: summariseAdministrativeUnit,
    directoryReferences: noDirectoryReferences,
    references: noReferences,
    family: 'directory',
    restoreRank: 0,
    batchRestore: true,
  },
];

/** "Name (detail)" when the detail adds something, else the name, else the id. */
function directoryName(raw: GraphObject, detail: string): string {
  const name = text(raw.displayName);
  if (name && detail && detail.toLowerCase() !== name.toLowerCase()) return `${name} (${detail})`;
  return name || detail || text(raw.id);
}

/** The kinds `deleted all` lists, and alerts default to: the policy kinds. */
export const POLICY_KINDS: readonly ResourceKind[] = KINDS.filter((k) => k.family === 'policy');

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
const FEATURE_PERMISSIONS: readonly { permission: string; purpose: string }[] = [
  { permission: 'Policy.Read.All', purpose: 'list and show deleted policies and partners' },
  { permission: 'Policy.ReadWrite.ConditionalAccess', purpose: 'restore CA policies and named locations, and run `selftest`' },
  { permission: 'Policy.ReadWrite.CrossTenantAccess', purpose: 'restore and change cross-tenant partners' },
  { permission: AUDIT_PERMISSION, purpose: 'say who deleted an item in alerts' },
  { permission: 'GroupMember.Read.All', purpose: 'check membership of OPERATOR_GROUP_ID and APPROVER_GROUP_ID, and name the groups a policy includes or excludes' },
  { permission: 'User.ReadBasic.All', purpose: 'record requesters and approvers under their directory name, not the name their client sent, and name the users a policy includes or excludes' },
  { permission: 'Application.Read.All', purpose: 'name the apps and workload identities a policy targets or excludes' },
  { permission: 'CrossTenantInformation.ReadBasic.All', purpose: 'show partners by organisation name instead of tenant id' },
];

/**
 * Every application permission the bot needs: the features' above, then each directory kind's
 * read and restore permission from the registry, once each (a permission already listed gets
 * the kind's use added to its purpose).
 */
export const REQUIRED_PERMISSIONS: readonly { permission: string; purpose: string }[] = (() => {
  const list = FEATURE_PERMISSIONS.map((entry) => ({ ...entry }));
  for (const kind of KINDS.filter((k) => k.family === 'directory')) {
    for (const [permission, verb] of [[kind.permissions.read, 'list and show deleted'], [kind.permissions.restore, 'restore deleted']] as const) {
      const use = `${verb} ${kind.plural}`;
      const known = list.find((p) => p.permission === permission);
      if (known) known.purpose = `${known.purpose}; ${use}`;
      else list.push({ permission, purpose: use });
    }
  }
  return list;
})();
