/**
 * Conditional Access policy → sections of facts an admin reads at a glance.
 * Shapes: conditionalAccessPolicy (API.md §1.5) and its condition set, grant and session
 * controls as documented for Microsoft Graph beta.
 */
import type { DetailSection, GraphObject, ItemRef } from '../model';
import { DirectoryNames, type DirectoryObjectType, type DirectoryReference } from '../directoryNames';
import {
  at,
  attempt,
  buildSections,
  capitalise,
  count,
  enumFlags,
  enumName,
  flag,
  formatDate,
  joinPhrases,
  num,
  record,
  section,
  strings,
  summariseList,
  text,
  type MaybeFact,
  type Noun,
} from './format';
import { APP_NAMES, roleName } from './vocabulary';

const USERS: Noun = ['user', 'users'];
const GROUPS: Noun = ['group', 'groups'];
const ROLES: Noun = ['role', 'roles'];
const APPS: Noun = ['app', 'apps'];
const LOCATIONS: Noun = ['named location', 'named locations'];
const TENANTS: Noun = ['tenant', 'tenants'];
const PRINCIPALS: Noun = ['service principal', 'service principals'];

/** The id Graph uses for the legacy "MFA trusted IPs" location. */
export const MFA_TRUSTED_IPS_ID = '00000000-0000-0000-0000-000000000000';

const STATES: Record<string, string> = {
  enabled: 'On',
  disabled: 'Off',
  enabledforreportingbutnotenforced: 'Report-only',
};
/** conditionalAccessPolicyState by CSDL number. */
const STATE_NUMBERS = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];

/**
 * Describes a list where a few keywords have words of their own and everything else is
 * an id: "All users", or "Guests and external users; 2 users: id1, id2".
 */
function keywordsAndIds(
  value: unknown,
  keywords: Record<string, string>,
  noun: Noun,
  options: { nameOf?: (id: string) => string; max?: number; keep?: number } = {},
): string | undefined {
  const { nameOf = (id: string) => id, max, keep } = options;
  const words: string[] = [];
  const others: string[] = [];
  for (const item of strings(value)) {
    const word = keywords[item.toLowerCase()];
    if (word !== undefined) words.push(word);
    else others.push(nameOf(item));
  }
  return joinPhrases(words.length > 0 ? words.join(', ') : undefined, summariseList(others, { noun, max, keep }));
}

/** Role names are what admins scan for, so show more of them before truncating. */
const ROLE_LIST = { nameOf: roleName, max: 8, keep: 6 };

/** Maps each known value to its words and keeps unknown ones as they are. */
function words(values: readonly string[], vocabulary: Record<string, string>): string[] {
  return values.map((v) => vocabulary[v.toLowerCase()] ?? v);
}

// ---------------------------------------------------------------------------------------
// Overview
// ---------------------------------------------------------------------------------------

function stateWords(value: unknown): string | undefined {
  const name = enumName(value, STATE_NUMBERS);
  if (name === undefined) return undefined;
  return STATES[name] ?? text(value) ?? String(value);
}

function overview(raw: GraphObject): DetailSection | undefined {
  return section('Policy', [
    ['State', stateWords(raw.state)],
    ['Description', text(raw.description)],
    ['Created', formatDate(raw.createdDateTime)],
    ['Last modified', formatDate(raw.modifiedDateTime)],
    ['Policy ID', text(raw.id)],
  ]);
}

// ---------------------------------------------------------------------------------------
// Assignments
// ---------------------------------------------------------------------------------------

const USER_KEYWORDS: Record<string, string> = {
  all: 'All users',
  none: 'None',
  guestsorexternalusers: 'Guests and external users',
};

const GUEST_TYPES: Record<string, string> = {
  none: 'None',
  internalguest: 'Internal guests',
  b2bcollaborationguest: 'B2B collaboration guests',
  b2bcollaborationmember: 'B2B collaboration members',
  b2bdirectconnectuser: 'B2B direct connect users',
  otherexternaluser: 'Other external users',
  serviceprovider: 'Service provider users',
};

