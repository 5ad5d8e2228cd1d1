import type { GraphObject } from '../core/model';
import { directoryBadRequest, invalidObjectId, notFound } from './errors';
import { graphTimestamp } from './odata';

/**
 * Users, security groups and group membership (direct and nested) of the simulated
 * tenant: what checkMemberGroups and transitiveMemberOf read. Methods throw GraphError.
 */

/** A user as tests and seeds add it. Ids need not be GUIDs (the Agents Playground's are not). */
export interface SimUserInput {
  id: string;
  displayName: string;
  userPrincipalName: string;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  jobTitle?: string | null;
}

/** A group as tests and seeds add it. */
export interface SimGroupInput {
  /** Must be a GUID: Graph answers 400 for any other group id. */
  id: string;
  displayName: string;
  /** Default true. */
  securityEnabled?: boolean;
  /** Default: the opposite of securityEnabled (a group is a security group, a mail group, or both). */
  mailEnabled?: boolean;
  description?: string | null;
  /** Direct members: ids of users or groups added before this group. */
  members?: string[];
}

/** checkMemberGroups accepts at most this many group ids per request (documented limit). */
export const MAX_CHECK_MEMBER_GROUPS = 20;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: string): boolean => GUID.test(value);

const key = (id: string): string => id.toLowerCase();
const clone = <T>(value: T): T => structuredClone(value);

export class SimDirectory {
  private readonly users = new Map<string, GraphObject>();
  private readonly groups = new Map<string, GraphObject>();
  /** Group key → keys of its direct members, in the order they were added. */
  private readonly members = new Map<string, Set<string>>();

  constructor(private readonly now: () => Date) {}

  // ---- changes -----------------------------------------------------------------------

  addUser(input: SimUserInput): GraphObject {
    const id = requireText(input.id, 'id');
    const userPrincipalName = requireText(input.userPrincipalName, 'userPrincipalName');
    requireText(input.displayName, 'displayName');
    this.assertIdFree(id);
    const upnTaken = [...this.users.values()].some((user) => key(String(user.userPrincipalName)) === key(userPrincipalName));
    if (upnTaken) throw alreadyExists('userPrincipalName');
    // The properties Graph returns for a user by default (v1.0).
    const user: GraphObject = {
      businessPhones: [],
      displayName: input.displayName,
      givenName: input.givenName ?? null,
      jobTitle: input.jobTitle ?? null,
      mail: input.mail ?? null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: input.surname ?? null,
      userPrincipalName,
      id,
    };
    this.users.set(key(id), user);
    return clone(user);
  }

  addGroup(input: SimGroupInput): GraphObject {
    const id = requireText(input.id, 'id');
    if (!isGuid(id)) throw invalidObjectId(id);
    const displayName = requireText(input.displayName, 'displayName');
    this.assertIdFree(id);
    for (const memberId of input.members ?? []) {
      if (!this.objectExists(memberId)) throw notFound(memberId);
    }
    const securityEnabled = input.securityEnabled ?? true;
    const created = graphTimestamp(this.now());
    // The properties Graph returns for a group by default (v1.0), less the mail-only ones.
    const group: GraphObject = {
      id,
      deletedDateTime: null,
      classification: null,
      createdDateTime: created,
      creationOptions: [],
      description: input.description ?? null,
      displayName,
      expirationDateTime: null,
      groupTypes: [],
      isAssignableToRole: null,
      mail: null,
      mailEnabled: input.mailEnabled ?? !securityEnabled,
      mailNickname: displayName.replace(/[^A-Za-z0-9]/g, '') || id.slice(0, 8),
      membershipRule: null,
      membershipRuleProcessingState: null,
      onPremisesSyncEnabled: null,
      preferredDataLocation: null,
      proxyAddresses: [],
      renewedDateTime: created,
      resourceBehaviorOptions: [],
      resourceProvisioningOptions: [],
      securityEnabled,
      visibility: null,
    };
    this.groups.set(key(id), group);
    this.members.set(key(id), new Set());
    for (const memberId of input.members ?? []) this.addGroupMember(id, memberId);
    return clone(group);
  }

