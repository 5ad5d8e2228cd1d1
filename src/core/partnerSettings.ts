import { isDeepStrictEqual } from 'node:util';
import type { GraphObject } from './model';

/**
 * Cross-tenant partner settings named the way an admin thinks ("mfa on",
 * "b2b-inbound block users"), mapped to Graph's crossTenantAccessPolicyConfigurationPartner
 * shape. Each setting can read its current value in words and write its new value into a
 * PATCH body that holds only the top-level properties it touches.
 */

export type Access = 'allow' | 'block';
export type Scope = 'users' | 'apps';

export interface SettingChange {
  setting: string;
  /** What the approval card shows: "Inbound trust: MFA from partner". */
  label: string;
  /** Current value in words, read from Graph at request time. */
  from: string;
  to: string;
}

/** A value the PATCH body carries without changing it: "Inbound trust: MFA from the partner", "stays on". */
export interface CarriedValue {
  label: string;
  value: string;
}

/** The two objects a partner change can touch. */
export interface PartnerConfiguration {
  partner: GraphObject;
  /** The identity-sync policy, when the partner has one. */
  sync?: GraphObject;
}

export interface PartnerEdit {
  /** Merged into a PATCH of the partner: only top-level properties that change. */
  patch: GraphObject;
  /** PUT to …/identitySynchronization when user sync changes. */
  userSyncAllowed?: boolean;
}

interface ParsedValue {
  words: string;
  apply(edit: PartnerEdit, current: PartnerConfiguration): void;
  /** Current value in the same words, for the diff and the "changed since" check. */
  read(current: PartnerConfiguration): string;
}

/** One field of the PATCH body, readable in words. */
interface BodyField {
  property: string;
  field: string;
  read(current: PartnerConfiguration): string;
}

interface SettingSpec {
  name: string;
  label: string;
  help: string;
  /** The PATCH-body fields this setting lives in (none for user sync, which is a PUT). */
  fields: BodyField[];
  /** How the edit form shows it: on/off, or allow/block per scope. */
  form: 'toggle' | 'choice';
  /** How many words the value takes, given the words after the setting name. */
  parse(words: string[]): { value: ParsedValue; used: number } | string;
}

const object = (value: unknown): GraphObject => (value && typeof value === 'object' ? (value as GraphObject) : {});

function flag(name: string, label: string, property: string, field: string): SettingSpec {
  const read = (current: PartnerConfiguration) => {
    const value = object(current.partner[property])[field];
    return value === true ? 'on' : value === false ? 'off' : 'not set (default)';
  };
  return {
    name,
    label,
    help: `${name} on|off`,
    form: 'toggle',
    fields: [{ property, field, read }],
    parse: (words) => {
      const word = words[0]?.toLowerCase();
      if (word !== 'on' && word !== 'off') return `${name} takes on or off.`;
      return {
        used: 1,
        value: {
          words: word,
          read,
          apply: (edit, current) => {
            // Graph replaces a complex property as a whole, so unchanged fields are sent as they are.
            const merged = { ...object(current.partner[property]), ...object(edit.patch[property]), [field]: word === 'on' };
            edit.patch[property] = merged;
          },
        },
      };
    },
  };
}