function guestsOrExternalUsers(value: unknown): string | undefined {
  const config = record(value);
  if (!config) return undefined;
  const types = words(enumFlags(config.guestOrExternalUserTypes), GUEST_TYPES);
  if (types.length === 0) return undefined;
  const tenants = record(config.externalTenants);
  let from: string | undefined;
  if (tenants) {
    const kind = enumName(tenants.membershipKind);
    const members = strings(tenants.members);
    if (kind === 'all') from = 'from any external organisation';
    else if (members.length > 0) from = `from ${summariseList(members, { noun: TENANTS })}`;
  }
  return from ? `${types.join(', ')} ${from}` : types.join(', ');
}

const PRINCIPAL_KEYWORDS: Record<string, string> = {
  all: 'All service principals',
  none: 'None',
  serviceprincipalsinmytenant: 'All service principals in this tenant',
};

const namedList = (names: DirectoryNames, type: DirectoryObjectType) => ({ nameOf: (id: string) => names.describe(type, id) });

function assignments(conditions: unknown, names: DirectoryNames): DetailSection | undefined {
  const users = at(conditions, 'users');
  const clients = at(conditions, 'clientApplications');
  const userNames = namedList(names, 'user');
  const groupNames = namedList(names, 'group');
  return section('Assignments', [
    ['Included users', keywordsAndIds(at(users, 'includeUsers'), USER_KEYWORDS, USERS, userNames)],
    ['Excluded users', keywordsAndIds(at(users, 'excludeUsers'), USER_KEYWORDS, USERS, userNames)],
    ['Included groups', keywordsAndIds(at(users, 'includeGroups'), { all: 'All groups' }, GROUPS, groupNames)],
    ['Excluded groups', keywordsAndIds(at(users, 'excludeGroups'), {}, GROUPS, groupNames)],
    ['Included roles', keywordsAndIds(at(users, 'includeRoles'), { all: 'All roles' }, ROLES, ROLE_LIST)],
    ['Excluded roles', keywordsAndIds(at(users, 'excludeRoles'), {}, ROLES, ROLE_LIST)],
    ['Included guests/external users', guestsOrExternalUsers(at(users, 'includeGuestsOrExternalUsers'))],
    ['Excluded guests/external users', guestsOrExternalUsers(at(users, 'excludeGuestsOrExternalUsers'))],
    ['Included workload identities', keywordsAndIds(at(clients, 'includeServicePrincipals'), PRINCIPAL_KEYWORDS, PRINCIPALS, namedList(names, 'servicePrincipal'))],
    ['Excluded workload identities', keywordsAndIds(at(clients, 'excludeServicePrincipals'), PRINCIPAL_KEYWORDS, PRINCIPALS, namedList(names, 'servicePrincipal'))],
  ]);
}

// ---------------------------------------------------------------------------------------
// Target resources
// ---------------------------------------------------------------------------------------

const APP_KEYWORDS: Record<string, string> = {
  all: 'All cloud apps',
  none: 'None',
  office365: 'Office 365',
  microsoftadminportals: 'Microsoft admin portals',
};

const USER_ACTIONS: Record<string, string> = {
  'urn:user:registersecurityinfo': 'Register security information',
  'urn:user:registerdevice': 'Register or join devices',
};

/** A filter rule with its mode: "Include those matching: rule". */
function filterRule(value: unknown, what: string): string | undefined {
  const filter = record(value);
  const rule = text(filter?.rule);
  if (!rule) return undefined;
  const mode = enumName(filter?.mode);
  const verb = mode === 'exclude' ? 'Exclude' : mode === 'include' ? 'Include' : 'Apply to';
  return `${verb} ${what} matching: ${rule}`;
}

/** First-party apps are named from the vocabulary; the tenant's own from the directory. */
const isWellKnownApp = (appId: string): boolean => APP_NAMES[appId.toLowerCase()] !== undefined;

