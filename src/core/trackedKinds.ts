import { createHash } from 'node:crypto';
import type { DirectoryNames, DirectoryReference } from './directoryNames';
import { KINDS, kindById, type ResourceKind } from './kinds';
import type { DetailSection, GraphObject, KindId } from './model';
import { summarisePartner } from './summaries';
import { buildSections, section, strings, summariseList, text } from './summaries/format';

/**
 * The kinds whose live objects the bot keeps versions of: the four recycle-bin kinds (their
 * entries in KINDS supply names, summaries and audit services) plus two kinds Entra cannot
 * soft-delete, so a stored copy is their only way back: the default cross-tenant
 * configuration and custom authentication strengths.
 */

export type TrackedKindId = KindId | 'default' | 'strengths';

export interface TrackedKind {
  id: TrackedKindId;
  label: string;
  plural: string;
  /** Words accepted in `alerts on changes …`; the first is the canonical one. */
  aliases: string[];
  /** The recycle-bin kind of the same objects, when Entra soft-deletes them. */
  binKind?: KindId;
  key(raw: GraphObject): string;
  displayName(raw: GraphObject): string;
  summarise(raw: GraphObject, names: DirectoryNames): DetailSection[];
  directoryReferences(raw: GraphObject): DirectoryReference[];
  /**
   * Properties left out of the content hash: set by the service on every write, or added by
   * this bot (a partner's organisation name), so a change there is nobody's change.
   */
  volatile: readonly string[];
  /**
   * Properties a write may carry, from the entity type in graph-csdl.xml: declared, and neither
   * the key nor server-managed (createdDateTime, modifiedDateTime, deletedDateTime). Beta-only
   * properties are left out because live writes go to v1.0.
   */
  settable: readonly string[];
  /** How a write to it shows in the directory audit log (activity names compared case-insensitively). */
  audit: { service: string; activities: readonly string[]; match: 'targetId' | 'tenantIdProperty' | 'any' };
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const noDirectoryReferences = (): DirectoryReference[] => [];
const SERVER_MANAGED = ['createdDateTime', 'modifiedDateTime', 'deletedDateTime', '@odata.context', '@odata.etag'];

function fromBin(id: KindId, extra: Pick<TrackedKind, 'volatile' | 'settable' | 'audit'>): TrackedKind {
  const kind: ResourceKind = kindById(id);
  return {
    id,
    label: kind.label,
    plural: kind.plural,
    aliases: kind.aliases,
    binKind: id,
    key: (raw) => str(raw[kind.key]),
    displayName: kind.displayName,
    summarise: kind.summarise,
    directoryReferences: kind.directoryReferences,
    ...extra,
  };
}

/** Properties of crossTenantAccessPolicyConfigurationPartner/Default a v1.0 PATCH may set. */
const CROSS_TENANT_SETTINGS = [
  'inboundTrust',
  'b2bCollaborationInbound',
  'b2bCollaborationOutbound',
  'b2bDirectConnectInbound',
  'b2bDirectConnectOutbound',
  'tenantRestrictions',
  'automaticUserConsentSettings',
];

function summariseStrength(raw: GraphObject): DetailSection[] {
  return buildSections([
    () =>
      section('Authentication strength', [
        ['Name', text(raw.displayName)],
        ['Description', text(raw.description)],
        ['Type', text(raw.policyType)],
        ['Allowed combinations', summariseList(strings(raw.allowedCombinations), { max: 20 })],
      ]),
  ]);
}

export const TRACKED_KINDS: readonly TrackedKind[] = [
  fromBin('ca', {
    volatile: [...SERVER_MANAGED],
    settable: ['displayName', 'description', 'state', 'conditions', 'grantControls', 'sessionControls'],
    audit: { service: 'Conditional Access', activities: ['Add conditional access policy', 'Update conditional access policy'], match: 'targetId' },
  }),
  fromBin('locations', {
    volatile: [...SERVER_MANAGED],
    // namedLocation declares displayName; its two subtypes add these (Graph needs @odata.type in a PATCH body).
    settable: ['@odata.type', 'displayName', 'ipRanges', 'isTrusted', 'countriesAndRegions', 'includeUnknownCountriesAndRegions', 'countryLookupMethod'],
    audit: { service: 'Conditional Access', activities: ['Add named location', 'Update named location'], match: 'targetId' },
  }),
  fromBin('partners', {
    // displayName is the organisation name this bot adds to partners; identitySynchronization is tracked as its own kind.
    volatile: [...SERVER_MANAGED, 'displayName', 'identitySynchronization', 'isInMultiTenantOrganization'],
    settable: [...CROSS_TENANT_SETTINGS, 'isServiceProvider', 'm365CollaborationInbound', 'm365CollaborationOutbound', 'appServiceConnectInbound'],
    audit: { service: 'Core Directory', activities: ['Add a partner to cross-tenant access setting', 'Update a partner cross-tenant access setting'], match: 'tenantIdProperty' },
  }),
  fromBin('sync', {
    volatile: [...SERVER_MANAGED],
    settable: ['displayName', 'userSyncInbound'],
    audit: { service: 'Core Directory', activities: ['Create a partner cross-tenant identity sync setting', 'Update a partner cross-tenant identity sync setting'], match: 'tenantIdProperty' },
  }),
  {
    id: 'default',
    label: 'default cross-tenant access configuration',
    plural: 'default cross-tenant access configuration',
    aliases: ['default', 'xtap-default'],
    key: () => 'default',
    displayName: () => 'Default cross-tenant access settings',
    summarise: (raw) => summarisePartner(raw),
    directoryReferences: noDirectoryReferences,
    volatile: [...SERVER_MANAGED, 'isServiceDefault'],
    // v1.0 crossTenantAccessPolicyConfigurationDefault: isServiceDefault is the service's (it turns false on any write).
    settable: [...CROSS_TENANT_SETTINGS, 'invitationRedemptionIdentityProviderConfiguration', 'm365CollaborationInbound', 'm365CollaborationOutbound', 'appServiceConnectInbound'],
    audit: { service: 'Core Directory', activities: ['Update the company default cross-tenant access setting', 'Reset the cross-tenant access default setting'], match: 'any' },
  },
  {
    id: 'strengths',
    label: 'custom authentication strength',
    plural: 'custom authentication strengths',
    aliases: ['strengths', 'auth-strengths'],
    key: (raw) => str(raw.id),
    displayName: (raw) => str(raw.displayName) || str(raw.id),
    summarise: (raw) => summariseStrength(raw),
    directoryReferences: noDirectoryReferences,
    volatile: [...SERVER_MANAGED],
    // allowedCombinations change through the updateAllowedCombinations action, not PATCH.
    settable: ['displayName', 'description'],
    audit: { service: 'Conditional Access', activities: ['Add authentication strength policy', 'Update authentication strength policy'], match: 'targetId' },
  },
];

export function trackedKind(id: TrackedKindId): TrackedKind {
  const kind = TRACKED_KINDS.find((k) => k.id === id);
  if (!kind) throw new Error(`unknown tracked kind ${id}`);
  return kind;
}

/** The words for any kind a request names: a recycle-bin kind or one only tracked here. */
export function kindWords(kind: TrackedKindId): { label: string; plural: string } {
  const tracked = TRACKED_KINDS.find((k) => k.id === kind && !k.binKind);
  return tracked ?? kindById(kind as KindId);
}

/** Whether an item is of a recycle-bin kind (restores, bulk restores and the mirror name only those). */
export const isBinKind = (kind: TrackedKindId): kind is KindId => KINDS.some((k) => k.id === kind);

export function trackedKindIdOf(value: unknown): TrackedKindId | undefined {
  return typeof value === 'string' && TRACKED_KINDS.some((k) => k.id === value) ? (value as TrackedKindId) : undefined;
}

export function trackedKindByAlias(word: string): TrackedKind | undefined {
  const lower = word.toLowerCase();
  return TRACKED_KINDS.find((k) => k.aliases.includes(lower));
}

/**
 * Recycle-bin kinds whose live objects the bot keeps no versions of, each with the reason. Every
 * kind in KINDS is either tracked above or listed here (a test checks it), so a kind added
 * later is a decision, not an accident.
 *
 * The directory kinds are left out on purpose: they are not policy objects, they change all
 * day (sign-ins, licences, memberships, credentials), so a version per change would cost more
 * storage than every policy kind together and alert constantly; Entra's soft delete keeps them
 * whole for 30 days (memberships and app roles included), which a stored copy could never do;
 * and a user, group or app created again gets a new id that nothing else in the tenant knows,
 * so recreate would not bring them back in any useful sense.
 */
const DIRECTORY_REASON = 'a directory object, not a policy: it changes constantly, its restore keeps what a stored copy cannot (memberships, roles, credentials), and a copy created again would be a stranger with a new id';
export const UNTRACKED_BIN_KINDS: Readonly<Partial<Record<KindId, string>>> = {
  users: DIRECTORY_REASON,
  groups: DIRECTORY_REASON,
  apps: DIRECTORY_REASON,
  sps: `${DIRECTORY_REASON}; a service principal also follows its app`,
  aus: DIRECTORY_REASON,
};

/** The recycle-bin kinds neither tracked nor listed as untracked (the tests require none). */
export function undecidedBinKinds(): KindId[] {
  return KINDS.map((k) => k.id).filter((id) => !TRACKED_KINDS.some((t) => t.binKind === id) && !UNTRACKED_BIN_KINDS[id]);
}

// ---- content ----------------------------------------------------------------------------

/** JSON with object keys sorted, volatile top-level properties left out: equal content, equal text. */
export function canonicalForm(kind: TrackedKind, raw: GraphObject): string {
  const volatile = new Set(kind.volatile);
  const top = Object.fromEntries(Object.entries(raw).filter(([name]) => !volatile.has(name)));
  return JSON.stringify(sortKeys(top));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function contentHash(kind: TrackedKind, raw: GraphObject): string {
  return createHash('sha256').update(canonicalForm(kind, raw)).digest('base64url').slice(0, 22);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a ?? null)) === JSON.stringify(sortKeys(b ?? null));

/**
 * The body of a write that turns `current` back into `target`: the settable properties whose
 * values differ, each with its value in `target` (null when target did not have it).
 */
export function revertBody(kind: TrackedKind, target: GraphObject, current: GraphObject): GraphObject {
  const body: GraphObject = {};
  for (const name of kind.settable) {
    if (name === '@odata.type') continue;
    if (!same(target[name], current[name])) body[name] = target[name] ?? null;
  }
  if (Object.keys(body).length > 0 && kind.settable.includes('@odata.type') && typeof target['@odata.type'] === 'string') body['@odata.type'] = target['@odata.type'];
  return body;
}

/** The settable properties of a stored version: the body that creates it again. */
export function creationBody(kind: TrackedKind, version: GraphObject): GraphObject {
  const body: GraphObject = {};
  for (const name of kind.settable) if (version[name] !== undefined && version[name] !== null) body[name] = version[name];
  return body;
}

/** Top-level properties whose content differs (volatile ones ignored). */
export function changedProperties(kind: TrackedKind, before: GraphObject, after: GraphObject): string[] {
  const volatile = new Set(kind.volatile);
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => !volatile.has(name) && !same(before[name], after[name])).sort();
}

