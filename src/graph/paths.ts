import type { KindId } from '../core/model';

/**
 * Where things live in Microsoft Graph. Keys passed to these functions must already be
 * checked and URL-encoded by the caller (the gateway does both).
 */

export type GraphVersion = 'beta' | 'v1.0';

export interface KindPaths {
  /** Version of the recycle-bin endpoints and live reads for this kind. */
  version: GraphVersion;
  /**
   * Collection of soft-deleted items, relative to the version root. `{deletedItems}/{key}`
   * is one item: GET reads it, DELETE purges it for good, `/restore` brings it back.
   */
  deletedItems: string;
  /** Where the live object with this key lives once restored. */
  live(key: string): string;
  /** One deleted item; default `{deletedItems}/{key}`. */
  deletedItem?(key: string): string;
  /** Its restore action; default `{deletedItems}/{key}/restore`. */
  restore?(key: string): string;
  /**
   * The directory recycle bin holds every type under one collection: the list is read through
   * a type cast, and a single read is checked against this @odata.type.
   */
  odataType?: string;
  /**
   * Query options of the list. The directory needs `$count` with `ConsistencyLevel: eventual`
   * to sort deletedItems by deletedDateTime, and `$select` keeps each page small.
   */
  listQuery?: { select: string[]; orderBy: string; top: number; count: boolean };
  /** Body of the restore action (users: let Entra drop proxy addresses another object took meanwhile). */
  restoreBody?: Record<string, unknown>;
}

export const deletedItemPath = (paths: KindPaths, key: string): string => paths.deletedItem?.(key) ?? `${paths.deletedItems}/${key}`;
export const restorePath = (paths: KindPaths, key: string): string => paths.restore?.(key) ?? `${paths.deletedItems}/${key}/restore`;

/** The directory recycle bin (v1.0): one collection for users, groups, apps, service principals and administrative units. */
export const DIRECTORY_DELETED_ITEMS_PATH = '/directory/deletedItems';

function directoryKind(type: string, select: string[], live: (key: string) => string): KindPaths {
  return {
    version: 'v1.0',
    deletedItems: `${DIRECTORY_DELETED_ITEMS_PATH}/microsoft.graph.${type}`,
    deletedItem: (key) => `${DIRECTORY_DELETED_ITEMS_PATH}/${key}`,
    restore: (key) => `${DIRECTORY_DELETED_ITEMS_PATH}/${key}/restore`,
    live,
    odataType: `#microsoft.graph.${type}`,
    listQuery: { select: ['id', 'displayName', 'deletedDateTime', ...select], orderBy: 'deletedDateTime desc', top: 999, count: true },
  };
}

/** Version of every write to a live object (partner changes, the report-only switch). */
export const LIVE_WRITE_VERSION: GraphVersion = 'v1.0';

export const PARTNERS_PATH = '/policies/crossTenantAccessPolicy/partners';
export const partnerPath = (tenantId: string): string => `${PARTNERS_PATH}/${tenantId}`;
export const partnerSyncPath = (tenantId: string): string => `${partnerPath(tenantId)}/identitySynchronization`;

/** Live collections read by every history cycle (v1.0, the version live writes use). */
export const CA_POLICIES_PATH = '/identity/conditionalAccess/policies';
export const CROSS_TENANT_DEFAULT_PATH = '/policies/crossTenantAccessPolicy/default';

export const DIRECTORY_AUDITS_PATH = '/auditLogs/directoryAudits';
export const userPath = (userId: string): string => `/users/${userId}`;
export const groupPath = (groupId: string): string => `/groups/${groupId}`;
export const SERVICE_PRINCIPALS_PATH = '/servicePrincipals';
export const servicePrincipalPath = (id: string): string => `${SERVICE_PRINCIPALS_PATH}/${id}`;
export const NAMED_LOCATIONS_PATH = '/identity/conditionalAccess/namedLocations';
export const CONDITIONAL_ACCESS_POLICIES_PATH = '/identity/conditionalAccess/policies';
/** Where `selftest` creates its objects (POST, LIVE_WRITE_VERSION): the live collections of the Conditional Access kinds. */
export const LIVE_COLLECTIONS: Readonly<Record<'ca' | 'locations', string>> = { ca: CONDITIONAL_ACCESS_POLICIES_PATH, locations: NAMED_LOCATIONS_PATH };
/** Outside /identity/conditionalAccess, so reading it does not spend the Conditional Access request budget. */
export const AUTHENTICATION_STRENGTHS_PATH = '/policies/authenticationStrengthPolicies';
export const authenticationStrengthPath = (id: string): string => `${AUTHENTICATION_STRENGTHS_PATH}/${id}`;
export const authenticationStrengthActionPath = (id: string, action: 'updateAllowedCombinations'): string => `${authenticationStrengthPath(id)}/${action}`;
/** Graph's JSON batching endpoint: at most MAX_BATCH_REQUESTS requests per call. */
export const BATCH_PATH = '/$batch';
export const MAX_BATCH_REQUESTS = 20;
/** v1.0 function that names any Entra tenant (CrossTenantInformation.ReadBasic.All). */
export const tenantInformationPath = (tenantId: string): string => `/tenantRelationships/findTenantInformationByTenantId(tenantId='${tenantId}')`;

/** One entry per kind: a kind without Graph addresses does not compile. */
export const KIND_PATHS: Readonly<Record<KindId, KindPaths>> = {
  ca: {
    version: 'beta',
    deletedItems: '/identity/conditionalAccess/deletedItems/policies',
    live: (id) => `${CONDITIONAL_ACCESS_POLICIES_PATH}/${id}`,
  },
  locations: {
    version: 'beta',
    deletedItems: '/identity/conditionalAccess/deletedItems/namedLocations',
    live: (id) => `${NAMED_LOCATIONS_PATH}/${id}`,
  },
  partners: {
    version: 'beta',
    deletedItems: '/policies/deletedItems/crossTenantPartners',
    live: partnerPath,
  },
  sync: {
    version: 'beta',
    deletedItems: '/policies/deletedItems/crossTenantSyncPolicyPartners',
    live: partnerSyncPath,
  },
  // What the details say is selected here too: the list is what the mirror keeps and details read.
  users: {
    ...directoryKind('user', ['userPrincipalName', 'mail', 'department', 'jobTitle', 'accountEnabled', 'userType', 'assignedLicenses'], userPath),
    restoreBody: { autoReconcileProxyConflict: true },
  },
  groups: directoryKind(
    'group',
    ['mail', 'description', 'groupTypes', 'securityEnabled', 'mailEnabled', 'visibility', 'resourceProvisioningOptions', 'createdDateTime'],
    groupPath,
  ),
  apps: directoryKind('application', ['appId', 'signInAudience', 'passwordCredentials', 'keyCredentials', 'createdDateTime'], (id) => `/applications/${id}`),
  sps: directoryKind('servicePrincipal', ['appId', 'appDisplayName', 'servicePrincipalType', 'accountEnabled', 'appOwnerOrganizationId'], servicePrincipalPath),
  aus: directoryKind('administrativeUnit', ['description', 'visibility', 'membershipType'], (id) => `/directory/administrativeUnits/${id}`),
};

/** The directory kind of a deleted object, from the @odata.type the directory recycle bin answers with; undefined for other types. */
export function directoryKindOfType(odataType: unknown): KindId | undefined {
  if (typeof odataType !== 'string') return undefined;
  const wanted = odataType.toLowerCase();
  return (Object.keys(KIND_PATHS) as KindId[]).find((kind) => KIND_PATHS[kind].odataType?.toLowerCase() === wanted);
}
