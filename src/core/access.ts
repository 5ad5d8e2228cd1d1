/**
 * Who may do what. Users are identified by their Entra object id (from.aadObjectId),
 * never by display name. Approvers are operators too.
 */

export type Role = 'operator' | 'approver';

export interface AccessPolicy {
  operatorIds: readonly string[];
  approverIds: readonly string[];
  operatorGroupId?: string;
  approverGroupId?: string;
}

/** Port: which of these groups the user is a transitive member of (Graph checkMemberGroups). */
export interface MembershipDirectory {
  memberGroups(userId: string, groupIds: string[]): Promise<string[]>;
}

/** Port: display names from the directory, so a record never trusts the name a client sent. */
export interface PeopleDirectory {
  displayNameOf(userId: string): Promise<string | undefined>;
}

export interface Actor {
  aadObjectId: string;
  name: string;
  /**
   * 'directory' when the name was read from Entra; 'client' when it is the name the Teams
   * client sent (the bot could not read the directory), shown as unverified.
   */
  nameSource?: 'directory' | 'client';
  /** Teams user id (29:…), used for mentions and user-specific card views. */
  teamsId?: string;
}

/** Who a turn claims to come from, before anything is verified. */
export interface ClaimedUser {
  aadObjectId: string;
  name?: string;
  teamsId?: string;
}

/** Where something was attempted, for the audit log. */
export interface Where {
  conversationId: string;
  conversationType?: string;
}

/** Longest display name kept; longer ones are cut. */
const NAME_MAX = 120;

export const MEMBERSHIP_CACHE_MS = 5 * 60 * 1000;

export class AccessControl {
  private readonly cache = new Map<string, { roles: Set<Role>; until: number }>();
  private readonly names = new Map<string, { name: string | undefined; until: number }>();

  constructor(
    private readonly policy: AccessPolicy,
    private readonly directory: MembershipDirectory & Partial<PeopleDirectory>,
    private readonly now: () => Date = () => new Date(),
    private readonly cacheMs = MEMBERSHIP_CACHE_MS,
  ) {}

  /**
   * The actor as records should show them: identified by object id, named from the
   * directory when the bot can read it, otherwise by the client's name marked as such.
   */
  async identify(claimed: ClaimedUser): Promise<Actor> {
    const id = claimed.aadObjectId.toLowerCase();
    let cached = this.names.get(id);
    if (!cached || cached.until <= this.now().getTime()) {
      const name = await this.directory.displayNameOf?.(claimed.aadObjectId).catch(() => undefined);
      cached = { name, until: this.now().getTime() + this.cacheMs };
      this.names.set(id, cached);
    }
    const base = { aadObjectId: claimed.aadObjectId, ...(claimed.teamsId ? { teamsId: claimed.teamsId } : {}) };
    if (cached.name) return { ...base, name: cached.name.slice(0, NAME_MAX), nameSource: 'directory' };
    return { ...base, name: (claimed.name || claimed.aadObjectId).replace(/\s+/g, ' ').trim().slice(0, NAME_MAX) || claimed.aadObjectId, nameSource: 'client' };
  }

  /** Roles of a user; group answers are cached for at most five minutes, unless `fresh` asks the directory now. */
  async rolesOf(aadObjectId: string | undefined, options: { fresh?: boolean } = {}): Promise<Set<Role>> {
    if (!aadObjectId) return new Set();
    const id = aadObjectId.toLowerCase();
    const cached = this.cache.get(id);
    if (cached && !options.fresh && cached.until > this.now().getTime()) return cached.roles;

    const roles = new Set<Role>();
    const has = (list: readonly string[]) => list.some((entry) => entry.toLowerCase() === id);
    if (has(this.policy.approverIds)) roles.add('approver');
    if (has(this.policy.operatorIds)) roles.add('operator');
    const groups = [this.policy.approverGroupId, this.policy.operatorGroupId].filter((g): g is string => Boolean(g));
    if (groups.length > 0 && !(roles.has('approver'))) {
      const memberOf = new Set((await this.directory.memberGroups(aadObjectId, groups)).map((g) => g.toLowerCase()));
      if (this.policy.approverGroupId && memberOf.has(this.policy.approverGroupId.toLowerCase())) roles.add('approver');
      if (this.policy.operatorGroupId && memberOf.has(this.policy.operatorGroupId.toLowerCase())) roles.add('operator');
    }
    if (roles.has('approver')) roles.add('operator');
    this.cache.set(id, { roles, until: this.now().getTime() + this.cacheMs });
    return roles;
  }

  async has(aadObjectId: string | undefined, role: Role, options: { fresh?: boolean } = {}): Promise<boolean> {
    return (await this.rolesOf(aadObjectId, options)).has(role);
  }
}