/** `allow|block [users|apps]` on a B2B-style setting (both scopes when none is given). */
function access(name: string, label: string, property: string, appsTarget: string): SettingSpec {
  const scopes: Record<Scope, { field: string; target: string; targetType: string; words: string }> = {
    users: { field: 'usersAndGroups', target: 'AllUsers', targetType: 'user', words: 'all users' },
    apps: { field: 'applications', target: appsTarget, targetType: 'application', words: appsTarget === 'Office365' ? 'Office 365' : 'all applications' },
  };
  const describe = (configuration: unknown, scope: Scope): string => {
    if (configuration === null || configuration === undefined) return 'inherited from default';
    const { accessType, targets } = object(configuration) as { accessType?: string; targets?: { target?: string }[] };
    const verb = accessType === 'allowed' ? 'allow' : accessType === 'blocked' ? 'block' : String(accessType ?? 'unset');
    const list = Array.isArray(targets) ? targets : [];
    if (list.length === 1 && list[0].target === scopes[scope].target) return `${verb} ${scopes[scope].words}`;
    return `${verb} ${list.length} specific target${list.length === 1 ? '' : 's'}`;
  };
  return {
    name,
    label,
    help: `${name} allow|block [users|apps]`,
    form: 'choice',
    fields: (['users', 'apps'] as const).map((scope) => ({
      property,
      field: scopes[scope].field,
      read: (current: PartnerConfiguration) => `${scope}: ${describe(object(current.partner[property])[scopes[scope].field], scope)}`,
    })),
    parse: (words) => {
      const verb = words[0]?.toLowerCase();
      if (verb !== 'allow' && verb !== 'block') return `${name} takes allow or block, optionally followed by users or apps.`;
      const scopeWord = words[1]?.toLowerCase();
      const chosen: Scope[] = scopeWord === 'users' || scopeWord === 'apps' ? [scopeWord] : ['users', 'apps'];
      const used = chosen.length === 1 ? 2 : 1;
      const read = (current: PartnerConfiguration) => chosen.map((scope) => `${scope}: ${describe(object(current.partner[property])[scopes[scope].field], scope)}`).join(', ');
      return {
        used,
        value: {
          words: chosen.map((scope) => `${scope}: ${verb} ${scopes[scope].words}`).join(', '),
          read,
          apply: (edit, current) => {
            const merged = { ...object(current.partner[property]), ...object(edit.patch[property]) };
            for (const scope of chosen) {
              const { field, target, targetType } = scopes[scope];
              merged[field] = { accessType: verb === 'allow' ? 'allowed' : 'blocked', targets: [{ target, targetType }] };
            }
            edit.patch[property] = merged;
          },
        },
      };
    },
  };
}

const userSync: SettingSpec = {
  name: 'user-sync',
  label: 'Identity sync: users from the partner',
  help: 'user-sync on|off',
  form: 'toggle',
  fields: [],
  parse: (words) => {
    const word = words[0]?.toLowerCase();
    if (word !== 'on' && word !== 'off') return 'user-sync takes on or off.';
    return {
      used: 1,
      value: {
        words: word,
        read: (current) => {
          const allowed = object(current.sync?.userSyncInbound).isSyncAllowed;
          return !current.sync ? 'off (no sync policy)' : allowed === true ? 'on' : 'off';
        },
        apply: (edit) => {
          edit.userSyncAllowed = word === 'on';
        },
      },
    };
  },
};

export const PARTNER_SETTINGS: readonly SettingSpec[] = [
  flag('mfa', 'Inbound trust: MFA from the partner', 'inboundTrust', 'isMfaAccepted'),
  flag('compliant-device', 'Inbound trust: compliant devices', 'inboundTrust', 'isCompliantDeviceAccepted'),
  flag('hybrid-joined', 'Inbound trust: hybrid joined devices', 'inboundTrust', 'isHybridAzureADJoinedDeviceAccepted'),
  flag('auto-consent-inbound', 'Automatic user consent, inbound', 'automaticUserConsentSettings', 'inboundAllowed'),
  flag('auto-consent-outbound', 'Automatic user consent, outbound', 'automaticUserConsentSettings', 'outboundAllowed'),
  access('b2b-inbound', 'B2B collaboration, inbound', 'b2bCollaborationInbound', 'AllApplications'),
  access('b2b-outbound', 'B2B collaboration, outbound', 'b2bCollaborationOutbound', 'AllApplications'),
  access('direct-connect-inbound', 'B2B direct connect, inbound', 'b2bDirectConnectInbound', 'AllApplications'),
  access('direct-connect-outbound', 'B2B direct connect, outbound', 'b2bDirectConnectOutbound', 'AllApplications'),
  access('tenant-restrictions', 'Tenant restrictions', 'tenantRestrictions', 'Office365'),
  userSync,
];

export interface RequestedSetting {
  spec: SettingSpec;
  value: ParsedValue;
}

