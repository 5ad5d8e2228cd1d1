/**
 * Names for the directory objects a policy references (users, groups, apps by app id,
 * service principals, named locations, authentication strengths), so details cards say "Break Glass 1" where
 * Graph says a GUID. Directory roles and well-known apps are named from the built-in
 * vocabulary (summaries/vocabulary.ts) and need no lookup.
 */

/** `application` is an app id (what policies target); `servicePrincipal` an object id (workload identities). */
export type DirectoryObjectType = 'user' | 'group' | 'application' | 'servicePrincipal' | 'location' | 'authenticationStrength';

export interface DirectoryReference {
  type: DirectoryObjectType;
  id: string;
}

/** What a lookup found: a name, or a definite "no such object" (deleted). */
export type ResolvedName = { name: string } | { missing: true };

/** Port: resolves references in as few calls as it can (src/graph implements it). Unresolved ones are left out. */
export interface DirectoryNameSource {
  directoryNames(references: DirectoryReference[]): Promise<DirectoryNames>;
}

const WORDS: Record<DirectoryObjectType, string> = {
  user: 'user',
  group: 'group',
  application: 'app',
  servicePrincipal: 'service principal',
  location: 'named location',
  authenticationStrength: 'authentication strength',
};

const keyOf = (type: DirectoryObjectType, id: string): string => `${type}:${id.toLowerCase()}`;

/** The names one lookup found; an id it could not resolve (no permission, Graph failed) stays an id. */
export class DirectoryNames {
  private readonly entries = new Map<string, ResolvedName>();

  set(type: DirectoryObjectType, id: string, resolved: ResolvedName): this {
    this.entries.set(keyOf(type, id), resolved);
    return this;
  }

  /** The name of an object that exists, or undefined when it is gone or was not looked up. */
  nameOf(type: DirectoryObjectType, id: string): string | undefined {
    const resolved = this.entries.get(keyOf(type, id));
    return resolved && 'name' in resolved ? resolved.name : undefined;
  }

  /** "Break Glass 1 (bg1@…)", "deleted user 0f7c6f1e…", or the id itself. */
  describe(type: DirectoryObjectType, id: string): string {
    const resolved = this.entries.get(keyOf(type, id));
    if (!resolved) return id;
    return 'name' in resolved ? resolved.name : `deleted ${WORDS[type]} ${id.slice(0, 8)}…`;
  }
}

/** Each reference once, in order of first appearance. */
export function distinctReferences(references: DirectoryReference[]): DirectoryReference[] {
  const seen = new Set<string>();
  return references.filter((ref) => {
    const key = keyOf(ref.type, ref.id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
