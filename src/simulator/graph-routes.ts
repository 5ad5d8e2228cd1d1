import type { GraphObject, KindId } from '../core/model';
import type { AuditActor } from './audit';
import { GRAPH_VERSIONS, type GraphVersion } from './constants';
import { isGuid, MAX_CHECK_MEMBER_GROUPS } from './directory';
import { badRequest, directoryBadRequest, GraphError, invalidObjectId, notFound, segmentNotFound } from './errors';
import { json, noContent, type HttpResult } from './http';
import { isRecord, type JwtClaims } from './jwt';
import { collectionResult, entityResult, metadataUrl, type ODataTarget, type RequestIds } from './odata';
import { DIRECTORY_TYPES, keyPropertyOf, type ChangeContext, type SimTenant } from './tenant';

/**
 * The Graph resource paths the simulator serves, which versions have them, the roles
 * each method needs, and the handlers that translate HTTP into SimTenant calls.
 */

export interface GraphCall {
  method: string;
  version: GraphVersion;
  /** Path below the version root, without query string: /identity/conditionalAccess/policies */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body, undefined when none was sent. */
  body: unknown;
  claims: JwtClaims;
  ids: RequestIds;
}

interface HandlerInput {
  call: GraphCall;
  params: Record<string, string>;
  tenant: SimTenant;
  target: ODataTarget;
}

type Handler = (input: HandlerInput) => HttpResult;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface Operation {
  /** Any one of these application roles allows the call; empty: no role is needed. */
  roles: readonly string[];
  handle: Handler;
}

interface Route {
  segments: string[];
  versions: readonly GraphVersion[];
  operations: Partial<Record<Method, Operation>>;
}

