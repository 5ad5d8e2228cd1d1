import type { GraphObject } from './model';

/** Port: the organisation name of any Entra tenant (src/graph implements it). Undefined when Graph knows no such tenant. */
export interface TenantDirectory {
  organisationName(tenantId: string): Promise<string | undefined>;
}

export interface OrganisationNamesOptions {
  /** Organisation names rarely change; a day keeps listings to at most one lookup per partner per day. */
  ttlMs?: number;
  /** A failed lookup (no permission, throttled) is not retried for this long, so listings do not pay for it each time. */
  failureTtlMs?: number;
  /** Lookups a single listing may start; partners beyond it keep their tenant id until a later listing. */
  maxLookupsPerListing?: number;
  /** Lookups running at once. */
  parallel?: number;
  nowMs?: () => number;
}

interface CacheEntry {
  name: Promise<string | undefined>;
  expiresAt: number;
}

/**
 * Partners' organisation names, cached. Every failure ends as "no name", so a partner
 * whose name cannot be read is shown by its tenant id and nothing else changes.
 */
export class OrganisationNames {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly maxLookups: number;
  private readonly parallel: number;
  private readonly nowMs: () => number;

  constructor(
    private readonly directory: TenantDirectory,
    options: OrganisationNamesOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 24 * 60 * 60_000;
    this.failureTtlMs = options.failureTtlMs ?? 5 * 60_000;
    this.maxLookups = options.maxLookupsPerListing ?? 50;
    this.parallel = options.parallel ?? 8;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** The cached name, or a fresh lookup. */
  nameOf(tenantId: string): Promise<string | undefined> {
    return this.cached(tenantId) ?? this.lookUp(tenantId);
  }

  /**
   * The objects with `displayName` set to their tenant's organisation name where Graph sent
   * none (partners have no name in the metadata). Objects are copied, never changed.
   */
  async named<T extends GraphObject>(objects: T[]): Promise<T[]> {
    const unnamed = [...new Set(objects.filter(needsName).map((o) => String(o.tenantId).toLowerCase()))];
    const toLookUp = unnamed.filter((id) => !this.cached(id)).slice(0, this.maxLookups);
    for (let start = 0; start < toLookUp.length; start += this.parallel) {
      await Promise.all(toLookUp.slice(start, start + this.parallel).map((id) => this.lookUp(id)));
    }
    const names = new Map(await Promise.all(unnamed.map(async (id) => [id, await this.cached(id)] as const)));
    return objects.map((o) => {
      const name = needsName(o) ? names.get(String(o.tenantId).toLowerCase()) : undefined;
      return name ? { ...o, displayName: name } : o;
    });
  }

  private cached(tenantId: string): Promise<string | undefined> | undefined {
    const key = tenantId.toLowerCase();
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.nowMs()) return entry.name;
    this.entries.delete(key);
    return undefined;
  }

  private lookUp(tenantId: string): Promise<string | undefined> {
    const key = tenantId.toLowerCase();
    const entry: CacheEntry = { name: Promise.resolve(undefined), expiresAt: this.nowMs() + this.ttlMs };
    entry.name = this.directory.organisationName(tenantId).then(
      (name) => name || undefined,
      () => {
        entry.expiresAt = this.nowMs() + this.failureTtlMs;
        return undefined;
      },
    );
    this.entries.set(key, entry);
    return entry.name;
  }
}

const needsName = (o: GraphObject): boolean => typeof o.tenantId === 'string' && o.tenantId !== '' && !(typeof o.displayName === 'string' && o.displayName);
