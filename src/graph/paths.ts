import type { KindId } from '../core/model';

/**
 * Where things live in Microsoft Graph. Keys passed to these functions must already be
 * checked and URL-encoded by the caller (the gateway does both).
 */

export type GraphVersion = 'beta' | 'v1.0';

export interface KindPaths {
  /** Version of the recycle-bin endpoints and live reads for this kind. */
  version: GraphVersion;
  /** Collection of soft-deleted items, relative to the version root. */
  deletedItems: string;
  /** Where the live object with this key lives once restored. */
  live(key: string): string;
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
/** Outside /identity/conditionalAccess, so reading it does not spend the Conditional Access request budget. */
export const AUTHENTICATION_STRENGTHS_PATH = '/policies/authenticationStrengthPolicies';
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
    live: (id) => `/identity/conditionalAccess/policies/${id}`,
  },
  locations: {
    version: 'beta',
    deletedItems: '/identity/conditionalAccess/deletedItems/namedLocations',
    live: (id) => `/identity/conditionalAccess/namedLocations/${id}`,
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
};