const ROLES = {
  caRead: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess'],
  caWrite: ['Policy.ReadWrite.ConditionalAccess'],
  crossTenantRead: ['Policy.Read.All', 'Policy.ReadWrite.CrossTenantAccess'],
  crossTenantWrite: ['Policy.ReadWrite.CrossTenantAccess'],
  auditRead: ['AuditLog.Read.All', 'Directory.Read.All'],
  // Directory reads (application permissions, from the Graph reference pages).
  /** GET /users/{id}: GroupMember.Read.All and Group.Read.All do not allow it. */
  userRead: ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  groupRead: ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  userMemberOf: ['User.Read.All', 'GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  /**
   * checkMemberGroups. Simplified: real Graph wants User.Read.All *and* GroupMember.Read.All
   * (or Group.Read.All) from an app, or Directory.Read.All; here either group role alone will do.
   */
  checkMemberGroups: ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  tenantInformation: ['CrossTenantInformation.ReadBasic.All'],
  servicePrincipalRead: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  // The directory recycle bin, per object type (least privileged first).
  deletedUserRead: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  deletedUserRestore: ['User.DeleteRestore.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  deletedGroupRead: ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  deletedGroupRestore: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  /** Simplified: OwnedBy restores any app here; in Entra only the apps the caller owns. */
  deletedAppRestore: ['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', 'Directory.ReadWrite.All'],
  deletedUnitRead: ['AdministrativeUnit.Read.All', 'AdministrativeUnit.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  deletedUnitRestore: ['AdministrativeUnit.ReadWrite.All', 'Directory.ReadWrite.All'],
  checkMemberObjects: ['User.Read.All', 'User.ReadWrite.All', 'GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
} as const;

const BOTH = GRAPH_VERSIONS;
const BETA_ONLY: readonly GraphVersion[] = ['beta'];

// ---- helpers shared by handlers ------------------------------------------------------

/** HTTP changes are made by the calling app, as the audit log then shows. */
function changeContext(call: GraphCall): ChangeContext {
  const actor: AuditActor = {
    app: {
      appId: String(call.claims.appid ?? ''),
      displayName: String(call.claims.app_displayname ?? ''),
      servicePrincipalId: typeof call.claims.oid === 'string' ? call.claims.oid : undefined,
    },
  };
  return { actor, correlationId: call.ids.clientRequestId };
}

function requireObjectBody(call: GraphCall): GraphObject {
  if (!isRecord(call.body)) throw badRequest('Empty Payload. JSON content expected.');
  return call.body;
}

const contextPath = (path: string): string => path.replace(/^\//, '');

// ---- live collections --------------------------------------------------------------

interface LiveCollection {
  kind: 'ca' | 'locations' | 'partners';
  path: string;
  read: readonly string[];
  write: readonly string[];
}

const LIVE_COLLECTIONS: LiveCollection[] = [
  { kind: 'ca', path: '/identity/conditionalAccess/policies', read: ROLES.caRead, write: ROLES.caWrite },
  { kind: 'locations', path: '/identity/conditionalAccess/namedLocations', read: ROLES.caRead, write: ROLES.caWrite },
  { kind: 'partners', path: '/policies/crossTenantAccessPolicy/partners', read: ROLES.crossTenantRead, write: ROLES.crossTenantWrite },
];

/** GET of a collection, paged and queryable like Graph's. */
function listOperation(roles: readonly string[], fragment: string, keyProperty: string, rows: (tenant: SimTenant, query: URLSearchParams) => GraphObject[]): Operation {
  return { roles, handle: ({ call, tenant, target }) => collectionResult(target, call.path, fragment, rows(tenant, call.query), call.query, { keyProperty }) };
}

/** GET of one item by key; 404 when there is none. */
function getOperation(roles: readonly string[], fragment: string, find: (tenant: SimTenant, key: string) => GraphObject | undefined): Operation {
  return {
    roles,
    handle: ({ call, params, tenant, target }) => {
      const item = find(tenant, params.key);
      if (!item) throw notFound(params.key);
      return entityResult(target, `${fragment}/$entity`, item, call.query);
    },
  };
}

function liveCollectionRoutes(collection: LiveCollection): Route[] {
  const { kind, path, read, write } = collection;
  const fragment = contextPath(path);
  const keyProperty = keyPropertyOf(kind);
  return [
    {
      segments: split(path),
      versions: BOTH,
      operations: {
        GET: listOperation(read, fragment, keyProperty, (tenant, query) => (kind === 'partners' && expandsSync(query) ? withSync(tenant) : tenant.live(kind))),
        POST: {
          roles: write,
          handle: ({ call, tenant, target }) => {
            const created = tenant.create(kind, requireObjectBody(call), changeContext(call));
            const location = `${target.origin}/${target.version}${path}/${String(created[keyProperty])}`;
            return entityResult(target, `${fragment}/$entity`, created, new URLSearchParams(), 201, { location });
          },
        },
      },
    },
    {
      segments: [...split(path), '{key}'],
      versions: BOTH,
      operations: {
        GET: getOperation(read, fragment, (tenant, key) => tenant.findLive(kind, key)),
        PATCH: {
          roles: write,
          handle: ({ call, params, tenant }) => {
            tenant.update(kind, params.key, requireObjectBody(call), changeContext(call));
            return noContent();
          },
        },
        DELETE: {
          roles: write,
          handle: ({ call, params, tenant }) => {
            tenant.deleteLive(kind, params.key, changeContext(call));
            return noContent();
          },
        },
      },
    },
  ];
}

const IDENTITY_SYNC_ROUTE: Route = {
  segments: ['policies', 'crossTenantAccessPolicy', 'partners', '{key}', 'identitySynchronization'],
  versions: BOTH,
  operations: {
    GET: {
      roles: ROLES.crossTenantRead,
      handle: ({ call, params, tenant, target }) => {
        if (!tenant.findLive('partners', params.key)) throw notFound(params.key);
        const sync = tenant.findLive('sync', params.key);
        if (!sync) throw notFound(params.key);
        const fragment = `policies/crossTenantAccessPolicy/partners('${params.key}')/identitySynchronization/$entity`;
        return entityResult(target, fragment, sync, call.query);
      },
    },
    PUT: {
      roles: ROLES.crossTenantWrite,
      handle: ({ call, params, tenant }) => {
        tenant.putSync(params.key, requireObjectBody(call), changeContext(call));
        return noContent();
      },
    },
    PATCH: {
      roles: ROLES.crossTenantWrite,
      handle: ({ call, params, tenant }) => {
        tenant.update('sync', params.key, requireObjectBody(call), changeContext(call));
        return noContent();
      },
    },
    DELETE: {
      roles: ROLES.crossTenantWrite,
      handle: ({ call, params, tenant }) => {
        tenant.deleteLive('sync', params.key, changeContext(call));
        return noContent();
      },
    },
  },
};

// ---- deleted items -----------------------------------------------------------------

interface DeletedCollection {
  kind: KindId;
  path: string;
  versions: readonly GraphVersion[];
  /** Type named in the restore action's @odata.context. */
  entityType: string;
  read: readonly string[];
  write: readonly string[];
}

/** Cross-tenant soft delete exists only in beta (API.md §2.3); CA's in both versions. */
const DELETED_COLLECTIONS: DeletedCollection[] = [
  {
    kind: 'ca',
    path: '/identity/conditionalAccess/deletedItems/policies',
    versions: BOTH,
    entityType: 'microsoft.graph.conditionalAccessPolicy',
    read: ROLES.caRead,
    write: ROLES.caWrite,
  },
  {
    kind: 'locations',
    path: '/identity/conditionalAccess/deletedItems/namedLocations',
    versions: BOTH,
    entityType: 'microsoft.graph.namedLocation',
    read: ROLES.caRead,
    write: ROLES.caWrite,
  },
  {
    kind: 'partners',
    path: '/policies/deletedItems/crossTenantPartners',
    versions: BETA_ONLY,
    entityType: 'microsoft.graph.crossTenantAccessPolicyConfigurationPartner',
    read: ROLES.crossTenantRead,
    write: ROLES.crossTenantWrite,
  },
  {
    kind: 'sync',
    path: '/policies/deletedItems/crossTenantSyncPolicyPartners',
    versions: BETA_ONLY,
    entityType: 'microsoft.graph.crossTenantIdentitySyncPolicyPartner',
    read: ROLES.crossTenantRead,
    write: ROLES.crossTenantWrite,
  },
];

function deletedCollectionRoutes(collection: DeletedCollection): Route[] {
  const { kind, path, versions, entityType, read, write } = collection;
  const fragment = contextPath(path);
  const keyProperty = keyPropertyOf(kind);
  return [
    {
      segments: split(path),
      versions,
      operations: {
        GET: listOperation(read, fragment, keyProperty, (tenant) => tenant.deleted(kind)),
      },
    },
    {
      segments: [...split(path), '{key}'],
      versions,
      operations: {
        GET: getOperation(read, fragment, (tenant, key) => tenant.findDeleted(kind, key)),
        DELETE: {
          roles: write,
          handle: ({ call, params, tenant }) => {
            tenant.purgeDeleted(kind, params.key, changeContext(call));
            return noContent();
          },
        },
      },
    },
    {
      segments: [...split(path), '{key}', 'restore'],
      versions,
      operations: {
        POST: {
          roles: write,
          handle: ({ call, params, tenant, target }) => {
            const restored = tenant.restore(kind, params.key, changeContext(call));
            return entityResult(target, entityType, restored, new URLSearchParams());
          },
        },
      },
    },
  ];
}

// ---- the directory recycle bin (v1.0 and beta) ----------------------------------------

const DIRECTORY_ROLES: Partial<Record<KindId, { read: readonly string[]; restore: readonly string[] }>> = {
  users: { read: ROLES.deletedUserRead, restore: ROLES.deletedUserRestore },
  groups: { read: ROLES.deletedGroupRead, restore: ROLES.deletedGroupRestore },
  apps: { read: ROLES.servicePrincipalRead, restore: ROLES.deletedAppRestore },
  sps: { read: ROLES.servicePrincipalRead, restore: ROLES.deletedAppRestore },
  aus: { read: ROLES.deletedUnitRead, restore: ROLES.deletedUnitRestore },
};

/** One item's roles depend on its type, known only once it is found: checked in the handler. */
function requireRoles(call: GraphCall, roles: readonly string[]): void {
  const held = Array.isArray(call.claims.roles) ? call.claims.roles : [];
  if (!roles.some((role) => held.includes(role))) throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

function deletedDirectoryObject(call: GraphCall, tenant: SimTenant, key: string, action: 'read' | 'restore'): { kind: KindId; raw: GraphObject } {
  if (!isGuid(key)) throw invalidObjectId(key);
  const found = tenant.findDeletedDirectoryObject(key);
  if (!found) throw notFound(key);
  requireRoles(call, DIRECTORY_ROLES[found.kind]![action]);
  return found;
}

const DIRECTORY_RECYCLE_BIN_ROUTES: Route[] = [
  // The type casts come first: routes are matched in order and `{key}` would take them.
  ...Object.entries(DIRECTORY_TYPES).map(([kind, type]): Route => ({
    segments: ['directory', 'deletedItems', `microsoft.graph.${type}`],
    versions: BOTH,
    operations: { GET: listOperation(DIRECTORY_ROLES[kind as KindId]!.read, `directory/deletedItems/microsoft.graph.${type}`, 'id', (tenant) => tenant.deleted(kind as KindId)) },
  })),
  {
    segments: ['directory', 'deletedItems', '{key}'],
    versions: BOTH,
    operations: {
      GET: {
        roles: [],
        handle: ({ call, params, tenant, target }) => entityResult(target, 'directory/deletedItems/$entity', deletedDirectoryObject(call, tenant, params.key, 'read').raw, call.query),
      },
      DELETE: {
        roles: [],
        handle: ({ call, params, tenant }) => {
          const { kind } = deletedDirectoryObject(call, tenant, params.key, 'restore');
          tenant.purgeDeleted(kind, params.key, changeContext(call));
          return noContent();
        },
      },
    },
  },
  {
    segments: ['directory', 'deletedItems', '{key}', 'restore'],
    versions: BOTH,
    operations: {
      POST: {
        roles: [],
        handle: ({ call, params, tenant, target }) => {
          const { kind } = deletedDirectoryObject(call, tenant, params.key, 'restore');
          const body = isRecord(call.body) ? call.body : {};
          const newUpn = typeof body.newUserPrincipalName === 'string' ? body.newUserPrincipalName : undefined;
          const restored = tenant.restore(kind, params.key, changeContext(call), newUpn);
          return entityResult(target, 'microsoft.graph.directoryObject', restored, new URLSearchParams());
        },
      },
    },
  },
  {
    segments: ['applications', '{key}'],
    versions: BOTH,
    operations: { GET: getOperation(ROLES.servicePrincipalRead, 'applications', (tenant, key) => tenant.findLive('apps', key)) },
  },
  {
    segments: ['directory', 'administrativeUnits', '{key}'],
    versions: BOTH,
    operations: { GET: getOperation(ROLES.deletedUnitRead, 'directory/administrativeUnits', (tenant, key) => tenant.findLive('aus', key)) },
  },
];

// ---- audit log ---------------------------------------------------------------------

const newestFirst = (a: GraphObject, b: GraphObject): number =>
  String(b.activityDateTime).localeCompare(String(a.activityDateTime));

const AUDIT_ROUTES: Route[] = [
  {
    segments: ['auditLogs', 'directoryAudits'],
    versions: BOTH,
    operations: {
      GET: {
        roles: ROLES.auditRead,
        handle: ({ call, tenant, target }) =>
          collectionResult(target, call.path, 'auditLogs/directoryAudits', tenant.visibleAuditEvents(), call.query, {
            defaultOrder: newestFirst,
            keyProperty: 'id',
          }),
      },
    },
  },
  {
    segments: ['auditLogs', 'directoryAudits', '{key}'],
    versions: BOTH,
    operations: {
      GET: {
        roles: ROLES.auditRead,
        handle: ({ call, params, tenant, target }) => {
          const event = tenant.visibleAuditEvents().find((candidate) => candidate.id === params.key);
          if (!event) throw notFound(params.key);
          return entityResult(target, 'auditLogs/directoryAudits/$entity', event, call.query);
        },
      },
    },
  },
];

// ---- directory: users, groups, membership checks --------------------------------------

/** `/users/{id | userPrincipalName}`; anything else is Graph's 404. */
function requireUser(tenant: SimTenant, idOrUpn: string): GraphObject {
  const user = tenant.findUser(idOrUpn) ?? tenant.findLive('users', idOrUpn);
  if (!user) throw notFound(idOrUpn);
  return user;
}

/** Graph names the selected properties in @odata.context: `users(displayName,id)`. */
function withSelect(fragment: string, query: URLSearchParams): string {
  const select = query.get('$select');
  if (!select) return fragment;
  return `${fragment}(${select.split(',').map((name) => name.trim()).filter(Boolean).join(',')})`;
}

/** The `{groupIds: [...]}` / `{ids: [...]}` body of checkMemberGroups / checkMemberObjects. */
function requireIdList(call: GraphCall, property: string, max?: number): string[] {
  const body = requireObjectBody(call);
  const ids = body[property];
  if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string')) {
    throw directoryBadRequest(`The request body needs '${property}', a collection of object ids.`);
  }
  // Message invented: Graph's documented limit is 20, its exact wording is not documented.
  if (max !== undefined && ids.length > max) {
    throw directoryBadRequest(`The number of ${property} (${ids.length}) exceeds the limit of ${max} per request.`);
  }
  const malformed = ids.find((id) => !isGuid(id));
  if (malformed !== undefined) throw invalidObjectId(malformed);
  return ids;
}

const asDirectoryObject = (group: GraphObject): GraphObject => ({ '@odata.type': '#microsoft.graph.group', ...group });

const collectionOfStrings = (target: ODataTarget, value: string[]): HttpResult =>
  json(200, { '@odata.context': metadataUrl(target, 'Collection(Edm.String)'), value });

/** Tokens from the simulator's authority are app-only, so /me is always this 400. */
const meIsDelegatedOnly: Operation = {
  roles: [],
  handle: () => {
    throw badRequest('/me request is only valid with delegated authentication flow.');
  },
};

const DIRECTORY_ROUTES: Route[] = [
  {
    segments: ['users', '{key}'],
    versions: BOTH,
    operations: {
      GET: {
        roles: ROLES.userRead,
        handle: ({ call, params, tenant, target }) =>
          entityResult(target, `${withSelect('users', call.query)}/$entity`, requireUser(tenant, params.key), call.query),
      },
    },
  },
  {
    segments: ['users', '{key}', 'checkMemberGroups'],
    versions: BOTH,
    operations: {
      POST: {
        roles: ROLES.checkMemberGroups,
        handle: ({ call, params, tenant, target }) => {
          const groupIds = requireIdList(call, 'groupIds', MAX_CHECK_MEMBER_GROUPS);
          const user = requireUser(tenant, params.key);
          return collectionOfStrings(target, tenant.checkMemberGroups(String(user.id), groupIds));
        },
      },
    },
  },
  {
    // Groups only: the simulator has no directory roles or administrative units.
    segments: ['users', '{key}', 'checkMemberObjects'],
    versions: BOTH,
    operations: {
      POST: {
        roles: ROLES.checkMemberObjects,
        handle: ({ call, params, tenant, target }) => {
          const ids = requireIdList(call, 'ids');
          const user = requireUser(tenant, params.key);
          return collectionOfStrings(target, tenant.checkMemberGroups(String(user.id), ids));
        },
      },
    },
  },
  {
    segments: ['users', '{key}', 'transitiveMemberOf'],
    versions: BOTH,
    operations: {
      GET: {
        roles: ROLES.userMemberOf,
        handle: ({ call, params, tenant, target }) => {
          const user = requireUser(tenant, params.key);
          const rows = tenant.transitiveMemberOf(String(user.id)).map(asDirectoryObject);
          return collectionResult(target, call.path, withSelect('directoryObjects', call.query), rows, call.query);
        },
      },
    },
  },
  {
    // OData cast: only the groups among the memberships.
    segments: ['users', '{key}', 'transitiveMemberOf', 'microsoft.graph.group'],
    versions: BOTH,
    operations: {
      GET: {
        roles: ROLES.userMemberOf,
        handle: ({ call, params, tenant, target }) => {
          const user = requireUser(tenant, params.key);
          const rows = tenant.transitiveMemberOf(String(user.id)).map(asDirectoryObject);
          return collectionResult(target, call.path, withSelect('groups', call.query), rows, call.query);
        },
      },
    },
  },
  {
    segments: ['groups', '{key}'],
    versions: BOTH,
    operations: {
      GET: {
        roles: ROLES.groupRead,
        handle: ({ call, params, tenant, target }) => {
          if (!isGuid(params.key)) throw invalidObjectId(params.key);
          const group = tenant.findLiveDirectoryObject('groups', params.key);
          if (!group) throw notFound(params.key);
          return entityResult(target, `${withSelect('groups', call.query)}/$entity`, group, call.query);
        },
      },
    },
  },
  { segments: ['me'], versions: BOTH, operations: { GET: meIsDelegatedOnly } },
  { segments: ['me', 'checkMemberGroups'], versions: BOTH, operations: { POST: meIsDelegatedOnly } },
  { segments: ['me', 'transitiveMemberOf'], versions: BOTH, operations: { GET: meIsDelegatedOnly } },
];

// ---- other tenants -----------------------------------------------------------------

const TENANT_INFORMATION_CALL = /^findTenantInformationByTenantId\(tenantId='([^']*)'\)$/i;

/** `/tenantRelationships/findTenantInformationByTenantId(tenantId='…')`: any tenant's public name. */
const TENANT_RELATIONSHIP_ROUTES: Route[] = [
  {
    segments: ['tenantRelationships', '{call}'],
    versions: BOTH,
    operations: {
      GET: {
        roles: ROLES.tenantInformation,
        handle: ({ params, tenant, target }) => {
          const tenantId = TENANT_INFORMATION_CALL.exec(params.call)?.[1];
          if (tenantId === undefined) throw segmentNotFound(params.call);
          if (!isGuid(tenantId)) throw invalidObjectId(tenantId);
          const organisation = tenant.findOrganisation(tenantId);
          if (!organisation) throw notFound(tenantId);
          return json(200, { '@odata.context': metadataUrl(target, 'microsoft.graph.tenantInformation'), ...organisation });
        },
      },
    },
  },
];

/** Service principals, read-only: by object id, or listed with `$filter=appId eq '…'`. */
const SERVICE_PRINCIPAL_ROUTES: Route[] = [
  {
    segments: ['servicePrincipals'],
    versions: BOTH,
    operations: { GET: listOperation(ROLES.servicePrincipalRead, 'servicePrincipals', 'id', (tenant) => tenant.servicePrincipals()) },
  },
  {
    segments: ['servicePrincipals', '{key}'],
    versions: BOTH,
    operations: {
      GET: getOperation(ROLES.servicePrincipalRead, 'servicePrincipals', (tenant, key) => {
        if (!isGuid(key)) throw invalidObjectId(key);
        return tenant.servicePrincipals().find((principal) => String(principal.id).toLowerCase() === key.toLowerCase()) ?? tenant.findLive('sps', key);
      }),
    },
  },
];

/** Authentication strengths: built-in ones are read-only; custom ones can be created and changed. */
const AUTHENTICATION_STRENGTH_ROUTES: Route[] = [
  {
    segments: ['policies', 'authenticationStrengthPolicies'],
    versions: BOTH,
    operations: {
      GET: listOperation(ROLES.caRead, 'policies/authenticationStrengthPolicies', 'id', (tenant) => tenant.authenticationStrengths()),
      POST: {
        roles: ROLES.caWrite,
        handle: ({ call, tenant, target }) => {
          const created = tenant.createAuthenticationStrength(requireObjectBody(call), changeContext(call));
          return entityResult(target, 'policies/authenticationStrengthPolicies/$entity', created, new URLSearchParams(), 201);
        },
      },
    },
  },
  {
    segments: ['policies', 'authenticationStrengthPolicies', '{key}'],
    versions: BOTH,
    operations: {
      GET: getOperation(ROLES.caRead, 'policies/authenticationStrengthPolicies', (tenant, key) => tenant.authenticationStrengths().find((s) => String(s.id).toLowerCase() === key.toLowerCase())),
      PATCH: {
        roles: ROLES.caWrite,
        handle: ({ call, params, tenant }) => {
          tenant.updateAuthenticationStrength(params.key, requireObjectBody(call), changeContext(call));
          return noContent();
        },
      },
      DELETE: {
        roles: ROLES.caWrite,
        handle: ({ call, params, tenant }) => {
          tenant.deleteAuthenticationStrength(params.key, changeContext(call));
          return noContent();
        },
      },
    },
  },
  {
    segments: ['policies', 'authenticationStrengthPolicies', '{key}', 'updateAllowedCombinations'],
    versions: BOTH,
    operations: {
      POST: {
        roles: ROLES.caWrite,
        handle: ({ call, params, tenant, target }) => {
          const result = tenant.updateAllowedCombinations(params.key, requireObjectBody(call).allowedCombinations, changeContext(call));
          return entityResult(target, 'microsoft.graph.updateAllowedCombinationsResult', result, new URLSearchParams());
        },
      },
    },
  },
];

/** The tenant's default cross-tenant access configuration (a singleton). */
const CROSS_TENANT_DEFAULT_ROUTE: Route = {
  segments: ['policies', 'crossTenantAccessPolicy', 'default'],
  versions: BOTH,
  operations: {
    GET: { roles: ROLES.crossTenantRead, handle: ({ call, tenant, target }) => entityResult(target, 'policies/crossTenantAccessPolicy/default/$entity', tenant.crossTenantDefault(), call.query) },
    PATCH: {
      roles: ROLES.crossTenantWrite,
      handle: ({ call, tenant }) => {
        tenant.updateCrossTenantDefault(requireObjectBody(call), changeContext(call));
        return noContent();
      },
    },
  },
};

/** Partners with `$expand=identitySynchronization`: each carries its sync policy (null when it has none). */
function expandsSync(query: URLSearchParams): boolean {
  return (query.get('$expand') ?? '').split(',').some((name) => name.trim().toLowerCase() === 'identitysynchronization');
}
function withSync(tenant: SimTenant): GraphObject[] {
  return tenant.live('partners').map((partner) => ({ ...partner, identitySynchronization: tenant.findLive('sync', String(partner.tenantId)) ?? null }));
}

const ROUTES: Route[] = [
  // Before the partner routes: "default" would otherwise read as a partner's tenant id.
  CROSS_TENANT_DEFAULT_ROUTE,
  ...LIVE_COLLECTIONS.flatMap(liveCollectionRoutes),
  IDENTITY_SYNC_ROUTE,
  ...DELETED_COLLECTIONS.flatMap(deletedCollectionRoutes),
  ...DIRECTORY_RECYCLE_BIN_ROUTES,
  ...AUDIT_ROUTES,
  ...DIRECTORY_ROUTES,
  ...TENANT_RELATIONSHIP_ROUTES,
  ...AUTHENTICATION_STRENGTH_ROUTES,
  ...SERVICE_PRINCIPAL_ROUTES,
];

// ---- routing -----------------------------------------------------------------------

function split(path: string): string[] {
  return path.split('/').filter(Boolean);
}

const segmentMatches = (pattern: string, actual: string): boolean =>
  pattern.startsWith('{') || pattern.toLowerCase() === actual.toLowerCase();

interface Match {
  route: Route;
  params: Record<string, string>;
}

/**
 * Finds the route for a path, or throws the 400 Graph answers for an unknown path,
 * naming the first segment no known path continues with.
 */
function matchRoute(version: GraphVersion, path: string): Match {
  let segments: string[];
  try {
    segments = split(path).map(decodeURIComponent);
  } catch {
    throw badRequest('The request URI is not valid.');
  }
  let longestPrefix = 0;
  for (const route of ROUTES) {
    if (!route.versions.includes(version)) continue;
    let matched = 0;
    while (matched < segments.length && matched < route.segments.length && segmentMatches(route.segments[matched], segments[matched])) {
      matched++;
    }
    if (matched === segments.length && matched === route.segments.length) {
      const params: Record<string, string> = {};
      route.segments.forEach((pattern, index) => {
        if (pattern.startsWith('{')) params[pattern.slice(1, -1)] = segments[index];
      });
      return { route, params };
    }
    longestPrefix = Math.max(longestPrefix, matched);
  }
  const unknown = segments[Math.min(longestPrefix, segments.length - 1)] ?? '';
  throw segmentNotFound(unknown);
}

/** Runs one call: routing, role check, handler. Failures are thrown as GraphError. */
export function dispatchGraphCall(call: GraphCall, tenant: SimTenant, target: ODataTarget): HttpResult {
  const { route, params } = matchRoute(call.version, call.path);
  const operation = route.operations[call.method as Method];
  if (!operation) {
    throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
  }
  const roles = Array.isArray(call.claims.roles) ? call.claims.roles : [];
  if (operation.roles.length > 0 && !operation.roles.some((role) => roles.includes(role))) {
    throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
  return operation.handle({ call, params, tenant, target });
}

/** True for paths that share Conditional Access's per-tenant throttling budget. */
export function isConditionalAccessPath(path: string): boolean {
  return path.toLowerCase().startsWith('/identity/conditionalaccess/');
}
