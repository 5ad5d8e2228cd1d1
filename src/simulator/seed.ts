import type { GraphObject, KindId } from '../core/model';
import { createAuditEvent, type AuditActor } from './audit';
import { DAY_MS, DEMO_ACTORS, DEMO_TENANT_ID } from './constants';
import { graphTimestamp } from './odata';
import type { SimTenant } from './tenant';

/**
 * The demo "Contoso" tenant: a believable recycle bin across the four kinds, live
 * objects they depend on, and an audit record for every seeded deletion. All times are
 * relative to the tenant's clock; ids are fixed so tests and the demo can name them.
 */

export const DEMO_IDS = {
  /** CA004: excludes a live location and includes a deleted one; restore fails until that is restored. */
  caPolicyWithDeletedLocation: '7a1f3c2e-9b4d-4e6a-8f2c-1d3b5a7c9e01',
  /** Deleted country location referenced by CA004. */
  deletedLocationReferenced: '2b8d4f6a-1c3e-4a5b-9d7f-8e0a2c4b6d13',
  /** Live IP location also referenced by CA004. */
  liveLocationReferenced: '4c6e8a0b-2d4f-4b6c-8e0a-1b3d5f7a9c25',
  /** CA010: compliant or domain-joined device for Office 365. */
  compliantDevicePolicy: '8b2a4d3f-0c5e-4f7b-9a3d-2e4c6b8d0f12',
  /** CA020: report-only sign-in risk policy. */
  reportOnlyPolicy: '9c3b5e4a-1d6f-4a8c-8b4e-3f5d7c9e1a23',
  /** CA001: deleted 27.5 days ago, two days left before the purge. */
  expiringPolicy: '0d4c6f5b-2e7a-4b9d-9c5f-4a6e8d0f2b34',
  /** CA060: references a named location that was purged; it can never be restored. */
  caPolicyWithPurgedLocation: '1e5d7a6c-3f8b-4cae-8d6a-5b7f9e1a3c45',
  /** The id CA060 references; it exists in neither collection. */
  purgedLocation: '6f0a2c4e-8b1d-4e3f-a5c7-9d1b3f5a7c60',
  /** Deleted IP location (trusted, IPv4 and IPv6 ranges). */
  deletedIpLocation: '3a9c5e7b-0d2f-4c4a-8e6b-7f9d1b3c5e17',
  /** Fabrikam: deleted partner whose identity-sync policy is deleted too. */
  partnerWithDeletedSync: 'c4f2a8e1-6b3d-4a9f-8e7c-2b5d1f3a9c60',
  /** Woodgrove Bank: deleted partner carrying the undeclared extra properties (API.md §7). */
  partnerWithExtraProperties: 'e7b9d3f1-2a4c-4b6e-9d8f-0a1c3e5b7d92',
  /** Northwind Traders: deleted service-provider partner. */
  serviceProviderPartner: 'a2c4e6f8-1b3d-4f5a-8c7e-9d0b2f4a6c81',
  /** Litware: deleted, then configured again; restoring it conflicts (409). */
  partnerRecreatedLive: 'b8d0f2a4-3c5e-4a7b-9f1d-6e8a0c2b4d73',
  /** Adatum: deleted sync policy whose partner is live, so it restores. */
  syncWithLivePartner: 'd1f3b5a7-9c2e-4e8a-b6d4-3f5a7c9e1b20',
  /** Tailspin Toys: live partner with a live identity-sync policy (its delete is blocked). */
  livePartnerWithSync: 'f5a7c9e1-4b6d-4c8f-a2e4-7b9d1f3a5c64',
  /** A live CA policy (CA002, MFA for all users). */
  liveMfaPolicy: '5a7c9e1b-3d5f-4a7c-9e1b-2d4f6a8c0e36',
  /** Live location used by live CA011; deleting it is blocked while CA011 exists. */
  liveSanctionedCountries: '6b8d0f2a-4e6a-4b8d-8f2a-3e5a7b9d1f47',
  /** "Entra Policy Operators": the approvers group (nested) plus Isaiah. */
  operatorsGroup: '13d630f8-a335-452d-a65d-8b78b489e09b',
  /** "Entra Policy Approvers": Alex, Megan, and the Security Team group (nested, with Adele). */
  approversGroup: 'b56358bf-2ab0-420f-9e32-0d92b9b5871a',
  /** "Security Team": Adele; nested in the approvers group, so her membership is transitive only. */
  securityTeamGroup: '27d256cf-1f4d-4eea-9657-7339e9d2c312',
  // ---- the directory recycle bin ----
  /** "Project Falcon": a deleted Microsoft 365 group that had a Team. */
  deletedTeamGroup: '4d1e8b2a-6c3f-4a7d-9e5b-0f2a4c6e8b31',
  /** Diego Siciliani: a deleted user who restores cleanly. */
  deletedUser: '5e2f9c3b-7d4a-4b8e-8f6c-1a3b5d7f9c42',
  /** Lee Gu: a deleted user whose UPN a new account took since; restoring conflicts. */
  deletedUserUpnConflict: '6f3a0d4c-8e5b-4c9f-9a7d-2b4c6e8a0d53',
  /** "Payroll Sync": a deleted app registration whose service principal is deleted too. */
  deletedApp: '7a4b1e5d-9f6c-4d0a-8b8e-3c5d7f9b1e64',
  /** The app id of Payroll Sync (its service principal carries it too). */
  deletedAppId: '8b5c2f6e-0a7d-4e1b-9c9f-4d6e8a0c2f75',
  /** The service principal of Payroll Sync: restores only once its app is back. */
  deletedServicePrincipal: '9c6d3a7f-1b8e-4f2c-8d0a-5e7f9b1d3a86',
  /** "Seattle office": a deleted administrative unit. */
  deletedAdministrativeUnit: 'ad7e4b8a-2c9f-4a3d-9e1b-6f8a0c2e4b97',
} as const;

