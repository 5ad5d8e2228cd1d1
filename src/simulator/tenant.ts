import { randomUUID } from 'node:crypto';
import { RETENTION_DAYS, type GraphObject, type KindId } from '../core/model';
import { createAuditEvent, type AuditAction, type AuditActor, type AuditKind } from './audit';
import { DAY_MS, DEMO_ACTORS, DEMO_CROSS_TENANT_POLICY_ID } from './constants';
import { SimDirectory, type SimGroupInput, type SimUserInput } from './directory';
import { badRequest, conflict, directoryBadRequest, notFound } from './errors';
import { isRecord } from './jwt';
import { graphTimestamp } from './odata';

/**
 * State of one simulated tenant: live and soft-deleted objects of the four kinds, the
 * audit log, the clock, and a directory of users and groups (membership checks). Domain rules (what blocks a delete or a restore) live here
 * so HTTP calls and in-process calls behave the same. Methods throw GraphError.
 */

export const KIND_IDS: readonly KindId[] = ['ca', 'locations', 'partners', 'sync', 'users', 'groups', 'apps', 'sps', 'aus'];

const KEY_PROPERTY: Record<KindId, 'id' | 'tenantId'> = {
  ca: 'id',
  locations: 'id',
  partners: 'tenantId',
  sync: 'tenantId',
  users: 'id',
  groups: 'id',
  apps: 'id',
  sps: 'id',
  aus: 'id',
};

/** The @odata.type of each directory kind: /directory/deletedItems holds them all in one collection. */
export const DIRECTORY_TYPES: Partial<Record<KindId, string>> = {
  users: 'user',
  groups: 'group',
  apps: 'application',
  sps: 'servicePrincipal',
  aus: 'administrativeUnit',
};

export const isDirectoryKind = (kind: KindId): boolean => DIRECTORY_TYPES[kind] !== undefined;

export const keyPropertyOf = (kind: KindId): 'id' | 'tenantId' => KEY_PROPERTY[kind];

const IP_NAMED_LOCATION = '#microsoft.graph.ipNamedLocation';
const COUNTRY_NAMED_LOCATION = '#microsoft.graph.countryNamedLocation';
const NAMED_LOCATION_TYPES = [COUNTRY_NAMED_LOCATION, IP_NAMED_LOCATION];

