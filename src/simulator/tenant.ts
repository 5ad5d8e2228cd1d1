import { randomUUID } from 'node:crypto';
import { RETENTION_DAYS, type GraphObject, type KindId } from '../core/model';
import { createAuditEvent, type AuditAction, type AuditActor, type AuditKind } from './audit';
import { DAY_MS, DEMO_ACTORS, DEMO_CROSS_TENANT_POLICY_ID } from './constants';
import { SimDirectory, type SimGroupInput, type SimUserInput } from './directory';
import { badRequest, conflict, notFound } from './errors';
import { isRecord } from './jwt';
import { graphTimestamp } from './odata';

/**
 * State of one simulated tenant: live and soft-deleted objects of the four kinds, the
 * audit log, the clock, and a directory of users and groups (membership checks). Domain rules (what blocks a delete or a restore) live here
 * so HTTP calls and in-process calls behave the same. Methods throw GraphError.
 */

export const KIND_IDS: readonly KindId[] = ['ca', 'locations', 'partners', 'sync'];

const KEY_PROPERTY: Record<KindId, 'id' | 'tenantId'> = {
  ca: 'id',
  locations: 'id',
  partners: 'tenantId',
  sync: 'tenantId',
};

export const keyPropertyOf = (kind: KindId): 'id' | 'tenantId' => KEY_PROPERTY[kind];

const NAMED_LOCATION_TYPES = ['#microsoft.graph.countryNamedLocation', '#microsoft.graph.ipNamedLocation'];
const CA_STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
/** Location condition values that are keywords, not named-location ids. */
const LOCATION_KEYWORDS = new Set(['all', 'alltrusted']);

interface DeletedEntry {
  raw: GraphObject;
  deletedAtMs: number;
}

interface AuditEntry {
  event: GraphObject;
  atMs: number;
}

export interface SimTenantOptions {
  tenantId: string;
  /** Initial domain, accepted by the authority in place of the tenant id. */
  domain: string;
  now?: () => Date;
  /** Read on every audit query: events younger than this stay invisible. */
  auditLagMs?: () => number;
  /** Actor of in-process deletions and restores when none is given. */
  defaultActor?: AuditActor;
}

/** Extra context for a change: who made it and the request it belongs to. */
export interface ChangeContext {
  actor?: AuditActor;
  correlationId?: string;
}