/**
 * The Microsoft 365 Agents Playground's mock users (its default configuration), as
 * directory users. Their aadObjectIds are the playground's own and are not valid GUIDs
 * (13 hex digits in the last group); keep them verbatim. `teamsId` is the playground's
 * Teams user id (activity.from.id), `upn` its userPrincipleName.
 */
export const DEMO_USERS = {
  /** The playground's current user. Approver (and so operator). */
  alex: { aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber', upn: 'alexw@example.com', teamsId: 'user-id-0' },
  /** Approver (and so operator). */
  megan: { aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen', upn: 'meganb@example.com', teamsId: 'user-id-1' },
  /** Approver through the nested Security Team group only. */
  adele: { aadObjectId: '00000000-0000-0000-0000-0000000000022', name: 'Adele Vance', upn: 'adelev@example.com', teamsId: 'user-id-2' },
  /** Operator only. */
  isaiah: { aadObjectId: '00000000-0000-0000-0000-0000000000023', name: 'Isaiah Langer', upn: 'isaiah@example.com', teamsId: 'user-id-3' },
  /** In neither group. */
  patti: { aadObjectId: '00000000-0000-0000-0000-0000000000024', name: 'Patti Fernandez', upn: 'pattif@example.com', teamsId: 'user-id-4' },
  /** In neither group. */
  lynne: { aadObjectId: '00000000-0000-0000-0000-0000000000025', name: 'Lynne Robbins', upn: 'lynner@example.com', teamsId: 'user-id-5' },
} as const;

/** Mail addresses from the playground's configuration (Isaiah's differs from his UPN there). */
const DEMO_USER_MAIL: Record<keyof typeof DEMO_USERS, string> = {
  alex: 'alexw@example.com',
  megan: 'meganb@example.com',
  adele: 'adelev@example.com',
  isaiah: 'isaiahl@example.com',
  patti: 'pattif@example.com',
  lynne: 'lynner@example.com',
};

/** Directory ids that the seeded conditions reference. */
const DIRECTORY = {
  breakGlassUsers: ['0f7c6f1e-3b1a-4d2e-9a8b-5c6d7e8f9a01', '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'],
  breakGlassGroup: '5d0b9e3c-8a7f-4e6d-b2c1-9f8e7d6c5b4a',
  allEmployeesGroup: '3c9e1a7b-5f2d-4b8e-a6c4-1d3f5b7e9a02',
  financeGroup: '8e2a4c6f-0b1d-4e3f-9a5c-7d9f1b3e5a06',
  fabrikamProjectGroup: '2d4f6b8e-0a1c-4e3a-b5c7-9e1b3d5f7a19',
  financeApp: 'c7e9a1b3-5d2f-4f6a-8b0c-2e4a6c8e0b17',
  /** The finance app's service principal (object id) in this tenant. */
  financeAppServicePrincipal: '4e6a8c0e-2b4d-4f6a-9c8e-0a2c4e6b8d31',
  /** Windows Azure Service Management API (well-known app id). */
  azureManagementApp: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
};

/** Directory role template ids (well-known). */
const ROLES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  conditionalAccessAdministrator: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  exchangeAdministrator: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  sharePointAdministrator: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
};

const HOUR_MS = 60 * 60 * 1000;

// ---- shape builders ----------------------------------------------------------------

interface ConditionsInput {
  users?: GraphObject;
  applications?: GraphObject;
  clientAppTypes?: string[];
  platforms?: GraphObject | null;
  locations?: GraphObject | null;
  signInRiskLevels?: string[];
  userRiskLevels?: string[];
  devices?: GraphObject | null;
}

function conditions(input: ConditionsInput): GraphObject {
  return {
    userRiskLevels: input.userRiskLevels ?? [],
    signInRiskLevels: input.signInRiskLevels ?? [],
    clientAppTypes: input.clientAppTypes ?? ['all'],
    servicePrincipalRiskLevels: [],
    insiderRiskLevels: null,
    platforms: input.platforms ?? null,
    locations: input.locations ?? null,
    devices: input.devices ?? null,
    clientApplications: null,
    authenticationFlows: null,
    applications: {
      includeApplications: ['All'],
      excludeApplications: [],
      includeUserActions: [],
      includeAuthenticationContextClassReferences: [],
      applicationFilter: null,
      ...input.applications,
    },
    users: {
      includeUsers: [],
      excludeUsers: [],
      includeGroups: [],
      excludeGroups: [],
      includeRoles: [],
      excludeRoles: [],
      includeGuestsOrExternalUsers: null,
      excludeGuestsOrExternalUsers: null,
      ...input.users,
    },
  };
}

const allUsersExceptBreakGlass = {
  includeUsers: ['All'],
  excludeUsers: DIRECTORY.breakGlassUsers,
  excludeGroups: [DIRECTORY.breakGlassGroup],
};

function grant(operator: 'OR' | 'AND', builtInControls: string[], authenticationStrength: GraphObject | null = null): GraphObject {
  return { operator, builtInControls, customAuthenticationFactors: [], termsOfUse: [], authenticationStrength };
}

function signInFrequency(value: number | null, type: 'hours' | 'days' | null, everyTime = false): GraphObject {
  return {
    value,
    type,
    authenticationType: 'primaryAndSecondaryAuthentication',
    frequencyInterval: everyTime ? 'everyTime' : 'timeBased',
    isEnabled: true,
  };
}

function sessionControls(controls: GraphObject): GraphObject {
  return {
    disableResilienceDefaults: null,
    applicationEnforcedRestrictions: null,
    cloudAppSecurity: null,
    persistentBrowser: null,
    continuousAccessEvaluation: null,
    secureSignInSession: null,
    signInFrequency: null,
    ...controls,
  };
}

interface PolicyInput {
  id: string;
  displayName: string;
  state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
  conditions: GraphObject;
  grantControls: GraphObject | null;
  sessionControls?: GraphObject | null;
  createdDaysAgo: number;
  description?: string;
}

function caPolicy(now: number, input: PolicyInput): GraphObject {
  return {
    id: input.id,
    templateId: null,
    displayName: input.displayName,
    description: input.description ?? null,
    createdDateTime: graphTimestamp(new Date(now - input.createdDaysAgo * DAY_MS)),
    modifiedDateTime: graphTimestamp(new Date(now - Math.floor(input.createdDaysAgo / 3) * DAY_MS - 5 * HOUR_MS)),
    state: input.state,
    partialEnablementStrategy: null,
    conditions: input.conditions,
    grantControls: input.grantControls,
    sessionControls: input.sessionControls ?? null,
  };
}

function countryLocation(now: number, id: string, displayName: string, countries: string[], includeUnknown: boolean, lookup: string, createdDaysAgo: number): GraphObject {
  return {
    '@odata.type': '#microsoft.graph.countryNamedLocation',
    id,
    displayName,
    createdDateTime: graphTimestamp(new Date(now - createdDaysAgo * DAY_MS)),
    modifiedDateTime: graphTimestamp(new Date(now - (createdDaysAgo - 3) * DAY_MS)),
    countriesAndRegions: countries,
    includeUnknownCountriesAndRegions: includeUnknown,
    countryLookupMethod: lookup,
  };
}

function ipLocation(now: number, id: string, displayName: string, isTrusted: boolean, cidrs: string[], createdDaysAgo: number): GraphObject {
  return {
    '@odata.type': '#microsoft.graph.ipNamedLocation',
    id,
    displayName,
    createdDateTime: graphTimestamp(new Date(now - createdDaysAgo * DAY_MS)),
    modifiedDateTime: graphTimestamp(new Date(now - (createdDaysAgo - 10) * DAY_MS)),
    isTrusted,
    ipRanges: cidrs.map((cidrAddress) => ({
      '@odata.type': cidrAddress.includes(':') ? '#microsoft.graph.iPv6CidrRange' : '#microsoft.graph.iPv4CidrRange',
      cidrAddress,
    })),
  };
}

type Access = 'allowed' | 'blocked';

function targets(accessType: Access, entries: [string, 'user' | 'group' | 'application'][]): GraphObject {
  return { accessType, targets: entries.map(([target, targetType]) => ({ target, targetType })) };
}

const allUsers = (access: Access): GraphObject => targets(access, [['AllUsers', 'user']]);
const allApps = (access: Access): GraphObject => targets(access, [['AllApplications', 'application']]);

/** A partner with every declared property (API.md §1.3); overrides replace whole settings. */
function partner(tenantId: string, overrides: GraphObject = {}): GraphObject {
  return {
    tenantId,
    inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false },
    b2bCollaborationInbound: { usersAndGroups: allUsers('allowed'), applications: allApps('allowed') },
    b2bCollaborationOutbound: { usersAndGroups: allUsers('allowed'), applications: allApps('allowed') },
    b2bDirectConnectInbound: { usersAndGroups: allUsers('blocked'), applications: allApps('blocked') },
    b2bDirectConnectOutbound: { usersAndGroups: allUsers('blocked'), applications: allApps('blocked') },
    tenantRestrictions: { usersAndGroups: allUsers('blocked'), applications: allApps('blocked'), devices: null },
    automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: false },
    appServiceConnectInbound: null,
    m365CollaborationInbound: null,
    m365CollaborationOutbound: null,
    isServiceProvider: false,
    isInMultiTenantOrganization: false,
    blockServiceProviderOutboundAccess: null,
    ...overrides,
  };
}

