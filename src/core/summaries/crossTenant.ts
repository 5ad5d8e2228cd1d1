/**
 * Cross-tenant access partner configurations and identity-sync partners → sections of
 * facts. Shapes: API.md §1.3 and §1.4. In these types a null setting means the partner
 * inherits the tenant's default; a missing one is simply not known, so it is left out.
 */
import type { DetailSection, GraphObject } from '../model';
import {
  at,
  buildSections,
  capitalise,
  count,
  either,
  enumName,
  joinPhrases,
  record,
  records,
  section,
  text,
  type MaybeFact,
} from './format';

const INHERITED = 'Inherited from default';

/** crossTenantAccessPolicyTargetConfigurationAccessType by CSDL number. */
const ACCESS_NUMBERS = ['', 'allowed', 'blocked', 'unknownFutureValue'];
/** crossTenantAccessPolicyTargetType by CSDL number. */
const TARGET_TYPE_NUMBERS = ['', 'user', 'group', 'application', 'unknownFutureValue'];

const ALL_TARGETS = new Set(['allusers', 'allapplications']);

/** "allowed" / "blocked", the raw word for anything newer, or undefined. */
function accessWord(value: unknown): string | undefined {
  const access = enumName(value, ACCESS_NUMBERS);
  if (access === 'allowed' || access === 'blocked') return access;
  return text(value);
}