const clone = <T>(value: T): T => structuredClone(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export class SimTenant {
  readonly tenantId: string;
  readonly domain: string;
  readonly crossTenantPolicyId = DEMO_CROSS_TENANT_POLICY_ID;

  private readonly liveItems = newStores<GraphObject>();
  private readonly deletedItems = newStores<DeletedEntry>();
  private readonly auditLog: AuditEntry[] = [];
  private readonly directory = new SimDirectory(() => this.now());
  /** Other Entra tenants, as findTenantInformationByTenantId describes them. */
  private readonly organisations = new Map<string, GraphObject>();
  private readonly strengths: GraphObject[] = [];
  private readonly principals: GraphObject[] = [];
  private readonly baseNow: () => Date;
  private readonly auditLagMs: () => number;
  private readonly defaultActor: AuditActor;
  private clockOffsetMs = 0;
  private defaultConfiguration: GraphObject = {
    id: DEMO_CROSS_TENANT_POLICY_ID,
    isServiceDefault: true,
    inboundTrust: { isMfaAccepted: false, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false },
    automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: false },
    b2bCollaborationInbound: { usersAndGroups: { accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] }, applications: { accessType: 'allowed', targets: [{ target: 'AllApplications', targetType: 'application' }] } },
    b2bCollaborationOutbound: { usersAndGroups: { accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] }, applications: { accessType: 'allowed', targets: [{ target: 'AllApplications', targetType: 'application' }] } },
    b2bDirectConnectInbound: { usersAndGroups: { accessType: 'blocked', targets: [{ target: 'AllUsers', targetType: 'user' }] }, applications: { accessType: 'blocked', targets: [{ target: 'AllApplications', targetType: 'application' }] } },
    b2bDirectConnectOutbound: { usersAndGroups: { accessType: 'blocked', targets: [{ target: 'AllUsers', targetType: 'user' }] }, applications: { accessType: 'blocked', targets: [{ target: 'AllApplications', targetType: 'application' }] } },
    tenantRestrictions: null,
  };

  constructor(options: SimTenantOptions) {
    this.tenantId = options.tenantId;
    this.domain = options.domain;
    this.baseNow = options.now ?? (() => new Date());
    this.auditLagMs = options.auditLagMs ?? (() => 0);
    this.defaultActor = options.defaultActor ?? DEMO_ACTORS.adele;
  }

  // ---- clock -------------------------------------------------------------------------

  /** The tenant's clock: the `now` option (real time by default) plus advanceClock(). */
  now(): Date {
    return new Date(this.baseNow().getTime() + this.clockOffsetMs);
  }

  /** Moves the tenant's clock forward (retention, audit lag); tokens keep real time. */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  // ---- reads -------------------------------------------------------------------------

  live(kind: KindId): GraphObject[] {
    return [...this.liveItems[kind].values()].map(clone);
  }

  deleted(kind: KindId): GraphObject[] {
    this.purgeExpired();
    return [...this.deletedItems[kind].values()].map((entry) => clone(entry.raw));
  }

  findLive(kind: KindId, key: string): GraphObject | undefined {
    const item = this.liveItems[kind].get(normaliseKey(key));
    return item && clone(item);
  }

  findDeleted(kind: KindId, key: string): GraphObject | undefined {
    this.purgeExpired();
    const entry = this.deletedItems[kind].get(normaliseKey(key));
    return entry && clone(entry.raw);
  }

  /** Every audit record, oldest first, including ones still hidden by the audit lag. */
  auditEvents(): GraphObject[] {
    return this.auditLog.map((entry) => clone(entry.event));
  }

  /** Records /auditLogs serves now: the audit lag hides the youngest ones. */
  visibleAuditEvents(): GraphObject[] {
    const cutoff = this.now().getTime() - this.auditLagMs();
    return this.auditLog.filter((entry) => entry.atMs <= cutoff).map((entry) => clone(entry.event));
  }

  // ---- raw seeding (no rules, no audit) ------------------------------------------------

  addLive(kind: KindId, raw: GraphObject): GraphObject {
    const item = withKey(kind, clone(raw));
    this.liveItems[kind].set(normaliseKey(text(item[KEY_PROPERTY[kind]])), item);
    return clone(item);
  }

  addDeleted(kind: KindId, raw: GraphObject, deletedAt: Date = this.now()): GraphObject {
    const item = withKey(kind, clone(raw));
    item.deletedDateTime = graphTimestamp(deletedAt);
    this.deletedItems[kind].set(normaliseKey(text(item[KEY_PROPERTY[kind]])), {
      raw: item,
      deletedAtMs: deletedAt.getTime(),
    });
    return clone(item);
  }

  /** Appends a ready-made directoryAudit record (seed data, tests). */
  addAuditEvent(event: GraphObject): void {
    const parsed = Date.parse(text(event.activityDateTime));
    const atMs = Number.isNaN(parsed) ? this.now().getTime() : parsed;
    // Keep the log in time order even when seeds add older records later.
    let index = this.auditLog.length;
    while (index > 0 && this.auditLog[index - 1].atMs > atMs) index--;
    this.auditLog.splice(index, 0, { event: clone(event), atMs });
  }

  /**
   * Adds `count` soft-deleted items spread over the four kinds and the retention window
   * (for load tests). No audit records; deterministic names, random ids.
   */
  seedBulk(count: number): void {
    const nowMs = this.now().getTime();
    for (let i = 0; i < count; i++) {
      const kind = KIND_IDS[i % KIND_IDS.length];
      const ageMs = ((i * 7919) % (29 * 24)) * 60 * 60 * 1000 + (i % 60) * 60 * 1000;
      const deletedAtMs = nowMs - ageMs;
      const raw = bulkItem(kind, i, new Date(deletedAtMs - 90 * DAY_MS));
      raw.deletedDateTime = graphTimestamp(new Date(deletedAtMs));
      this.deletedItems[kind].set(normaliseKey(text(raw[KEY_PROPERTY[kind]])), { raw, deletedAtMs });
    }
  }

  // ---- directory: users, groups, membership --------------------------------------------

  /** Adds a user; the id may be any string (the Agents Playground's are not GUIDs). */
  addUser(user: SimUserInput): GraphObject {
    return this.directory.addUser(user);
  }

  /** Adds a group (a security group unless securityEnabled is false) with optional direct members. */
  addGroup(group: SimGroupInput): GraphObject {
    return this.directory.addGroup(group);
  }

  /** Adds a user or a group (nesting) to a group; 400 if it is already a direct member. */
  addGroupMember(groupId: string, memberId: string): void {
    this.directory.addGroupMember(groupId, memberId);
  }

  /** Removes a direct member; 404 if it is not one. */
  removeGroupMember(groupId: string, memberId: string): void {
    this.directory.removeGroupMember(groupId, memberId);
  }

  /** By id, else by userPrincipalName, as `/users/{id | userPrincipalName}` resolves. */
  addServicePrincipal(principal: { id: string; appId: string; displayName: string }): void {
    this.principals.push({ ...principal, servicePrincipalType: 'Application', accountEnabled: true });
  }

  servicePrincipals(): GraphObject[] {
    return this.principals.map((principal) => ({ ...principal }));
  }

  addAuthenticationStrength(strength: GraphObject): void {
    this.strengths.push({ ...strength });
  }

  authenticationStrengths(): GraphObject[] {
    return this.strengths.map((strength) => ({ ...strength }));
  }

  /** Makes another tenant known to findTenantInformationByTenantId. */
  addOrganisation(organisation: { tenantId: string; displayName: string; defaultDomainName: string }): void {
    this.organisations.set(organisation.tenantId.toLowerCase(), { ...organisation, federationBrandName: null });
  }

  findOrganisation(tenantId: string): GraphObject | undefined {
    return this.organisations.get(tenantId.toLowerCase());
  }

  findUser(idOrUpn: string): GraphObject | undefined {
    return this.directory.findUser(idOrUpn);
  }

  findGroup(id: string): GraphObject | undefined {
    return this.directory.findGroup(id);
  }

  users(): GraphObject[] {
    return this.directory.listUsers();
  }

  groups(): GraphObject[] {
    return this.directory.listGroups();
  }

  /** Ids of a group's direct members. */
  groupMemberIds(groupId: string): string[] {
    return this.directory.directMemberIds(groupId);
  }

  /** Groups a user or group belongs to, directly or through nesting. */
  transitiveMemberOf(memberId: string): GraphObject[] {
    return this.directory.transitiveGroups(memberId);
  }

  /** checkMemberGroups semantics: which of `groupIds` the object is a transitive member of. */
  checkMemberGroups(memberId: string, groupIds: readonly string[]): string[] {
    return this.directory.memberOfAmong(memberId, groupIds);
  }

  // ---- live changes (the HTTP API's rules) ---------------------------------------------

  create(kind: 'ca' | 'locations' | 'partners', body: GraphObject, actorOrContext?: AuditActor | ChangeContext): GraphObject {
    const nowText = graphTimestamp(this.now());
    let item: GraphObject;
    if (kind === 'partners') {
      const tenantId = text(body.tenantId);
      if (!tenantId) throw badRequest("The property 'tenantId' is required.");
      if (this.liveItems.partners.has(normaliseKey(tenantId))) {
        throw conflict(`A partner configuration for tenant '${tenantId}' already exists.`);
      }
      item = { ...clone(body), tenantId };
    } else {
      if (!text(body.displayName)) throw badRequest("The property 'displayName' is required.");
      if (kind === 'ca') {
        if (!isRecord(body.conditions)) throw badRequest("The property 'conditions' is required.");
        if (!CA_STATES.includes(text(body.state))) throw badRequest(`Invalid value for 'state': '${text(body.state)}'.`);
        this.assertLocationsExist(body);
      } else if (!NAMED_LOCATION_TYPES.includes(text(body['@odata.type']))) {
        throw badRequest("A named location needs '@odata.type' #microsoft.graph.countryNamedLocation or #microsoft.graph.ipNamedLocation.");
      }
      const { id: _clientId, ...rest } = clone(body);
      item = { id: randomUUID(), ...rest, createdDateTime: nowText, modifiedDateTime: null };
    }
    this.liveItems[kind].set(normaliseKey(text(item[KEY_PROPERTY[kind]])), item);
    this.audit(kind, 'add', item, toContext(actorOrContext));
    return clone(item);
  }

  /** PATCH: sent top-level properties replace the stored ones; the key never changes. */
  update(kind: KindId, key: string, patch: GraphObject, actorOrContext?: AuditActor | ChangeContext): void {
    const store = this.liveItems[kind];
    const current = store.get(normaliseKey(key));
    if (!current) throw notFound(key);
    const keyProperty = KEY_PROPERTY[kind];
    const merged: GraphObject = { ...current, ...clone(patch), [keyProperty]: current[keyProperty] };
    if (kind === 'ca') this.assertLocationsExist(merged);
    if (kind === 'ca' || kind === 'locations') merged.modifiedDateTime = graphTimestamp(this.now());
    store.set(normaliseKey(key), merged);
    this.audit(kind, 'update', merged, toContext(actorOrContext));
  }

  /** PUT identitySynchronization: create or replace. Returns true when created. */
  putSync(tenantId: string, body: GraphObject, actorOrContext?: AuditActor | ChangeContext): boolean {
    if (!this.liveItems.partners.has(normaliseKey(tenantId))) throw notFound(tenantId);
    const key = normaliseKey(tenantId);
    const created = !this.liveItems.sync.has(key);
    const stored = this.liveItems.partners.get(normaliseKey(tenantId)) as GraphObject;
    const sync = { ...clone(body), tenantId: stored.tenantId };
    this.liveItems.sync.set(key, sync);
    this.audit('sync', created ? 'add' : 'update', sync, toContext(actorOrContext));
    return created;
  }

  // ---- the default cross-tenant configuration and authentication strengths ---------------

  /** GET /policies/crossTenantAccessPolicy/default. */
  crossTenantDefault(): GraphObject {
    return clone(this.defaultConfiguration);
  }

  /** PATCH of the default configuration: sent top-level properties replace the stored ones. */
  updateCrossTenantDefault(patch: GraphObject, actorOrContext?: AuditActor | ChangeContext): void {
    const { id: _id, isServiceDefault: _isServiceDefault, ...settable } = clone(patch);
    this.defaultConfiguration = { ...this.defaultConfiguration, ...settable, isServiceDefault: false };
    this.audit('default', 'update', this.defaultConfiguration, toContext(actorOrContext));
  }

  /** POST of a custom authentication strength (built-in ones are seeded with addAuthenticationStrength). */
  createAuthenticationStrength(body: GraphObject, actorOrContext?: AuditActor | ChangeContext): GraphObject {
    if (!text(body.displayName)) throw badRequest("The property 'displayName' is required.");
    if (!Array.isArray(body.allowedCombinations) || body.allowedCombinations.length === 0) throw badRequest("The property 'allowedCombinations' is required.");
    const nowText = graphTimestamp(this.now());
    const { id: _clientId, ...rest } = clone(body);
    const strength: GraphObject = { id: randomUUID(), ...rest, policyType: 'custom', requirementsSatisfied: 'mfa', createdDateTime: nowText, modifiedDateTime: nowText };
    this.strengths.push(strength);
    this.audit('strengths', 'add', strength, toContext(actorOrContext));
    return clone(strength);
  }

  /** PATCH of a custom strength: displayName and description only (combinations change through updateAllowedCombinations). */
  updateAuthenticationStrength(id: string, patch: GraphObject, actorOrContext?: AuditActor | ChangeContext): void {
    const strength = this.strengths.find((s) => text(s.id).toLowerCase() === id.toLowerCase());
    if (!strength) throw notFound(id);
    if (strength.policyType === 'builtIn') throw badRequest('Built-in authentication strengths cannot be changed.');
    const unsupported = Object.keys(patch).filter((name) => !['displayName', 'description'].includes(name));
    if (unsupported.length > 0) throw badRequest(`Only displayName and description can be updated; use updateAllowedCombinations for '${unsupported.join("', '")}'.`);
    Object.assign(strength, clone(patch), { modifiedDateTime: graphTimestamp(this.now()) });
    this.audit('strengths', 'update', strength, toContext(actorOrContext));
  }

  /** POST …/{id}/updateAllowedCombinations. */
  updateAllowedCombinations(id: string, combinations: unknown, actorOrContext?: AuditActor | ChangeContext): GraphObject {
    const strength = this.strengths.find((s) => text(s.id).toLowerCase() === id.toLowerCase());
    if (!strength) throw notFound(id);
    if (strength.policyType === 'builtIn') throw badRequest('Built-in authentication strengths cannot be changed.');
    if (!Array.isArray(combinations) || combinations.length === 0) throw badRequest("The property 'allowedCombinations' is required.");
    strength.allowedCombinations = clone(combinations);
    strength.modifiedDateTime = graphTimestamp(this.now());
    this.audit('strengths', 'update', strength, toContext(actorOrContext));
    return { previousCombinations: [], currentCombinations: clone(combinations), additionalInformation: null, conditionalAccessReferences: [] };
  }

  /** Soft delete, exactly as the HTTP DELETE does: moves the object to deletedItems and audits it. */
  deleteLive(kind: KindId, key: string, actorOrContext?: AuditActor | ChangeContext): void {
    this.purgeExpired();
    const context = toContext(actorOrContext);
    const storeKey = normaliseKey(key);
    const item = this.liveItems[kind].get(storeKey);
    if (!item) throw notFound(key);
    if (kind === 'partners' && this.liveItems.sync.has(storeKey)) {
      throw badRequest(
        `The partner configuration for tenant '${text(item.tenantId)}' has an identity synchronization policy. ` +
          'Delete the identity synchronization policy before deleting the partner configuration.',
      );
    }
    if (kind === 'locations') this.assertLocationUnused(text(item.id));
    const now = this.now();
    const removed: GraphObject = { ...item, deletedDateTime: graphTimestamp(now) };
    this.liveItems[kind].delete(storeKey);
    this.deletedItems[kind].set(storeKey, { raw: removed, deletedAtMs: now.getTime() });
    this.audit(kind, 'delete', removed, context);
  }

  /** Restores a soft-deleted object; returns the entity as the restore action answers it. */
  restore(kind: KindId, key: string, actorOrContext?: AuditActor | ChangeContext): GraphObject {
    this.purgeExpired();
    const context = toContext(actorOrContext);
    const storeKey = normaliseKey(key);
    const entry = this.deletedItems[kind].get(storeKey);
    if (!entry) throw notFound(key);
    const item = entry.raw;
    if (kind === 'ca') this.assertRestorableReferences(item);
    if (kind === 'sync' && !this.liveItems.partners.has(storeKey)) {
      throw badRequest(
        `Cannot restore the identity synchronization policy for tenant '${text(item.tenantId)}': ` +
          'no partner configuration exists for that tenant. Restore or create the partner configuration first.',
      );
    }
    if (this.liveItems[kind].has(storeKey)) {
      throw conflict(
        kind === 'partners' || kind === 'sync'
          ? `A configuration for tenant '${text(item.tenantId)}' already exists.`
          : `An object with id '${text(item.id)}' already exists.`,
      );
    }
    const { deletedDateTime: _deletedDateTime, ...liveCopy } = item;
    this.deletedItems[kind].delete(storeKey);
    this.liveItems[kind].set(storeKey, liveCopy);
    this.audit(kind, 'restore', liveCopy, context);
    // CA objects come back with deletedDateTime null; partner responses keep it (docs examples).
    const isCaFamily = kind === 'ca' || kind === 'locations';
    return clone(isCaFamily ? { ...item, deletedDateTime: null } : item);
  }

  /** Permanent delete from deletedItems. */
  purgeDeleted(kind: KindId, key: string, actorOrContext?: AuditActor | ChangeContext): void {
    this.purgeExpired();
    const storeKey = normaliseKey(key);
    const entry = this.deletedItems[kind].get(storeKey);
    if (!entry) throw notFound(key);
    this.deletedItems[kind].delete(storeKey);
    this.audit(kind, 'purge', entry.raw, toContext(actorOrContext));
  }

  // ---- rules -------------------------------------------------------------------------

  /** Retention: deleted items older than 30 days disappear for good. */
  private purgeExpired(): void {
    const oldestAllowed = this.now().getTime() - RETENTION_DAYS * DAY_MS;
    for (const kind of KIND_IDS) {
      for (const [key, entry] of this.deletedItems[kind]) {
        if (entry.deletedAtMs < oldestAllowed) this.deletedItems[kind].delete(key);
      }
    }
  }

  private assertLocationsExist(policy: GraphObject): void {
    for (const id of referencedLocationIds(policy)) {
      if (!this.liveItems.locations.has(normaliseKey(id))) {
        throw badRequest(`The named location '${id}' referenced by the policy does not exist.`);
      }
    }
  }

  private assertRestorableReferences(policy: GraphObject): void {
    for (const id of referencedLocationIds(policy)) {
      const key = normaliseKey(id);
      if (this.liveItems.locations.has(key)) continue;
      if (this.deletedItems.locations.has(key)) {
        throw badRequest(
          `The policy references named location '${id}', which is deleted. Restore the named location first.`,
        );
      }
      throw badRequest(`The policy references named location '${id}', which no longer exists.`);
    }
  }

  private assertLocationUnused(locationId: string): void {
    for (const policy of this.liveItems.ca.values()) {
      if (referencedLocationIds(policy).some((id) => id.toLowerCase() === locationId.toLowerCase())) {
        throw badRequest(
          `The named location '${locationId}' is used by Conditional Access policy '${text(policy.displayName)}' ` +
            `(${text(policy.id)}) and cannot be deleted.`,
        );
      }
    }
  }

  private audit(kind: AuditKind, action: AuditAction, object: GraphObject, context: ChangeContext): void {
    const at = this.now();
    const event = createAuditEvent({
      kind,
      action,
      object,
      actor: context.actor ?? this.defaultActor,
      at,
      crossTenantPolicyId: this.crossTenantPolicyId,
      correlationId: context.correlationId,
    });
    this.auditLog.push({ event, atMs: at.getTime() });
  }
}