function syncPolicy(tenantId: string, displayName: string, users: boolean, groups: boolean): GraphObject {
  return {
    tenantId,
    displayName,
    userSyncInbound: { isSyncAllowed: users },
    groupSyncInbound: { isSyncAllowed: groups },
    externalCloudAuthorizedApplicationId: null,
  };
}

// ---- the demo tenant ---------------------------------------------------------------

/** The playground's users and the operator / approver groups the bot authorizes with. */
function seedDirectory(tenant: SimTenant): void {
  for (const [handle, user] of Object.entries(DEMO_USERS) as [keyof typeof DEMO_USERS, (typeof DEMO_USERS)[keyof typeof DEMO_USERS]][]) {
    const [givenName, surname] = user.name.split(' ');
    tenant.addUser({
      id: user.aadObjectId,
      displayName: user.name,
      userPrincipalName: user.upn,
      givenName,
      surname,
      mail: DEMO_USER_MAIL[handle],
    });
  }
  tenant.addGroup({
    id: DEMO_IDS.securityTeamGroup,
    displayName: 'Security Team',
    description: 'Contoso security operations.',
    members: [DEMO_USERS.adele.aadObjectId],
  });
  tenant.addGroup({
    id: DEMO_IDS.approversGroup,
    displayName: 'Entra Policy Approvers',
    description: 'Approvers in the Entra recycle bin bot.',
    members: [DEMO_USERS.alex.aadObjectId, DEMO_USERS.megan.aadObjectId, DEMO_IDS.securityTeamGroup],
  });
  tenant.addGroup({
    id: DEMO_IDS.operatorsGroup,
    displayName: 'Entra Policy Operators',
    description: 'Operators of the Entra recycle bin bot.',
    members: [DEMO_IDS.approversGroup, DEMO_USERS.isaiah.aadObjectId],
  });
}