function targetResources(conditions: unknown, names: DirectoryNames): DetailSection | undefined {
  const apps = at(conditions, 'applications');
  const actions = words(strings(at(apps, 'includeUserActions')), USER_ACTIONS);
  const appNames = { nameOf: (appId: string) => APP_NAMES[appId.toLowerCase()] ?? names.describe('application', appId) };
  return section('Target resources', [
    ['Included apps', keywordsAndIds(at(apps, 'includeApplications'), APP_KEYWORDS, APPS, appNames)],
    ['Excluded apps', keywordsAndIds(at(apps, 'excludeApplications'), APP_KEYWORDS, APPS, appNames)],
    ['App filter', filterRule(at(apps, 'applicationFilter'), 'apps')],
    ['User actions', summariseList(actions)],
    ['Authentication contexts', summariseList(strings(at(apps, 'includeAuthenticationContextClassReferences')))],
  ]);
}

// ---------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------

const PLATFORMS: Record<string, string> = {
  all: 'Any platform',
  android: 'Android',
  ios: 'iOS',
  windows: 'Windows',
  windowsphone: 'Windows Phone',
  macos: 'macOS',
  linux: 'Linux',
};

const LOCATION_KEYWORDS: Record<string, string> = {
  all: 'Any location',
  alltrusted: 'All trusted locations',
  [MFA_TRUSTED_IPS_ID]: 'MFA trusted IPs',
};

const CLIENT_APPS: Record<string, string> = {
  all: 'Any client app',
  browser: 'Browser',
  mobileappsanddesktopclients: 'Mobile apps and desktop clients',
  exchangeactivesync: 'Exchange ActiveSync clients',
  eassupported: 'Exchange ActiveSync clients (supported platforms)',
  other: 'Other clients (legacy authentication)',
};

const RISK_LEVELS: Record<string, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  hidden: 'Hidden',
  none: 'No risk',
  minor: 'Minor',
  moderate: 'Moderate',
  elevated: 'Elevated',
};

const DEVICE_STATES: Record<string, string> = {
  all: 'All devices',
  compliant: 'Compliant devices',
  domainjoined: 'Hybrid joined devices',
};

const AUTH_FLOWS: Record<string, string> = {
  devicecodeflow: 'Device code flow',
  authenticationtransfer: 'Authentication transfer',
};

function listOfWords(value: unknown, vocabulary: Record<string, string>): string | undefined {
  return summariseList(words(enumFlags(value), vocabulary), { max: 8, keep: 5 });
}

function conditionsSection(conditions: unknown, names: DirectoryNames): DetailSection | undefined {
  const platforms = at(conditions, 'platforms');
  const locations = at(conditions, 'locations');
  const devices = at(conditions, 'devices');
  return section('Conditions', [
    ['Platforms', listOfWords(at(platforms, 'includePlatforms'), PLATFORMS)],
    ['Excluded platforms', listOfWords(at(platforms, 'excludePlatforms'), PLATFORMS)],
    ['Locations', keywordsAndIds(at(locations, 'includeLocations'), LOCATION_KEYWORDS, LOCATIONS, namedList(names, 'location'))],
    ['Excluded locations', keywordsAndIds(at(locations, 'excludeLocations'), LOCATION_KEYWORDS, LOCATIONS, namedList(names, 'location'))],
    ['Client apps', listOfWords(at(conditions, 'clientAppTypes'), CLIENT_APPS)],
    ['Sign-in risk', listOfWords(at(conditions, 'signInRiskLevels'), RISK_LEVELS)],
    ['User risk', listOfWords(at(conditions, 'userRiskLevels'), RISK_LEVELS)],
    ['Service principal risk', listOfWords(at(conditions, 'servicePrincipalRiskLevels'), RISK_LEVELS)],
    ['Insider risk', listOfWords(at(conditions, 'insiderRiskLevels'), RISK_LEVELS)],
    ['Device filter', filterRule(at(devices, 'deviceFilter'), 'devices')],
    ['Device states', listOfWords(at(devices, 'includeDeviceStates'), DEVICE_STATES)],
    ['Excluded device states', listOfWords(at(devices, 'excludeDeviceStates'), DEVICE_STATES)],
    ['Authentication flows', listOfWords(at(conditions, 'authenticationFlows', 'transferMethods'), AUTH_FLOWS)],
  ]);
}

// ---------------------------------------------------------------------------------------
// Grant
// ---------------------------------------------------------------------------------------