/** Named-location ids a CA policy depends on (its include/exclude location conditions). */
export function referencedLocationIds(policy: GraphObject): string[] {
  const conditions = isRecord(policy.conditions) ? policy.conditions : {};
  const locations = isRecord(conditions.locations) ? conditions.locations : {};
  const ids = [locations.includeLocations, locations.excludeLocations]
    .flatMap((list) => (Array.isArray(list) ? list : []))
    .filter((id): id is string => typeof id === 'string' && !LOCATION_KEYWORDS.has(id.toLowerCase()));
  return [...new Set(ids)];
}

function newStores<T>(): Record<KindId, Map<string, T>> {
  return { ca: new Map(), locations: new Map(), partners: new Map(), sync: new Map() };
}

/** Ids are GUIDs compared case-insensitively, as the directory does. */
function normaliseKey(key: string): string {
  return key.toLowerCase();
}

function withKey(kind: KindId, item: GraphObject): GraphObject {
  const keyProperty = KEY_PROPERTY[kind];
  if (text(item[keyProperty])) return item;
  if (keyProperty === 'tenantId') throw new Error(`a ${kind} object needs a tenantId`);
  return { id: randomUUID(), ...item };
}

function toContext(value: AuditActor | ChangeContext | undefined): ChangeContext {
  if (!value) return {};
  if ('user' in value || 'app' in value) return { actor: value as AuditActor };
  return value;
}

