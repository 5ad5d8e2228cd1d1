/**
 * Deleted directory objects (users, Microsoft 365 groups, app registrations, service
 * principals, administrative units) → sections of facts.
 */
import type { DetailSection, GraphObject } from '../model';
import { buildSections, formatDate, records, section, strings, summariseList, text, yesNo, count } from './format';

const CREDENTIAL_NOUN = ['credential', 'credentials'] as const;

/** A user: who it was, where it worked and what it was licensed for. */
export function summariseUser(raw: GraphObject): DetailSection[] {
  const licences = records(raw.assignedLicenses).map((licence) => text(licence.skuId)).filter((sku): sku is string => Boolean(sku));
  return buildSections([
    () =>
      section('User', [
        ['Display name', text(raw.displayName)],
        ['Sign-in name (UPN)', text(raw.userPrincipalName)],
        ['Mail', text(raw.mail)],
        ['Department', text(raw.department)],
        ['Job title', text(raw.jobTitle)],
        ['Account enabled', yesNo(raw.accountEnabled)],
        ['Type', text(raw.userType)],
      ]),
    () => section('Licences', [['Assigned', licences.length === 0 ? 'none' : summariseList(licences, { noun: ['licence', 'licences'] })]]),
    () =>
      section('Restoring', [
        ['Sign-in name', 'It comes back under the same UPN; if another user holds it now, Entra refuses and the bot says so.'],
        ['Admin roles', 'A user who held a privileged admin role needs more than User.DeleteRestore.All to restore; the bot reports Graph\'s refusal.'],
      ]),
  ]);
}

function groupType(raw: GraphObject): string {
  const types = strings(raw.groupTypes).map((t) => t.toLowerCase());
  const unified = types.includes('unified');
  const security = raw.securityEnabled === true;
  const dynamic = types.includes('dynamicmembership') ? ', dynamic membership' : '';
  if (unified) return `Microsoft 365 group${security ? ' (security-enabled)' : ''}${dynamic}`;
  return `${security ? 'Security' : 'Distribution'} group${dynamic}`;
}

/** Whether the group had a Team: Graph marks Team-backed groups in resourceProvisioningOptions. */
export function hadTeam(raw: GraphObject): boolean {
  return strings(raw.resourceProvisioningOptions).some((option) => option.toLowerCase() === 'team');
}

/** A group: its type, visibility, and what restoring brings back. */
export function summariseGroup(raw: GraphObject): DetailSection[] {
  const owners = records(raw.owners).map((owner) => text(owner.userPrincipalName) ?? text(owner.displayName)).filter((o): o is string => Boolean(o));
  const members = typeof raw.memberCount === 'number' ? raw.memberCount : undefined;
  return buildSections([
    () =>
      section('Group', [
        ['Display name', text(raw.displayName)],
        ['Type', groupType(raw)],
        ['Visibility', text(raw.visibility)],
        ['Mail', text(raw.mail)],
        ['Description', text(raw.description)],
        ['Owners', owners.length > 0 ? summariseList(owners, { noun: ['owner', 'owners'] }) : undefined],
        ['Members at deletion', members === undefined ? undefined : count(members, ['member', 'members'])],
        ['Created', formatDate(raw.createdDateTime)],
      ]),
    () =>
      section('Restoring', [
        ['Team', hadTeam(raw) ? 'It had a Team: restoring the group brings back the Team, its channels, mailbox and files.' : 'It had no Team; its mailbox, files and memberships come back.'],
      ]),
  ]);
}

/** The nearest expiry among an app's secrets and certificates, in words. */
function credentialsExpiry(raw: GraphObject): string | undefined {
  const credentials = [...records(raw.passwordCredentials), ...records(raw.keyCredentials)];
  if (credentials.length === 0) return 'none (no secrets or certificates)';
  const ends = credentials.map((c) => Date.parse(text(c.endDateTime) ?? '')).filter((ms) => Number.isFinite(ms)).sort((a, b) => a - b);
  const first = ends.length > 0 ? formatDate(new Date(ends[0])) : undefined;
  return `${count(credentials.length, CREDENTIAL_NOUN)}${first ? `; the first expires ${first}` : ''}`;
}

const AUDIENCES: Record<string, string> = {
  azureadmyorg: 'this organisation only (single tenant)',
  azureadmultipleorgs: 'any Entra organisation (multitenant)',
  azureadandpersonalmicrosoftaccount: 'any Entra organisation and personal Microsoft accounts',
  personalmicrosoftaccount: 'personal Microsoft accounts only',
};

/** An app registration: its app id, audience and credentials. */
export function summariseApplication(raw: GraphObject): DetailSection[] {
  const audience = text(raw.signInAudience);
  return buildSections([
    () =>
      section('App registration', [
        ['Display name', text(raw.displayName)],
        ['Application (client) id', text(raw.appId)],
        ['Sign-in audience', audience ? (AUDIENCES[audience.toLowerCase()] ?? audience) : undefined],
        ['Credentials', credentialsExpiry(raw)],
        ['Created', formatDate(raw.createdDateTime)],
      ]),
    () => section('Restoring', [['Service principal', 'Restoring the app registration does not restore its service principal (enterprise app): restore that too.']]),
  ]);
}

/** A service principal: which app it stands for and what type it is. */
export function summariseServicePrincipal(raw: GraphObject): DetailSection[] {
  return buildSections([
    () =>
      section('Service principal', [
        ['Display name', text(raw.displayName)],
        ['App (client) id', text(raw.appId)],
        ['App', text(raw.appDisplayName)],
        ['Type', text(raw.servicePrincipalType)],
        ['Enabled', yesNo(raw.accountEnabled)],
        ['Owner tenant', text(raw.appOwnerOrganizationId)],
      ]),
  ]);
}

/** An administrative unit. */
export function summariseAdministrativeUnit(raw: GraphObject): DetailSection[] {
  return buildSections([
    () =>
      section('Administrative unit', [
        ['Display name', text(raw.displayName)],
        ['Description', text(raw.description)],
        ['Visibility', text(raw.visibility) ?? 'public'],
        ['Membership', text(raw.membershipType)],
      ]),
  ]);
}