/** Parses "mfa on b2b-inbound block users …" or says what is wrong, with did-you-mean help. */
export function parseSettings(words: string[], suggest: (word: string, candidates: string[]) => string | undefined): RequestedSetting[] | string {
  const requested: RequestedSetting[] = [];
  let index = 0;
  if (words.length === 0) return `Say which settings to change, e.g. \`mfa on\`. Settings: ${PARTNER_SETTINGS.map((s) => s.name).join(', ')}.`;
  while (index < words.length) {
    const name = words[index].toLowerCase();
    const spec = PARTNER_SETTINGS.find((s) => s.name === name);
    if (!spec) {
      const guess = suggest(name, PARTNER_SETTINGS.map((s) => s.name));
      return `"${words[index]}" is not a partner setting.${guess ? ` Did you mean \`${guess}\`?` : ''} Settings: ${PARTNER_SETTINGS.map((s) => s.help).join('; ')}.`;
    }
    const parsed = spec.parse(words.slice(index + 1));
    if (typeof parsed === 'string') return parsed;
    requested.push({ spec, value: parsed.value });
    index += 1 + parsed.used;
  }
  return requested;
}

/** The edit and the human diff for these settings against the current configuration. */
export function planEdit(requested: RequestedSetting[], current: PartnerConfiguration): { edit: PartnerEdit; changes: SettingChange[] } {
  const edit: PartnerEdit = { patch: {} };
  const changes: SettingChange[] = [];
  for (const { spec, value } of requested) {
    const from = value.read(current);
    const after: PartnerConfiguration = { partner: { ...current.partner, ...edit.patch }, sync: current.sync };
    value.apply(edit, after);
    const to = value.read({ partner: { ...current.partner, ...edit.patch }, sync: edit.userSyncAllowed === undefined ? current.sync : { ...(current.sync ?? {}), userSyncInbound: { isSyncAllowed: edit.userSyncAllowed } } });
    if (from !== to) changes.push({ setting: `${spec.name} ${value.words}`, label: spec.label, from, to });
  }
  return { edit, changes };
}

/**
 * Re-reads each changed setting the PATCH body does not carry (user sync); the ones that no
 * longer match what the approver saw. The PATCH body is checked as a whole by carriedDrift.
 */
export function changedSince(requested: RequestedSetting[], changes: SettingChange[], current: PartnerConfiguration): string[] {
  return requested
    .filter(({ spec }) => spec.fields.length === 0)
    .map(({ spec, value }) => ({ spec, now: value.read(current), change: changes.find((c) => c.label === spec.label) }))
    .filter(({ now, change }) => change !== undefined && now !== change.from)
    .map(({ spec, now, change }) => `${spec.label} is now "${now}" (it was "${change!.from}" when requested)`);
}

const BODY_FIELDS = PARTNER_SETTINGS.flatMap((spec) => spec.fields.map((field) => ({ ...field, label: spec.label })));
const labelOf = (property: string) => BODY_FIELDS.find((f) => f.property === property)?.label ?? property;

/**
 * Every value the PATCH body carries without changing it, in words. Graph replaces each
 * property as a whole, so these are written too and the approver must see them.
 */
export function carriedValues(edit: PartnerEdit, current: PartnerConfiguration): CarriedValue[] {
  const after: PartnerConfiguration = { partner: { ...current.partner, ...edit.patch } };
  const carried: CarriedValue[] = [];
  for (const [property, body] of Object.entries(edit.patch)) {
    for (const [field, value] of Object.entries(object(body))) {
      const known = BODY_FIELDS.find((f) => f.property === property && f.field === field);
      if (!known) carried.push({ label: `${labelOf(property)} (${field})`, value: `stays ${value === null || value === undefined ? 'not set' : JSON.stringify(value)}` });
      else if (known.read(current) === known.read(after)) carried.push({ label: known.label, value: `stays ${known.read(current)}` });
    }
  }
  return carried;
}

/** The request-time value of each top-level property the PATCH body carries. */
export function baselineOf(edit: PartnerEdit, current: PartnerConfiguration): GraphObject {
  return Object.fromEntries(Object.keys(edit.patch).map((property) => [property, current.partner[property] ?? null]));
}

/** The properties of the PATCH body that no longer hold their request-time value, in words. */
export function carriedDrift(edit: PartnerEdit, baseline: GraphObject, current: PartnerConfiguration): string[] {
  const then: PartnerConfiguration = { partner: baseline };
  const drift: string[] = [];
  for (const property of Object.keys(edit.patch)) {
    if (isDeepStrictEqual(current.partner[property] ?? null, baseline[property] ?? null)) continue;
    const described = BODY_FIELDS.filter((f) => f.property === property && f.read(current) !== f.read(then)).map(
      (f) => `${f.label} is now "${f.read(current)}" (it was "${f.read(then)}" when requested)`,
    );
    drift.push(...(described.length > 0 ? described : [`${labelOf(property)} (${property}) is no longer as it was when requested`]));
  }
  return drift;
}

/** One field of the partner edit form, pre-filled from the current configuration. */
export interface FormField {
  id: string;
  title: string;
  control: 'toggle' | 'choice';
  value: string;
  options?: { title: string; value: string }[];
}

const KEEP = 'keep';

/** The edit form: flags as toggles, allow/block settings as a choice per scope. */
export function editForm(current: PartnerConfiguration): FormField[] {
  const fields: FormField[] = [];
  for (const spec of PARTNER_SETTINGS) {
    if (spec.form === 'toggle') {
      const parsed = spec.parse(['on']);
      const now = typeof parsed === 'string' ? 'off' : parsed.value.read(current);
      fields.push({ id: spec.name, title: spec.label, control: 'toggle', value: now === 'on' ? 'on' : 'off' });
      continue;
    }
    for (const scope of ['users', 'apps'] as const) {
      const parsed = spec.parse(['allow', scope]);
      const now = typeof parsed === 'string' ? '' : parsed.value.read(current).replace(`${scope}: `, '');
      const simple = /^(allow|block) (all users|all applications|Office 365)$/.exec(now)?.[1];
      fields.push({
        id: `${spec.name}.${scope}`,
        title: `${spec.label} (${scope})`,
        control: 'choice',
        value: simple ?? KEEP,
        options: [
          ...(simple ? [] : [{ title: `Keep: ${now}`, value: KEEP }]),
          { title: `Allow ${scope === 'users' ? 'all users' : 'all apps'}`, value: 'allow' },
          { title: `Block ${scope === 'users' ? 'all users' : 'all apps'}`, value: 'block' },
        ],
      });
    }
  }
  return fields;
}

/** Turns a submitted edit form into setting words, keeping only what differs from now. */
export function settingsFromForm(inputs: Record<string, unknown>, current: PartnerConfiguration): string[] {
  const words: string[] = [];
  for (const field of editForm(current)) {
    const submitted = inputs[field.id];
    if (typeof submitted !== 'string' || submitted === field.value || submitted === KEEP) continue;
    if (field.control === 'toggle' && (submitted === 'on' || submitted === 'off')) words.push(field.id, submitted);
    if (field.control === 'choice' && (submitted === 'allow' || submitted === 'block')) {
      const [name, scope] = field.id.split('.');
      words.push(name, submitted, scope);
    }
  }
  return words;
}

/** A one-line summary of the settings an admin scans a partner list for. */
export function partnerSummary(current: PartnerConfiguration): string {
  const trusted = ['mfa', 'compliant-device', 'hybrid-joined'].filter((name) => {
    const parsed = PARTNER_SETTINGS.find((s) => s.name === name)!.parse(['on']);
    return typeof parsed !== 'string' && parsed.value.read(current) === 'on';
  });
  const b2bIn = PARTNER_SETTINGS.find((s) => s.name === 'b2b-inbound')!.parse(['allow']);
  const b2bOut = PARTNER_SETTINGS.find((s) => s.name === 'b2b-outbound')!.parse(['allow']);
  const read = (parsed: typeof b2bIn) => (typeof parsed === 'string' ? '' : parsed.value.read(current));
  return [`Inbound trust: ${trusted.length ? trusted.join(', ') : 'none'}`, `B2B in (${read(b2bIn)})`, `B2B out (${read(b2bOut)})`].join(' · ');
}