  /** Adds a user or a group (nesting) as a direct member, as POST /groups/{id}/members/$ref does. */
  addGroupMember(groupId: string, memberId: string): void {
    const members = this.members.get(key(groupId));
    if (!members) throw notFound(groupId);
    if (!this.objectExists(memberId)) throw notFound(memberId);
    if (key(groupId) === key(memberId)) throw directoryBadRequest('A group cannot be a member of itself.');
    if (members.has(key(memberId))) {
      throw directoryBadRequest("One or more added object references already exist for the following modified properties: 'members'.");
    }
    members.add(key(memberId));
  }

  /** Removes a direct member, as DELETE /groups/{id}/members/{memberId}/$ref does (404 when it is not one). */
  removeGroupMember(groupId: string, memberId: string): void {
    const members = this.members.get(key(groupId));
    if (!members) throw notFound(groupId);
    if (!members.delete(key(memberId))) throw notFound(memberId);
  }

  // ---- reads -------------------------------------------------------------------------

  /** `/users/{id | userPrincipalName}`: the id first, then the UPN (both case-insensitive). */
  findUser(idOrUpn: string): GraphObject | undefined {
    const byId = this.users.get(key(idOrUpn));
    if (byId) return clone(byId);
    const byUpn = [...this.users.values()].find((user) => key(String(user.userPrincipalName)) === key(idOrUpn));
    return byUpn && clone(byUpn);
  }

  findGroup(id: string): GraphObject | undefined {
    const group = this.groups.get(key(id));
    return group && clone(group);
  }

  listUsers(): GraphObject[] {
    return [...this.users.values()].map(clone);
  }

  listGroups(): GraphObject[] {
    return [...this.groups.values()].map(clone);
  }

  /** Ids of a group's direct members (users and groups). */
  directMemberIds(groupId: string): string[] {
    const members = this.members.get(key(groupId));
    if (!members) throw notFound(groupId);
    return [...members].map((memberKey) => this.idOf(memberKey));
  }

  /**
   * Groups the object (user or group) belongs to directly or through nested groups:
   * direct ones first, then each further level. Cycles are tolerated.
   */
  transitiveGroups(memberId: string): GraphObject[] {
    const found = new Set<string>();
    let frontier = [key(memberId)];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const [groupKey, members] of this.members) {
        if (found.has(groupKey) || !frontier.some((memberKey) => members.has(memberKey))) continue;
        found.add(groupKey);
        next.push(groupKey);
      }
      frontier = next;
    }
    return [...found].map((groupKey) => clone(this.groups.get(groupKey) as GraphObject));
  }

  /** The ids from `groupIds` (request order, no repeats) the object is a transitive member of. */
  memberOfAmong(memberId: string, groupIds: readonly string[]): string[] {
    const memberOf = new Set(this.transitiveGroups(memberId).map((group) => key(String(group.id))));
    const result: string[] = [];
    for (const groupId of groupIds) {
      const groupKey = key(groupId);
      if (memberOf.has(groupKey) && !result.some((id) => key(id) === groupKey)) result.push(this.idOf(groupKey));
    }
    return result;
  }

  // ---- helpers -----------------------------------------------------------------------

  private objectExists(id: string): boolean {
    return this.users.has(key(id)) || this.groups.has(key(id));
  }

  private assertIdFree(id: string): void {
    if (this.objectExists(id)) throw alreadyExists('id');
  }

  private idOf(objectKey: string): string {
    const object = this.users.get(objectKey) ?? this.groups.get(objectKey);
    return object ? String(object.id) : objectKey;
  }
}

function requireText(value: unknown, property: string): string {
  if (typeof value !== 'string' || !value.trim()) throw directoryBadRequest(`The property '${property}' is required.`);
  return value;
}

const alreadyExists = (property: string) =>
  directoryBadRequest(`Another object with the same value for property ${property} already exists.`);