/**
 * What changed, in the words of the details card: each fact whose value differs, as
 * "Label: before → after", list facts as "+ added, − removed". Properties the summary does
 * not show are named at the end, so no change goes unmentioned.
 */
export function describeChange(kind: TrackedKind, before: GraphObject | undefined, after: GraphObject, names: DirectoryNames): string[] {
  if (!before) return [];
  const factsOf = (raw: GraphObject) => {
    const facts = new Map<string, string>();
    for (const { title, facts: list } of kind.summarise(raw, names)) for (const { label, value } of list) facts.set(`${title}\u0000${label}`, value);
    return facts;
  };
  const was = factsOf(before);
  const now = factsOf(after);
  const lines: string[] = [];
  const labels = [...new Set([...was.keys(), ...now.keys()])];
  for (const key of labels) {
    const from = was.get(key);
    const to = now.get(key);
    if (from === to) continue;
    const label = key.split('\u0000')[1];
    lines.push(`${label}: ${listChange(from, to) ?? `${from ?? 'not set'} → ${to ?? 'removed'}`}`);
  }
  if (lines.length === 0) {
    const properties = changedProperties(kind, before, after);
    if (properties.length > 0) lines.push(`Changed properties: ${properties.join(', ')}`);
  }
  return lines;
}

/** "+ Contractors, − Finance" when both values are lists of names that differ only in members. */
function listChange(from: string | undefined, to: string | undefined): string | undefined {
  if (!from || !to) return undefined;
  const split = (value: string) => value.replace(/^\d+ [a-z ]+: /i, '').split(/, | and /).map((s) => s.trim()).filter(Boolean);
  const before = split(from);
  const after = split(to);
  if (before.length < 2 && after.length < 2) return undefined;
  const added = after.filter((name) => !before.includes(name));
  const removed = before.filter((name) => !after.includes(name));
  if (added.length === 0 && removed.length === 0) return undefined;
  return [...added.map((name) => `+ ${name}`), ...removed.map((name) => `− ${name}`)].join(', ');
}

/** The CA policy state in words ("On", "Off", "Report-only"), for state-change alerts. */
export function stateWord(raw: GraphObject | undefined): string | undefined {
  const state = str(raw?.state).toLowerCase();
  return state === 'enabled' ? 'On' : state === 'disabled' ? 'Off' : state === 'enabledforreportingbutnotenforced' ? 'Report-only' : undefined;
}