const GRANT_CONTROLS: Record<string, string> = {
  mfa: 'multifactor authentication',
  compliantdevice: 'compliant device',
  domainjoineddevice: 'Microsoft Entra hybrid joined device',
  approvedapplication: 'approved client app',
  compliantapplication: 'app protection policy',
  passwordchange: 'password change',
  riskremediation: 'risk remediation',
};

function grant(raw: GraphObject, names: DirectoryNames): DetailSection | undefined {
  const controls = record(raw.grantControls);
  if (!controls) return undefined;
  const builtIn = strings(controls.builtInControls).map((c) => c.toLowerCase());
  const termsOfUse = strings(controls.termsOfUse);
  const custom = strings(controls.customAuthenticationFactors);
  const strength = record(controls.authenticationStrength);
  const strengthId = text(strength?.id);
  const strengthName = text(strength?.displayName) ?? (strengthId && names.describe('authenticationStrength', strengthId));

  if (builtIn.includes('block')) {
    return section('Grant', [['Access', 'Block access']]);
  }

  const required = builtIn.filter((c) => c !== 'unknownfuturevalue').map((c) => GRANT_CONTROLS[c] ?? c);
  if (termsOfUse.length > 0) required.push('terms of use');
  for (const factor of custom) required.push(`custom control ${factor}`);
  if (strengthName) required.push(`authentication strength "${strengthName}"`);

  let requirement: string | undefined;
  if (required.length === 1) requirement = `Require ${required[0]}`;
  else if (required.length > 1) {
    const operator = text(controls.operator)?.toUpperCase();
    const scope = operator === 'AND' ? 'all of' : operator === 'OR' ? 'one of' : 'these';
    requirement = `Require ${scope}: ${summariseList(required, { max: 10, keep: 8 })}`;
  }

  return section('Grant', [
    ['Access', requirement],
    ['Terms of use', summariseList(termsOfUse, { noun: ['document', 'documents'] })],
  ]);
}

// ---------------------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------------------

/** Session controls count as configured unless `isEnabled` is explicitly false. */
function enabled(control: unknown): boolean {
  const obj = record(control);
  return obj !== undefined && flag(obj.isEnabled) !== false;
}

function signInFrequency(value: unknown): string | undefined {
  if (!enabled(value)) return undefined;
  const interval = enumName(at(value, 'frequencyInterval'));
  const secondaryOnly = enumName(at(value, 'authenticationType')) === 'secondaryauthentication';
  const suffix = secondaryOnly ? ' (MFA only)' : '';
  if (interval === 'everytime') return `every time${suffix}`;
  const amount = num(at(value, 'value'));
  const unit = enumName(at(value, 'type'));
  if (amount === undefined || amount <= 0 || (unit !== 'hours' && unit !== 'days')) return undefined;
  const noun: Noun = unit === 'hours' ? ['hour', 'hours'] : ['day', 'days'];
  return `every ${amount === 1 ? noun[0] : count(amount, noun)}${suffix}`;
}

function persistentBrowser(value: unknown): string | undefined {
  if (!enabled(value)) return undefined;
  const mode = enumName(at(value, 'mode'));
  if (mode === 'always') return 'Always persistent';
  if (mode === 'never') return 'Never persistent';
  return undefined;
}

const APP_CONTROL: Record<string, string> = {
  mcasconfigured: 'Use custom policy',
  monitoronly: 'Monitor only',
  blockdownloads: 'Block downloads',
};

function appControl(value: unknown): string | undefined {
  if (!enabled(value)) return undefined;
  const type = enumName(at(value, 'cloudAppSecurityType'));
  const what = type === undefined ? 'On' : APP_CONTROL[type] ?? text(at(value, 'cloudAppSecurityType'));
  return what ? `${what} (Defender for Cloud Apps)` : undefined;
}

const CAE_MODES: Record<string, string> = {
  disabled: 'Disabled',
  strictenforcement: 'Strict enforcement',
  strictlocation: 'Strict location enforcement',
};