/** The partners' own tenants, as findTenantInformationByTenantId names them. */
const PARTNER_ORGANISATIONS: { tenantId: string; displayName: string; defaultDomainName: string }[] = [
  { tenantId: DEMO_IDS.partnerWithDeletedSync, displayName: 'Fabrikam', defaultDomainName: 'fabrikam.onmicrosoft.com' },
  { tenantId: DEMO_IDS.partnerWithExtraProperties, displayName: 'Woodgrove Bank', defaultDomainName: 'woodgrovebank.onmicrosoft.com' },
  { tenantId: DEMO_IDS.serviceProviderPartner, displayName: 'Northwind Traders', defaultDomainName: 'northwindtraders.onmicrosoft.com' },
  { tenantId: DEMO_IDS.partnerRecreatedLive, displayName: 'Litware', defaultDomainName: 'litware.onmicrosoft.com' },
  { tenantId: DEMO_IDS.syncWithLivePartner, displayName: 'Adatum Corporation', defaultDomainName: 'adatum.onmicrosoft.com' },
  { tenantId: DEMO_IDS.livePartnerWithSync, displayName: 'Tailspin Toys', defaultDomainName: 'tailspintoys.onmicrosoft.com' },
];

/** The people and groups the seeded policies name, so details cards can show their names. */
function seedPolicyDirectory(tenant: SimTenant): void {
  const [first, second] = DIRECTORY.breakGlassUsers;
  tenant.addUser({ id: first, displayName: 'Break Glass 1', userPrincipalName: 'bg1@contoso.onmicrosoft.com' });
  tenant.addUser({ id: second, displayName: 'Break Glass 2', userPrincipalName: 'bg2@contoso.onmicrosoft.com' });
  tenant.addGroup({ id: DIRECTORY.breakGlassGroup, displayName: 'Break-glass accounts', description: 'Emergency access; excluded from every Conditional Access policy.', members: [first, second] });
  tenant.addGroup({ id: DIRECTORY.allEmployeesGroup, displayName: 'All employees', mailEnabled: true, securityEnabled: true });
  tenant.addGroup({ id: DIRECTORY.financeGroup, displayName: 'Finance' });
  tenant.addGroup({ id: DIRECTORY.fabrikamProjectGroup, displayName: 'Fabrikam project' });
  tenant.addServicePrincipal({ id: DIRECTORY.financeAppServicePrincipal, appId: DIRECTORY.financeApp, displayName: 'Contoso Finance Portal' });
}