/** "all", "Office 365", "3 groups", "2 users and 1 group" … or undefined for no targets. */
function targetsWords(value: unknown): string | undefined {
  let all = false;
  const named: string[] = [];
  const tally = { user: 0, group: 0, application: 0, other: 0 };
  for (const target of records(value)) {
    const id = text(target.target);
    if (id === undefined) continue;
    const lower = id.toLowerCase();
    if (ALL_TARGETS.has(lower)) {
      all = true;
      continue;
    }
    if (lower === 'office365') {
      named.push('Office 365');
      continue;
    }
    const type = enumName(target.targetType, TARGET_TYPE_NUMBERS);
    if (type === 'user' || type === 'group' || type === 'application') tally[type] += 1;
    else tally.other += 1;
  }
  if (all) return 'all';
  const parts = [...named];
  if (tally.user) parts.push(count(tally.user, ['user', 'users']));
  if (tally.group) parts.push(count(tally.group, ['group', 'groups']));
  if (tally.application) parts.push(count(tally.application, ['app', 'apps']));
  if (tally.other) parts.push(count(tally.other, ['other target', 'other targets']));
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** A target configuration: "allowed all", "blocked 3 groups". */
function targetConfiguration(value: unknown): string | undefined {
  const config = record(value);
  if (!config) return undefined;
  const access = accessWord(config.accessType);
  const what = targetsWords(config.targets);
  if (access && what) return `${access} ${what}`;
  if (access) return access;
  if (what) return `${what} (access not stated)`;
  return undefined;
}

/** A B2B setting: "Users: allowed all; Applications: blocked Office 365". */
function b2bSetting(value: unknown): string | undefined {
  if (value === null) return INHERITED;
  const setting = record(value);
  if (!setting) return undefined;
  const users = targetConfiguration(setting.usersAndGroups);
  const apps = targetConfiguration(setting.applications);
  return joinPhrases(users && `Users: ${users}`, apps && `Applications: ${apps}`) ?? 'Not set';
}

/** {inboundAllowed, outboundAllowed}: "Inbound allowed, outbound not allowed". */
function inboundOutbound(value: unknown): string | undefined {
  if (value === null) return INHERITED;
  const config = record(value);
  if (!config) return undefined;
  const inbound = either(config.inboundAllowed, 'allowed', 'not allowed');
  const outbound = either(config.outboundAllowed, 'allowed', 'not allowed');
  const parts = [inbound && `Inbound ${inbound}`, outbound && `${inbound ? 'outbound' : 'Outbound'} ${outbound}`];
  const said = parts.filter((p): p is string => p !== undefined);
  return said.length === 0 ? undefined : said.join(', ');
}

function devicesFilter(value: unknown): string | undefined {
  const filter = record(value);
  if (!filter) return undefined;
  const rule = text(filter.rule);
  const access = accessWord(filter.mode);
  if (rule) return `${access ? capitalise(access) : 'Applies to'} devices matching: ${rule}`;
  return access ? capitalise(access) : undefined;
}

function partnerOverview(raw: GraphObject): DetailSection | undefined {
  return section('Partner', [
    ['Tenant ID', text(raw.tenantId)],
    ['Name', text(raw.displayName)],
    ['Multi-tenant organization', either(raw.isInMultiTenantOrganization, 'Member', 'Not a member')],
    ['Service provider', either(raw.isServiceProvider, 'Yes', 'No')],
    ['Service provider outbound access', either(raw.blockServiceProviderOutboundAccess, 'Blocked', 'Not blocked')],
  ]);
}

function inboundTrust(raw: GraphObject): DetailSection | undefined {
  if (raw.inboundTrust === null) return section('Inbound trust', [['Trust settings', INHERITED]]);
  const trust = record(raw.inboundTrust);
  if (!trust) return undefined;
  const trusted = (value: unknown): string | undefined => either(value, 'Trusted', 'Not trusted');
  return section('Inbound trust', [
    ['MFA from partner tenant', trusted(trust.isMfaAccepted)],
    ['Compliant devices', trusted(trust.isCompliantDeviceAccepted)],
    ['Microsoft Entra hybrid joined devices', trusted(trust.isHybridAzureADJoinedDeviceAccepted)],
  ]);
}

function directions(title: string, raw: GraphObject, inbound: string, outbound: string): DetailSection | undefined {
  return section(title, [
    ['Inbound', b2bSetting(raw[inbound])],
    ['Outbound', b2bSetting(raw[outbound])],
  ]);
}

function tenantRestrictions(raw: GraphObject): DetailSection | undefined {
  if (raw.tenantRestrictions === null) return section('Tenant restrictions', [['Settings', INHERITED]]);
  const restrictions = record(raw.tenantRestrictions);
  if (!restrictions) return undefined;
  return section('Tenant restrictions', [
    ['Users', targetConfiguration(restrictions.usersAndGroups)],
    ['Applications', targetConfiguration(restrictions.applications)],
    ['Devices', devicesFilter(restrictions.devices)],
  ]);
}

function otherSettings(raw: GraphObject): DetailSection | undefined {
  const facts: MaybeFact[] = [
    ['Automatic user consent', inboundOutbound(raw.automaticUserConsentSettings)],
    // Not in the metadata, but returned by the service for some partners (API.md §7).
    ['Cross-cloud meetings', inboundOutbound(raw.crossCloudMeetingConfiguration)],
    ['Protected content sharing', inboundOutbound(raw.protectedContentSharing)],
  ];
  return section('Other settings', facts);
}

/** A cross-tenant access partner in words: trust, B2B in and out, restrictions. */
export function summarisePartner(raw: GraphObject): DetailSection[] {
  const partner = record(raw) ?? {};
  return buildSections([
    () => partnerOverview(partner),
    () => inboundTrust(partner),
    () => directions('B2B collaboration', partner, 'b2bCollaborationInbound', 'b2bCollaborationOutbound'),
    () => directions('B2B direct connect', partner, 'b2bDirectConnectInbound', 'b2bDirectConnectOutbound'),
    () => tenantRestrictions(partner),
    () => otherSettings(partner),
  ]);
}

/** A cross-tenant identity-sync partner in words. */
export function summariseSyncPartner(raw: GraphObject): DetailSection[] {
  const partner = record(raw) ?? {};
  const allowed = (value: unknown): string | undefined => either(value, 'Allowed', 'Not allowed');
  return buildSections([
    () =>
      section('Identity sync', [
        ['Tenant ID', text(partner.tenantId)],
        ['Name', text(partner.displayName)],
        ['User sync inbound', allowed(at(partner, 'userSyncInbound', 'isSyncAllowed'))],
        ['Group sync inbound', allowed(at(partner, 'groupSyncInbound', 'isSyncAllowed'))],
        ['External cloud authorized application', text(partner.externalCloudAuthorizedApplicationId)],
      ]),
  ]);
}