/** The kinds seedBulk spreads over by default. */
export const POLICY_KIND_IDS: readonly KindId[] = ['ca', 'locations', 'partners', 'sync'];
const CA_STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-f:]*:[0-9a-f:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/i;
const CIDR_TYPES: Record<string, RegExp> = { '#microsoft.graph.iPv4CidrRange': IPV4_CIDR, '#microsoft.graph.iPv6CidrRange': IPV6_CIDR };
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
  seedBulk(count: number, kinds: readonly KindId[] = POLICY_KIND_IDS): void {
    const nowMs = this.now().getTime();
    for (let i = 0; i < count; i++) {
      const kind = kinds[i % kinds.length];
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
        validatePolicy(body);
        this.assertLocationsExist(body);
      } else validateNamedLocation(body);
      const { id: _clientId, ...rest } = clone(body);
      const defaults = kind === 'locations' && text(body['@odata.type']) === IP_NAMED_LOCATION ? { isTrusted: false } : {};
      item = { id: randomUUID(), ...defaults, ...rest, createdDateTime: nowText, modifiedDateTime: kind === 'locations' ? nowText : null };
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

  /**
   * DELETE of a custom strength: gone for good (Entra has no recycle bin for strengths). Refused
   * for built-in ones, and while a Conditional Access policy still requires it.
   */
  deleteAuthenticationStrength(id: string, actorOrContext?: AuditActor | ChangeContext): void {
    const index = this.strengths.findIndex((s) => text(s.id).toLowerCase() === id.toLowerCase());
    if (index < 0) throw notFound(id);
    const strength = this.strengths[index];
    if (strength.policyType === 'builtIn') throw badRequest('Built-in authentication strengths cannot be deleted.');
    const users = this.live('ca').filter((policy) => text(((policy.grantControls as GraphObject | undefined)?.authenticationStrength as GraphObject | undefined)?.id).toLowerCase() === id.toLowerCase());
    if (users.length > 0) throw badRequest(`The authentication strength is used by Conditional Access policies (${users.map((p) => text(p.displayName)).join(', ')}) and cannot be deleted.`);
    this.strengths.splice(index, 1);
    this.audit('strengths', 'delete', strength, toContext(actorOrContext));
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
  restore(kind: KindId, key: string, actorOrContext?: AuditActor | ChangeContext, newUserPrincipalName?: string): GraphObject {
    this.purgeExpired();
    const context = toContext(actorOrContext);
    const storeKey = normaliseKey(key);
    const entry = this.deletedItems[kind].get(storeKey);
    if (!entry) throw notFound(key);
    if (kind === 'users' && newUserPrincipalName !== undefined) this.assertVerifiedDomain(newUserPrincipalName);
    const item = kind === 'users' && newUserPrincipalName ? { ...entry.raw, userPrincipalName: newUserPrincipalName } : entry.raw;
    if (kind === 'ca') this.assertRestorableReferences(item);
    if (kind === 'sync' && !this.liveItems.partners.has(storeKey)) {
      throw badRequest(
        `Cannot restore the identity synchronization policy for tenant '${text(item.tenantId)}': ` +
          'no partner configuration exists for that tenant. Restore or create the partner configuration first.',
      );
    }
    if (kind === 'users') this.assertUpnFree(item);
    if (kind === 'sps') this.assertApplicationNotDeleted(item);
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
    const comesBackNull = kind === 'ca' || kind === 'locations' || isDirectoryKind(kind);
    return clone(comesBackNull ? { ...item, deletedDateTime: null } : item);
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

  /** Any directory object in the directory recycle bin, with its kind (GET /directory/deletedItems/{id}). */
  findDeletedDirectoryObject(key: string): { kind: KindId; raw: GraphObject } | undefined {
    for (const kind of KIND_IDS.filter(isDirectoryKind)) {
      const raw = this.findDeleted(kind, key);
      if (raw) return { kind, raw };
    }
    return undefined;
  }

  /** A live directory object of a kind: seeded directory users and groups, and restored objects. */
  findLiveDirectoryObject(kind: KindId, key: string): GraphObject | undefined {
    const seeded = kind === 'users' ? this.directory.findUser(key) : kind === 'groups' ? this.directory.findGroup(key) : undefined;
    return seeded ?? this.findLive(kind, key);
  }

  // ---- rules -------------------------------------------------------------------------

  /** A new UPN must end in one of the tenant's verified domains (here: its initial domain), as Graph checks. */
  private assertVerifiedDomain(upn: string): void {
    const domain = upn.slice(upn.lastIndexOf('@') + 1).toLowerCase();
    if (!upn.includes('@') || domain !== this.domain.toLowerCase()) {
      throw directoryBadRequest('The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.');
    }
  }

  /** A deleted user comes back under its UPN only while no live user holds it (Graph's 400). */
  private assertUpnFree(user: GraphObject): void {
    const upn = text(user.userPrincipalName).toLowerCase();
    if (!upn) return;
    const holders = [...this.directory.listUsers(), ...this.liveItems.users.values()];
    if (holders.some((live) => text(live.userPrincipalName).toLowerCase() === upn)) {
      throw directoryBadRequest('Another object with the same value for property userPrincipalName already exists.');
    }
  }

  /** A service principal needs its application: one whose app registration is in the recycle bin is refused. */
  private assertApplicationNotDeleted(principal: GraphObject): void {
    const appId = text(principal.appId).toLowerCase();
    const deletedApp = [...this.deletedItems.apps.values()].find((entry) => text(entry.raw.appId).toLowerCase() === appId);
    if (deletedApp) {
      throw directoryBadRequest(`The application '${text(principal.appId)}' of this service principal is deleted. Restore the application first.`);
    }
  }

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

/**
 * What Graph requires of a new CA policy: a known state, and conditions that include some
 * users and some apps (messages written here; Graph's own wording varies).
 */
function validatePolicy(body: GraphObject): void {
  if (body.state === undefined) throw badRequest("The property 'state' is required.");
  if (!CA_STATES.includes(text(body.state))) throw badRequest(`Invalid value for 'state': '${String(body.state)}'. Allowed values: ${CA_STATES.join(', ')}.`);
  if (!isRecord(body.conditions)) throw badRequest("The property 'conditions' is required.");
  const { users, applications } = body.conditions;
  const includes = (value: unknown, properties: string[]) => isRecord(value) && properties.some((property) => Array.isArray(value[property]) && value[property].length > 0);
  if (!includes(users, ['includeUsers', 'includeGroups', 'includeRoles', 'includeGuestsOrExternalUsers'])) {
    throw badRequest("The policy's 'conditions.users' must include users, groups, roles or guests (use includeUsers ['None'] for no one).");
  }
  if (!includes(applications, ['includeApplications', 'includeUserActions', 'includeAuthenticationContextClassReferences', 'applicationFilter'])) {
    throw badRequest("The policy's 'conditions.applications' must include applications, user actions or authentication contexts (use includeApplications ['None'] for none).");
  }
}

/** What Graph requires of a new named location: its type, and IP ranges in CIDR form or country codes. */
function validateNamedLocation(body: GraphObject): void {
  const type = text(body['@odata.type']);
  if (!NAMED_LOCATION_TYPES.includes(type)) {
    throw badRequest(`A named location needs '@odata.type' ${COUNTRY_NAMED_LOCATION} or ${IP_NAMED_LOCATION}.`);
  }
  if (type === IP_NAMED_LOCATION) {
    const ranges = Array.isArray(body.ipRanges) ? body.ipRanges : [];
    if (ranges.length === 0) throw badRequest("An IP named location needs at least one entry in 'ipRanges'.");
    for (const range of ranges) {
      const pattern = isRecord(range) ? CIDR_TYPES[text(range['@odata.type'])] : undefined;
      if (!pattern || !pattern.test(text((range as GraphObject).cidrAddress))) {
        throw badRequest(`Invalid IP range ${JSON.stringify(range)}: each needs '@odata.type' #microsoft.graph.iPv4CidrRange or #microsoft.graph.iPv6CidrRange and a 'cidrAddress' in CIDR form.`);
      }
    }
  } else if (!Array.isArray(body.countriesAndRegions) || !body.countriesAndRegions.every((code) => /^[A-Z]{2}$/.test(text(code)))) {
    throw badRequest("A country named location needs 'countriesAndRegions', a list of two-letter country codes.");
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
  return { ca: new Map(), locations: new Map(), partners: new Map(), sync: new Map(), users: new Map(), groups: new Map(), apps: new Map(), sps: new Map(), aus: new Map() };
}

/** Ids are GUIDs compared case-insensitively, as the directory does. */
function normaliseKey(key: string): string {
  return key.toLowerCase();
}

function withKey(kind: KindId, item: GraphObject): GraphObject {
  const keyProperty = KEY_PROPERTY[kind];
  const directoryType = DIRECTORY_TYPES[kind];
  if (directoryType) item['@odata.type'] = `#microsoft.graph.${directoryType}`;
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
    default:
      return bulkDirectoryObject(kind, index, created);
  }
}

/** A small directory object of a directory kind for seedBulk. */
function bulkDirectoryObject(kind: KindId, index: number, created: string): GraphObject {
  const serial = String(index).padStart(5, '0');
  const base: GraphObject = { '@odata.type': `#microsoft.graph.${DIRECTORY_TYPES[kind] ?? 'directoryObject'}`, id: randomUUID() };
  switch (kind) {
    case 'users':
      return { ...base, displayName: `Bulk User ${serial}`, userPrincipalName: `bulk.user${serial}@contoso.onmicrosoft.com`, department: 'Sales', accountEnabled: true, userType: 'Member', assignedLicenses: [] };
    case 'groups':
      return { ...base, displayName: `BULK${serial} project team`, groupTypes: ['Unified'], securityEnabled: false, mailEnabled: true, visibility: 'Private', mail: `bulk${serial}@contoso.onmicrosoft.com`, resourceProvisioningOptions: [], createdDateTime: created };
    case 'apps':
      return { ...base, displayName: `BULK${serial} integration`, appId: randomUUID(), signInAudience: 'AzureADMyOrg', passwordCredentials: [], keyCredentials: [], createdDateTime: created };
    case 'sps':
      return { ...base, displayName: `BULK${serial} connector`, appId: randomUUID(), servicePrincipalType: 'Application', accountEnabled: true };
    default:
      return { ...base, displayName: `BULK${serial} region`, description: null, visibility: null, membershipType: null };
  }
}