/** Microsoft's built-in authentication strengths (well-known ids). */
const AUTHENTICATION_STRENGTHS: GraphObject[] = [
  { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication', policyType: 'builtIn' },
  { id: '00000000-0000-0000-0000-000000000003', displayName: 'Passwordless MFA', policyType: 'builtIn' },
  { id: '00000000-0000-0000-0000-000000000004', displayName: 'Phishing-resistant MFA', policyType: 'builtIn' },
];

export function seedDemoTenant(tenant: SimTenant): void {
  seedDirectory(tenant);
  seedPolicyDirectory(tenant);
  for (const strength of AUTHENTICATION_STRENGTHS) tenant.addAuthenticationStrength(strength);
  for (const organisation of PARTNER_ORGANISATIONS) tenant.addOrganisation(organisation);
  const now = tenant.now().getTime();
  const ago = (days: number, hours = 0): Date => new Date(now - days * DAY_MS - hours * HOUR_MS);

  const deleteSeeded = (kind: KindId, raw: GraphObject, at: Date, actor: AuditActor): void => {
    tenant.addDeleted(kind, raw, at);
    tenant.addAuditEvent(
      createAuditEvent({ kind, action: 'delete', object: raw, actor, at, crossTenantPolicyId: tenant.crossTenantPolicyId }),
    );
  };

  // Live named locations.
  tenant.addLive('locations', ipLocation(now, DEMO_IDS.liveLocationReferenced, 'Contoso corporate egress IPs', true, ['192.0.2.0/24', '2001:db8:1000::/40'], 610));
  tenant.addLive('locations', ipLocation(now, '7c9e1a3b-5f7a-4c9e-9a3b-4f6b8c0e2a58', 'Contoso branch offices', false, ['198.18.10.0/24', '198.18.20.0/24', '198.18.30.0/25'], 420));
  tenant.addLive('locations', countryLocation(now, DEMO_IDS.liveSanctionedCountries, 'Sanctioned countries', ['KP', 'IR', 'SY', 'CU'], false, 'clientIpAddress', 380));

  // Live CA policies.
  tenant.addLive('ca', caPolicy(now, {
    id: DEMO_IDS.liveMfaPolicy,
    displayName: 'CA002 - Require MFA for all users',
    state: 'enabled',
    conditions: conditions({ users: allUsersExceptBreakGlass }),
    grantControls: grant('OR', ['mfa']),
    createdDaysAgo: 600,
  }));
  tenant.addLive('ca', caPolicy(now, {
    id: '8d0f2a4c-6e8b-4d0f-8b4c-5a7c9d1f3b69',
    displayName: 'CA003 - Block legacy authentication',
    state: 'enabled',
    conditions: conditions({ users: allUsersExceptBreakGlass, clientAppTypes: ['exchangeActiveSync', 'other'] }),
    grantControls: grant('OR', ['block']),
    createdDaysAgo: 598,
  }));
  tenant.addLive('ca', caPolicy(now, {
    id: '9e1a3b5d-7f9c-4e1a-9c5d-6b8d0e2a4c70',
    displayName: 'CA005 - Require MFA for guests and external users',
    state: 'enabledForReportingButNotEnforced',
    conditions: conditions({
      users: {
        includeGuestsOrExternalUsers: {
          guestOrExternalUserTypes: 'internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider',
          externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' },
        },
      },
    }),
    grantControls: grant('OR', ['mfa']),
    createdDaysAgo: 200,
  }));
  tenant.addLive('ca', caPolicy(now, {
    id: 'af2b4c6e-8a0d-4f2b-ad6e-7c9e1f3b5d81',
    displayName: 'CA011 - Block access from sanctioned countries',
    state: 'enabled',
    conditions: conditions({ users: allUsersExceptBreakGlass, locations: { includeLocations: [DEMO_IDS.liveSanctionedCountries], excludeLocations: [] } }),
    grantControls: grant('OR', ['block']),
    createdDaysAgo: 375,
  }));

  // Deleted CA policies (a policy is always deleted before the locations it uses).
  deleteSeeded('ca', caPolicy(now, {
    id: DEMO_IDS.caPolicyWithDeletedLocation,
    displayName: 'CA004 - Block access from untrusted countries',
    description: 'Blocks sign-ins from high-risk countries unless they come from the corporate egress IPs.',
    state: 'enabled',
    conditions: conditions({
      users: allUsersExceptBreakGlass,
      locations: { includeLocations: [DEMO_IDS.deletedLocationReferenced], excludeLocations: [DEMO_IDS.liveLocationReferenced] },
    }),
    grantControls: grant('OR', ['block']),
    createdDaysAgo: 540,
  }), ago(2, 3), DEMO_ACTORS.adele);

  deleteSeeded('ca', caPolicy(now, {
    id: DEMO_IDS.compliantDevicePolicy,
    displayName: 'CA010 - Require compliant device for Office 365',
    state: 'enabled',
    conditions: conditions({
      users: { includeGroups: [DIRECTORY.allEmployeesGroup], excludeGroups: [DIRECTORY.breakGlassGroup] },
      applications: { includeApplications: ['Office365'] },
      clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'],
      platforms: { includePlatforms: ['android', 'iOS', 'windows', 'macOS'], excludePlatforms: [] },
    }),
    grantControls: grant('OR', ['compliantDevice', 'domainJoinedDevice']),
    createdDaysAgo: 480,
  }), ago(5, 7), DEMO_ACTORS.megan);

  deleteSeeded('ca', caPolicy(now, {
    id: DEMO_IDS.reportOnlyPolicy,
    displayName: 'CA020 - Require MFA for medium and high sign-in risk',
    state: 'enabledForReportingButNotEnforced',
    conditions: conditions({ users: allUsersExceptBreakGlass, signInRiskLevels: ['high', 'medium'] }),
    grantControls: grant('OR', ['mfa']),
    sessionControls: sessionControls({ signInFrequency: signInFrequency(null, null, true) }),
    createdDaysAgo: 95,
  }), ago(9, 2), DEMO_ACTORS.isaiah);

  deleteSeeded('ca', caPolicy(now, {
    id: DEMO_IDS.expiringPolicy,
    displayName: 'CA001 - Require phishing-resistant MFA for administrators',
    state: 'enabled',
    conditions: conditions({
      users: {
        includeRoles: Object.values(ROLES),
        excludeUsers: DIRECTORY.breakGlassUsers,
      },
    }),
    grantControls: grant('OR', [], {
      id: '00000000-0000-0000-0000-000000000004',
      createdDateTime: '2021-12-01T08:00:00Z',
      modifiedDateTime: '2021-12-01T08:00:00Z',
      displayName: 'Phishing-resistant MFA',
      description: 'Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key',
      policyType: 'builtIn',
      requirementsSatisfied: 'mfa',
      allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'],
    }),
    sessionControls: sessionControls({ signInFrequency: signInFrequency(4, 'hours') }),
    createdDaysAgo: 700,
  }), ago(27, 12), DEMO_ACTORS.automation);

  deleteSeeded('ca', caPolicy(now, {
    id: 'b1c3e5a7-9d2f-4b4d-8f6a-0c2e4a6b8d92',
    displayName: 'CA030 - Require password change for high-risk users',
    state: 'enabled',
    conditions: conditions({ users: allUsersExceptBreakGlass, userRiskLevels: ['high'] }),
    grantControls: grant('AND', ['mfa', 'passwordChange']),
    sessionControls: sessionControls({ signInFrequency: signInFrequency(null, null, true) }),
    createdDaysAgo: 300,
  }), ago(14, 5), DEMO_ACTORS.adele);

  deleteSeeded('ca', caPolicy(now, {
    id: 'c2d4f6b8-0e3a-4c5e-9a7b-1d3f5b7c9ea3',
    displayName: 'CA040 - Session controls for unmanaged devices',
    state: 'disabled',
    conditions: conditions({
      users: { includeGroups: [DIRECTORY.allEmployeesGroup], excludeGroups: [DIRECTORY.breakGlassGroup] },
      applications: { includeApplications: ['Office365'] },
      clientAppTypes: ['browser'],
      devices: { deviceFilter: { mode: 'exclude', rule: 'device.isCompliant -eq True -or device.trustType -eq "ServerAD"' } },
    }),
    grantControls: null,
    sessionControls: sessionControls({
      cloudAppSecurity: { isEnabled: true, cloudAppSecurityType: 'monitorOnly' },
      persistentBrowser: { isEnabled: true, mode: 'never' },
      signInFrequency: signInFrequency(8, 'hours'),
    }),
    createdDaysAgo: 150,
  }), ago(18, 1), DEMO_ACTORS.megan);

  deleteSeeded('ca', caPolicy(now, {
    id: 'd3e5a7c9-1f4b-4d6f-8b8c-2e4a6c8d0fb4',
    displayName: 'CA050 - Require MFA for Azure management',
    state: 'enabled',
    conditions: conditions({ users: allUsersExceptBreakGlass, applications: { includeApplications: [DIRECTORY.azureManagementApp] } }),
    grantControls: grant('OR', ['mfa']),
    createdDaysAgo: 410,
  }), ago(1, 4), DEMO_ACTORS.automation);

  deleteSeeded('ca', caPolicy(now, {
    id: DEMO_IDS.caPolicyWithPurgedLocation,
    displayName: 'CA060 - Finance app only from branch offices',
    state: 'enabled',
    conditions: conditions({
      users: { includeGroups: [DIRECTORY.financeGroup] },
      applications: { includeApplications: [DIRECTORY.financeApp] },
      locations: { includeLocations: ['All'], excludeLocations: [DEMO_IDS.purgedLocation] },
    }),
    grantControls: grant('OR', ['block']),
    createdDaysAgo: 250,
  }), ago(25, 6), DEMO_ACTORS.isaiah);

  deleteSeeded('ca', caPolicy(now, {
    id: 'e4f6b8d0-2a5c-4e7a-9c9d-3f5b7d9e1ac5',
    displayName: 'CA007 - Require MFA and terms of use for external users',
    state: 'enabled',
    conditions: conditions({
      users: {
        includeGuestsOrExternalUsers: {
          guestOrExternalUserTypes: 'b2bCollaborationGuest,b2bCollaborationMember',
          externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' },
        },
      },
      clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'],
    }),
    grantControls: grant('AND', ['mfa']),
    sessionControls: sessionControls({ signInFrequency: signInFrequency(1, 'days'), persistentBrowser: { isEnabled: true, mode: 'never' } }),
    createdDaysAgo: 120,
  }), ago(0, 6), DEMO_ACTORS.adele);

  // Deleted named locations.
  deleteSeeded('locations',
    countryLocation(now, DEMO_IDS.deletedLocationReferenced, 'Blocked countries - high risk', ['KP', 'IR', 'SY', 'CU', 'BY', 'RU'], true, 'clientIpAddress', 540),
    ago(2, 2.8), DEMO_ACTORS.adele);
  deleteSeeded('locations',
    ipLocation(now, DEMO_IDS.deletedIpLocation, 'Legacy VPN egress (Amsterdam)', true, ['198.51.100.0/24', '203.0.113.64/26', '2001:db8:4f2a::/48'], 900),
    ago(12, 3), DEMO_ACTORS.megan);
  deleteSeeded('locations',
    countryLocation(now, '5b1d3f5a-7c9e-4b1d-8f3a-6c8e0a2b4d38', 'Sales travel allow-list Q3', ['BR', 'MX', 'AR', 'CL'], false, 'authenticatorAppGps', 90),
    ago(20, 8), DEMO_ACTORS.isaiah);

  // Live partners: Adatum (its sync policy was deleted), Tailspin (with sync), Litware (re-created).
  tenant.addLive('partners', partner(DEMO_IDS.syncWithLivePartner, { isInMultiTenantOrganization: true, automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: true } }));
  tenant.addLive('partners', partner(DEMO_IDS.livePartnerWithSync, { inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: true, isHybridAzureADJoinedDeviceAccepted: true } }));
  tenant.addLive('sync', syncPolicy(DEMO_IDS.livePartnerWithSync, 'Tailspin Toys', true, true));
  tenant.addLive('partners', partner(DEMO_IDS.partnerRecreatedLive));

  // Deleted partners and sync policies (sync first: Graph refuses to delete a partner that has one).
  deleteSeeded('sync', syncPolicy(DEMO_IDS.partnerWithDeletedSync, 'Fabrikam', true, false), ago(8, 2), DEMO_ACTORS.adele);
  deleteSeeded('partners', partner(DEMO_IDS.partnerWithDeletedSync, {
    inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: true, isHybridAzureADJoinedDeviceAccepted: false },
    b2bCollaborationOutbound: {
      usersAndGroups: targets('allowed', [[DIRECTORY.fabrikamProjectGroup, 'group']]),
      applications: targets('allowed', [['Office365', 'application']]),
    },
    b2bDirectConnectInbound: { usersAndGroups: allUsers('allowed'), applications: targets('allowed', [['Office365', 'application']]) },
    b2bDirectConnectOutbound: { usersAndGroups: allUsers('allowed'), applications: targets('allowed', [['Office365', 'application']]) },
    automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: true },
    isInMultiTenantOrganization: true,
  }), ago(8, 1.5), DEMO_ACTORS.adele);

  deleteSeeded('partners', partner(DEMO_IDS.partnerWithExtraProperties, {
    // Undeclared in the CSDL but present in real deleted-partner responses (API.md §7).
    displayName: 'Woodgrove Bank',
    crossCloudMeetingConfiguration: { inboundAllowed: false, outboundAllowed: false },
    protectedContentSharing: { inboundAllowed: true, outboundAllowed: false },
    invitationRedemptionIdentityProviderConfiguration: {
      primaryIdentityProviderPrecedenceOrder: ['azureActiveDirectory', 'externalFederation', 'socialIdentityProviders'],
      fallbackIdentityProvider: 'defaultConfiguredIdp',
    },
    b2bCollaborationInbound: {
      usersAndGroups: targets('allowed', [['a9c1e3b5-7d9f-4a1c-8e3b-5d7f9a1c3e52', 'group']]),
      applications: allApps('allowed'),
    },
    tenantRestrictions: {
      usersAndGroups: allUsers('blocked'),
      applications: allApps('blocked'),
      devices: { mode: 'allowed', rule: 'device.trustType -eq "AzureAD"' },
    },
  }), ago(16, 4), DEMO_ACTORS.megan);

  deleteSeeded('partners', partner(DEMO_IDS.serviceProviderPartner, {
    isServiceProvider: true,
    inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false },
    b2bDirectConnectInbound: null,
    b2bDirectConnectOutbound: null,
  }), ago(22, 9), DEMO_ACTORS.isaiah);

  deleteSeeded('partners', partner(DEMO_IDS.partnerRecreatedLive, {
    inboundTrust: { isMfaAccepted: false, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false },
  }), ago(4, 6), DEMO_ACTORS.adele);

  deleteSeeded('sync', syncPolicy(DEMO_IDS.syncWithLivePartner, 'Adatum Corporation', true, true), ago(3, 5), DEMO_ACTORS.megan);

  seedDirectoryRecycleBin(tenant, deleteSeeded, ago);

  // Unrelated activity, so audit queries have something to filter out.
  const update = createAuditEvent({
    kind: 'ca', action: 'delete', object: tenant.findLive('ca', DEMO_IDS.liveMfaPolicy) ?? {},
    actor: DEMO_ACTORS.adele, at: ago(1, 1), crossTenantPolicyId: tenant.crossTenantPolicyId,
  });
  const [updatedTarget] = update.targetResources as GraphObject[];
  const [snapshot] = updatedTarget.modifiedProperties as GraphObject[];
  tenant.addAuditEvent({
    ...update,
    activityDisplayName: 'Update conditional access policy',
    operationType: 'Update',
    targetResources: [{ ...updatedTarget, modifiedProperties: [{ ...snapshot, newValue: snapshot.oldValue }] }],
  });
  const added = createAuditEvent({
    kind: 'partners', action: 'restore', object: { tenantId: DEMO_IDS.partnerRecreatedLive },
    actor: DEMO_ACTORS.adele, at: ago(3, 20), crossTenantPolicyId: tenant.crossTenantPolicyId,
  });
  tenant.addAuditEvent({ ...added, activityDisplayName: 'Add a partner to cross-tenant access setting', operationType: 'Add' });
}