function session(raw: GraphObject): DetailSection | undefined {
  const controls = record(raw.sessionControls);
  if (!controls) return undefined;
  const facts: MaybeFact[] = [
    ['Sign-in frequency', signInFrequency(controls.signInFrequency)],
    ['Persistent browser session', persistentBrowser(controls.persistentBrowser)],
    ['App-enforced restrictions', enabled(controls.applicationEnforcedRestrictions) ? 'On' : undefined],
    ['Conditional Access App Control', appControl(controls.cloudAppSecurity)],
    ['Resilience defaults', flag(controls.disableResilienceDefaults) === true ? 'Disabled' : undefined],
    ['Token protection', enabled(controls.secureSignInSession) ? 'Required' : undefined],
  ];
  const cae = enumName(at(controls, 'continuousAccessEvaluation', 'mode'));
  if (cae !== undefined) {
    facts.push(['Continuous access evaluation', CAE_MODES[cae] ?? capitalise(cae)]);
  }
  return section('Session', facts);
}

// ---------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------

/** A Conditional Access policy in words: state, who, what, when, and the controls. */
export function summariseConditionalAccessPolicy(raw: GraphObject, names = new DirectoryNames()): DetailSection[] {
  const policy = record(raw) ?? {};
  const sections = buildSections([
    () => overview(policy),
    () => assignments(policy.conditions, names),
    () => targetResources(policy.conditions, names),
    () => conditionsSection(policy.conditions, names),
    () => grant(policy, names),
    () => session(policy),
  ]);
  const named = attempt(() => Boolean(text(policy.displayName) ?? text(policy.id)), false);
  if (sections.length === 0 && named) {
    // Something that names itself a policy never comes back empty-handed.
    return [{ title: 'Policy', facts: [{ label: 'Details', value: 'No settings could be read' }] }];
  }
  return sections;
}

/** The directory objects a policy names by id, for DirectoryNameSource to resolve (keywords such as "All" left out). */
export function directoryReferencesOf(raw: GraphObject): DirectoryReference[] {
  try {
    const users = at(raw, 'conditions', 'users');
    const apps = at(raw, 'conditions', 'applications');
    const clients = at(raw, 'conditions', 'clientApplications');
    const ids = (type: DirectoryObjectType, value: unknown, keywords: Record<string, string>) =>
      strings(value)
        .filter((id) => keywords[id.toLowerCase()] === undefined)
        .map((id) => ({ type, id }));
    const strength = record(at(raw, 'grantControls', 'authenticationStrength'));
    const strengthId = text(strength?.id);
    return [
      ...ids('user', at(users, 'excludeUsers'), USER_KEYWORDS),
      ...ids('user', at(users, 'includeUsers'), USER_KEYWORDS),
      ...ids('group', at(users, 'excludeGroups'), {}),
      ...ids('group', at(users, 'includeGroups'), { all: 'All groups' }),
      ...ids('servicePrincipal', at(clients, 'excludeServicePrincipals'), PRINCIPAL_KEYWORDS),
      ...ids('servicePrincipal', at(clients, 'includeServicePrincipals'), PRINCIPAL_KEYWORDS),
      ...[...ids('application', at(apps, 'excludeApplications'), APP_KEYWORDS), ...ids('application', at(apps, 'includeApplications'), APP_KEYWORDS)].filter((ref) => !isWellKnownApp(ref.id)),
      ...namedLocationsReferencedBy(raw).map((ref) => ({ type: 'location' as const, id: ref.id })),
      ...(strengthId && !text(strength?.displayName) ? [{ type: 'authenticationStrength' as const, id: strengthId }] : []),
    ];
  } catch {
    return [];
  }
}

/** Named locations a policy depends on, so they can be restored with it. */
export function namedLocationsReferencedBy(raw: GraphObject): ItemRef[] {
  try {
    const locations = at(raw, 'conditions', 'locations');
    const ids = [...strings(at(locations, 'includeLocations')), ...strings(at(locations, 'excludeLocations'))];
    const seen = new Set<string>();
    const refs: ItemRef[] = [];
    for (const id of ids) {
      const key = id.toLowerCase();
      if (key === 'all' || key === 'alltrusted' || key === MFA_TRUSTED_IPS_ID || seen.has(key)) continue;
      seen.add(key);
      refs.push({ kind: 'locations', id });
    }
    return refs;
  } catch {
    return [];
  }
}