const COUNTRY_CODES = ['KP', 'IR', 'SY', 'CU', 'BY', 'RU', 'VE', 'MM'];

/** A small but well-formed object of each kind for seedBulk. */
function bulkItem(kind: KindId, index: number, createdAt: Date): GraphObject {
  const serial = String(index).padStart(5, '0');
  const created = graphTimestamp(createdAt);
  switch (kind) {
    case 'ca':
      return {
        id: randomUUID(),
        displayName: `BULK${serial} - Require MFA for pilot group ${index % 50}`,
        state: index % 3 === 0 ? 'enabledForReportingButNotEnforced' : 'enabled',
        createdDateTime: created,
        modifiedDateTime: null,
        conditions: {
          clientAppTypes: ['all'],
          applications: { includeApplications: ['All'], excludeApplications: [] },
          users: { includeUsers: [], excludeUsers: [], includeGroups: [randomUUID()], excludeGroups: [], includeRoles: [], excludeRoles: [] },
          locations: null,
        },
        grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [] },
        sessionControls: null,
      };
    case 'locations':
      return {
        '@odata.type': '#microsoft.graph.countryNamedLocation',
        id: randomUUID(),
        displayName: `BULK${serial} - Blocked countries ${index % 20}`,
        createdDateTime: created,
        modifiedDateTime: created,
        countriesAndRegions: [COUNTRY_CODES[index % COUNTRY_CODES.length]],
        includeUnknownCountriesAndRegions: false,
        countryLookupMethod: 'clientIpAddress',
      };
    case 'partners':
      return {
        tenantId: randomUUID(),
        inboundTrust: { isMfaAccepted: index % 2 === 0, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false },
        b2bCollaborationInbound: null,
        b2bCollaborationOutbound: null,
        b2bDirectConnectInbound: null,
        b2bDirectConnectOutbound: null,
        tenantRestrictions: null,
        automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: false },
        isServiceProvider: false,
        isInMultiTenantOrganization: false,
      };
    case 'sync':
      return {
        tenantId: randomUUID(),
        displayName: `BULK${serial} - Subsidiary ${index % 40}`,
        userSyncInbound: { isSyncAllowed: true },
        groupSyncInbound: { isSyncAllowed: false },
        externalCloudAuthorizedApplicationId: null,
      };
  }
}