/**
 * The directory recycle bin: a Microsoft 365 group with a Team, a user who restores, a user whose
 * UPN a new account has taken since (restoring conflicts), an app registration and its service
 * principal (the principal needs its app back first), and an administrative unit.
 */
function seedDirectoryRecycleBin(
  tenant: SimTenant,
  deleteSeeded: (kind: KindId, raw: GraphObject, at: Date, actor: AuditActor) => void,
  ago: (days: number, hours?: number) => Date,
): void {
  const created = (days: number) => graphTimestamp(ago(days));
  deleteSeeded('groups', {
    id: DEMO_IDS.deletedTeamGroup,
    displayName: 'Project Falcon',
    description: 'Falcon launch team: channels, files and the launch plan.',
    groupTypes: ['Unified'],
    securityEnabled: false,
    mailEnabled: true,
    mail: 'projectfalcon@contoso.onmicrosoft.com',
    visibility: 'Private',
    resourceProvisioningOptions: ['Team'],
    createdDateTime: created(400),
  }, ago(2, 4), DEMO_ACTORS.isaiah);
  deleteSeeded('users', {
    id: DEMO_IDS.deletedUser,
    displayName: 'Diego Siciliani',
    userPrincipalName: 'diegos@contoso.onmicrosoft.com',
    mail: 'diegos@contoso.onmicrosoft.com',
    department: 'HR',
    jobTitle: 'HR Manager',
    accountEnabled: true,
    userType: 'Member',
    assignedLicenses: [{ skuId: 'c7df2760-2c81-4ef7-b578-5b5392b571df', disabledPlans: [] }],
  }, ago(1, 3), DEMO_ACTORS.megan);
  deleteSeeded('users', {
    id: DEMO_IDS.deletedUserUpnConflict,
    displayName: 'Lee Gu',
    userPrincipalName: 'leeg@contoso.onmicrosoft.com',
    mail: 'leeg@contoso.onmicrosoft.com',
    department: 'Manufacturing',
    jobTitle: 'Director',
    accountEnabled: true,
    userType: 'Member',
    assignedLicenses: [],
  }, ago(9, 2), DEMO_ACTORS.adele);
  // A new account took Lee's sign-in name after the deletion.
  tenant.addUser({ id: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', displayName: 'Lee Gu (new account)', userPrincipalName: 'leeg@contoso.onmicrosoft.com' });
  deleteSeeded('apps', {
    id: DEMO_IDS.deletedApp,
    displayName: 'Payroll Sync',
    appId: DEMO_IDS.deletedAppId,
    signInAudience: 'AzureADMyOrg',
    passwordCredentials: [{ keyId: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9', displayName: 'prod secret', endDateTime: graphTimestamp(ago(-45)) }],
    keyCredentials: [],
    createdDateTime: created(700),
  }, ago(0, 5), DEMO_ACTORS.isaiah);
  deleteSeeded('sps', {
    id: DEMO_IDS.deletedServicePrincipal,
    displayName: 'Payroll Sync',
    appId: DEMO_IDS.deletedAppId,
    appDisplayName: 'Payroll Sync',
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appOwnerOrganizationId: DEMO_TENANT_ID,
  }, ago(0, 5), DEMO_ACTORS.isaiah);
  deleteSeeded('aus', {
    id: DEMO_IDS.deletedAdministrativeUnit,
    displayName: 'Seattle office',
    description: 'Users and devices of the Seattle office',
    visibility: null,
    membershipType: 'Assigned',
  }, ago(12, 7), DEMO_ACTORS.megan);
}
