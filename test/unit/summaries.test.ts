import assert from 'node:assert/strict';
import type { DetailSection, GraphObject } from '../../src/core/model';
import { DirectoryNames } from '../../src/core/directoryNames';
import {
  directoryReferencesOf,
  formatDate,
  namedLocationsReferencedBy,
  summariseConditionalAccessPolicy,
  summariseList,
  summariseNamedLocation,
  summarisePartner,
  summariseSyncPartner,
} from '../../src/core/summaries';

// ---------------------------------------------------------------------------------------
// Helpers for reading a summary the way an admin reads the card
// ---------------------------------------------------------------------------------------

function fact(sections: DetailSection[], title: string, label: string): string | undefined {
  return sections.find((s) => s.title === title)?.facts.find((f) => f.label === label)?.value;
}

function titles(sections: DetailSection[]): string[] {
  return sections.map((s) => s.title);
}

function labels(sections: DetailSection[], title: string): string[] {
  return sections.find((s) => s.title === title)?.facts.map((f) => f.label) ?? [];
}

/** Every card-bound value is short, plain and never leaks JavaScript's idea of "nothing". */
function assertCardSafe(sections: DetailSection[]): void {
  assert.ok(Array.isArray(sections), 'summary is a list of sections');
  for (const s of sections) {
    assert.equal(typeof s.title, 'string');
    assert.ok(s.facts.length > 0, `section "${s.title}" has facts`);
    for (const f of s.facts) {
      assert.equal(typeof f.label, 'string');
      assert.equal(typeof f.value, 'string');
      assert.ok(f.value.trim().length > 0, `${f.label} has a value`);
      assert.ok(Array.from(f.value).length <= 300, `${f.label} is at most 300 characters`);
      assert.doesNotMatch(f.value, /\bundefined\b|\bnull\b|\[object |NaN/, `${f.label}: ${f.value}`);
      assert.doesNotMatch(f.value, /[\r\n]/, `${f.label} is a single line`);
      assert.doesNotMatch(f.value, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, `${f.label} has no broken emoji`);
    }
  }
}

const ROLE = {
  globalAdmin: '62e90394-69f5-4237-9190-012177145e10',
  securityAdmin: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  caAdmin: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  exchangeAdmin: '29232cdf-9323-42fd-ade2-1d097af3e4de',
};
const BREAK_GLASS = '0d1f5c8a-7b2e-4a5e-9c3d-1e2f3a4b5c6d';
const BLOCKED_COUNTRIES = '6f2b4c1e-3d5a-4b7c-8e9f-0a1b2c3d4e5f';
const CORP_NETWORK = '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d';
const PARTNER_TENANT = '3b9f2e1a-4c5d-4e6f-8a7b-9c0d1e2f3a4b';

// ---------------------------------------------------------------------------------------
// Realistic fixtures (shapes as Graph beta returns them from deletedItems)
// ---------------------------------------------------------------------------------------

const blockUntrustedCountries: GraphObject = {
  '@odata.type': '#microsoft.graph.conditionalAccessPolicy',
  id: 'c2f1a0e9-8d7c-4b6a-9e5f-4d3c2b1a0f9e',
  displayName: 'Block sign-ins from blocked countries',
  description: 'Blocks every sign-in that comes from a country on the blocked list.',
  state: 'enabled',
  createdDateTime: '2024-01-15T09:30:12.5Z',
  modifiedDateTime: '2024-06-02T17:05:59Z',
  deletedDateTime: '2024-07-01T08:00:00Z',
  templateId: null,
  conditions: {
    userRiskLevels: [],
    signInRiskLevels: [],
    clientAppTypes: ['all'],
    platforms: null,
    devices: null,
    clientApplications: null,
    applications: {
      includeApplications: ['All'],
      excludeApplications: [],
      includeUserActions: [],
      includeAuthenticationContextClassReferences: [],
      applicationFilter: null,
    },
    users: {
      includeUsers: ['All'],
      excludeUsers: [BREAK_GLASS],
      includeGroups: [],
      excludeGroups: [],
      includeRoles: [],
      excludeRoles: [],
      includeGuestsOrExternalUsers: null,
      excludeGuestsOrExternalUsers: null,
    },
    locations: {
      includeLocations: [BLOCKED_COUNTRIES],
      excludeLocations: ['AllTrusted'],
    },
  },
  grantControls: {
    operator: 'OR',
    builtInControls: ['block'],
    customAuthenticationFactors: [],
    termsOfUse: [],
    authenticationStrength: null,
  },
  sessionControls: null,
};

const mfaForAdmins: GraphObject = {
  id: '5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b',
  displayName: 'Require MFA for administrators',
  state: 'enabled',
  createdDateTime: '2023-11-20T10:00:00Z',
  modifiedDateTime: null,
  conditions: {
    clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'],
    applications: { includeApplications: ['All'], excludeApplications: [] },
    users: {
      includeUsers: [],
      excludeUsers: [BREAK_GLASS],
      includeGroups: [],
      excludeGroups: [],
      includeRoles: [
        ROLE.globalAdmin,
        ROLE.securityAdmin,
        ROLE.caAdmin,
        ROLE.exchangeAdmin,
        'aaaaaaaa-1111-4222-8333-bbbbbbbbbbbb',
      ],
      excludeRoles: [],
    },
    locations: null,
  },
  grantControls: {
    operator: 'OR',
    builtInControls: ['mfa'],
    customAuthenticationFactors: [],
    termsOfUse: [],
    authenticationStrength: null,
  },
  sessionControls: null,
};

const reportOnlySessionPolicy: GraphObject = {
  id: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
  displayName: 'Office 365 session limits (pilot)',
  state: 'enabledForReportingButNotEnforced',
  createdDateTime: '2024-05-05T05:05:00Z',
  conditions: {
    clientAppTypes: ['browser'],
    applications: { includeApplications: ['Office365'], excludeApplications: [] },
    users: { includeUsers: ['GuestsOrExternalUsers'], excludeUsers: [] },
    platforms: { includePlatforms: ['android', 'iOS'], excludePlatforms: [] },
    signInRiskLevels: ['high', 'medium'],
  },
  grantControls: null,
  sessionControls: {
    disableResilienceDefaults: true,
    applicationEnforcedRestrictions: { isEnabled: true },
    cloudAppSecurity: { isEnabled: true, cloudAppSecurityType: 'monitorOnly' },
    persistentBrowser: { isEnabled: true, mode: 'never' },
    signInFrequency: {
      isEnabled: true,
      value: 4,
      type: 'hours',
      authenticationType: 'primaryAndSecondaryAuthentication',
      frequencyInterval: 'timeBased',
    },
  },
};

const ipLocation: GraphObject = {
  '@odata.type': '#microsoft.graph.ipNamedLocation',
  id: CORP_NETWORK,
  displayName: 'Head office',
  createdDateTime: '2022-02-02T02:02:02Z',
  modifiedDateTime: '2024-04-04T14:45:00Z',
  isTrusted: true,
  ipRanges: [
    { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' },
    { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.16/28' },
    { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:db8::/48' },
  ],
};

const countryLocation: GraphObject = {
  '@odata.type': '#microsoft.graph.countryNamedLocation',
  id: BLOCKED_COUNTRIES,
  displayName: 'Blocked countries',
  createdDateTime: '2023-03-03T03:03:03Z',
  modifiedDateTime: '2023-03-04T00:00:00Z',
  countriesAndRegions: ['RU', 'CN', 'KP', 'IR'],
  includeUnknownCountriesAndRegions: true,
  countryLookupMethod: 'clientIpAddress',
};

const partner: GraphObject = {
  tenantId: PARTNER_TENANT,
  deletedDateTime: '2024-07-01T08:00:00Z',
  isServiceProvider: false,
  isInMultiTenantOrganization: true,
  blockServiceProviderOutboundAccess: null,
  inboundTrust: {
    isMfaAccepted: true,
    isCompliantDeviceAccepted: true,
    isHybridAzureADJoinedDeviceAccepted: false,
  },
  automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: false },
  b2bCollaborationInbound: {
    usersAndGroups: { accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] },
    applications: { accessType: 'allowed', targets: [{ target: 'AllApplications', targetType: 'application' }] },
  },
  b2bCollaborationOutbound: null,
  b2bDirectConnectInbound: {
    usersAndGroups: { accessType: 'blocked', targets: [{ target: 'AllUsers', targetType: 'user' }] },
    applications: { accessType: 'blocked', targets: [{ target: 'AllApplications', targetType: 'application' }] },
  },
  b2bDirectConnectOutbound: {
    usersAndGroups: {
      accessType: 'blocked',
      targets: [
        { target: '11111111-2222-4333-8444-555555555551', targetType: 'group' },
        { target: '11111111-2222-4333-8444-555555555552', targetType: 'group' },
        { target: '11111111-2222-4333-8444-555555555553', targetType: 'group' },
      ],
    },
    applications: { accessType: 'blocked', targets: [{ target: 'Office365', targetType: 'application' }] },
  },
  tenantRestrictions: {
    usersAndGroups: { accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] },
    applications: { accessType: 'allowed', targets: [{ target: 'AllApplications', targetType: 'application' }] },
    devices: { mode: 'allowed', rule: 'device.trustType -eq "AzureAD"' },
  },
  // Undeclared in the metadata, returned anyway (API.md §7).
  crossCloudMeetingConfiguration: { inboundAllowed: false, outboundAllowed: true },
  protectedContentSharing: { inboundAllowed: true, outboundAllowed: true },
};

const syncPartner: GraphObject = {
  tenantId: PARTNER_TENANT,
  displayName: 'Fabrikam',
  deletedDateTime: '2024-07-01T08:00:00Z',
  externalCloudAuthorizedApplicationId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  userSyncInbound: { isSyncAllowed: true },
  groupSyncInbound: { isSyncAllowed: false },
};

// ---------------------------------------------------------------------------------------
// Conditional Access policies
// ---------------------------------------------------------------------------------------

describe('CA policy summary', () => {
  describe('a policy blocking untrusted countries', () => {
    const summary = summariseConditionalAccessPolicy(blockUntrustedCountries);

    it('lays the policy out in the order an admin reads the portal', () => {
      assert.deepEqual(titles(summary), ['Policy', 'Assignments', 'Target resources', 'Conditions', 'Grant']);
    });

    it('says the policy was on, what it was for and when it changed', () => {
      assert.equal(fact(summary, 'Policy', 'State'), 'On');
      assert.equal(
        fact(summary, 'Policy', 'Description'),
        'Blocks every sign-in that comes from a country on the blocked list.',
      );
      assert.equal(fact(summary, 'Policy', 'Created'), '2024-01-15 09:30 UTC');
      assert.equal(fact(summary, 'Policy', 'Last modified'), '2024-06-02 17:05 UTC');
    });

    it('names who it applies to and who is spared', () => {
      assert.equal(fact(summary, 'Assignments', 'Included users'), 'All users');
      assert.equal(fact(summary, 'Assignments', 'Excluded users'), `1 user: ${BREAK_GLASS}`);
    });

    it('leaves out assignments that are empty', () => {
      assert.deepEqual(labels(summary, 'Assignments'), ['Included users', 'Excluded users']);
    });

    it('says it covers all cloud apps', () => {
      assert.equal(fact(summary, 'Target resources', 'Included apps'), 'All cloud apps');
    });

    it('shows the named location it blocks and that trusted locations are exempt', () => {
      assert.equal(fact(summary, 'Conditions', 'Locations'), `1 named location: ${BLOCKED_COUNTRIES}`);
      assert.equal(fact(summary, 'Conditions', 'Excluded locations'), 'All trusted locations');
      assert.equal(fact(summary, 'Conditions', 'Client apps'), 'Any client app');
    });

    it('says access is blocked', () => {
      assert.equal(fact(summary, 'Grant', 'Access'), 'Block access');
    });

    it('has no session section when there are no session controls', () => {
      assert.ok(!titles(summary).includes('Session'));
    });
  });

  describe('an MFA-for-admins policy', () => {
    const summary = summariseConditionalAccessPolicy(mfaForAdmins);

    it('names the roles an admin recognises', () => {
      assert.equal(
        fact(summary, 'Assignments', 'Included roles'),
        '5 roles: Global Administrator, Security Administrator, Conditional Access Administrator, ' +
          'Exchange Administrator, aaaaaaaa-1111-4222-8333-bbbbbbbbbbbb',
      );
    });

    it('requires multifactor authentication', () => {
      assert.equal(fact(summary, 'Grant', 'Access'), 'Require multifactor authentication');
    });

    it('describes client app types in words', () => {
      assert.equal(fact(summary, 'Conditions', 'Client apps'), 'Browser, Mobile apps and desktop clients');
    });

    it('omits a modified date that is null and an empty user list', () => {
      assert.equal(fact(summary, 'Policy', 'Last modified'), undefined);
      assert.equal(fact(summary, 'Assignments', 'Included users'), undefined);
    });

    it('knows every commonly assigned built-in role by name', () => {
      const expected: Record<string, string> = {
        '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
        '194ae4cb-b126-40b2-bd5b-6091b380977d': 'Security Administrator',
        'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9': 'Conditional Access Administrator',
        '29232cdf-9323-42fd-ade2-1d097af3e4de': 'Exchange Administrator',
        'f28a1f50-f6e7-4571-818b-6a12f2af6b6c': 'SharePoint Administrator',
        'fe930be7-5e62-47db-91af-98c3a49a38b1': 'User Administrator',
        '729827e3-9c14-49f7-bb1b-9608f156bbb8': 'Helpdesk Administrator',
        'b0f54661-2d74-4c50-afa3-1ec803f12efe': 'Billing Administrator',
        '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
        '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
        'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
        'c4e39bd9-1100-46d3-8c65-fb160da0071f': 'Authentication Administrator',
        'f2ef992c-3afb-46b9-b7cf-a126ee74c451': 'Global Reader',
        '5d6b6bb7-de71-4623-b4af-96380a352509': 'Security Reader',
        '3a2c62db-5318-420d-8d74-23affee5d9d5': 'Intune Administrator',
        '69091246-20e8-4a56-aa4d-066075b2a7a8': 'Teams Administrator',
      };
      for (const [id, name] of Object.entries(expected)) {
        const s = summariseConditionalAccessPolicy({ state: 'enabled', conditions: { users: { excludeRoles: [id.toUpperCase()] } } });
        assert.equal(fact(s, 'Assignments', 'Excluded roles'), `1 role: ${name}`, id);
      }
    });

    it('does not reference any named location', () => {
      assert.deepEqual(namedLocationsReferencedBy(mfaForAdmins), []);
    });
  });

  describe('a report-only policy with session controls', () => {
    const summary = summariseConditionalAccessPolicy(reportOnlySessionPolicy);

    it('says it is report-only', () => {
      assert.equal(fact(summary, 'Policy', 'State'), 'Report-only');
    });

    it('describes each session control in words', () => {
      assert.equal(fact(summary, 'Session', 'Sign-in frequency'), 'every 4 hours');
      assert.equal(fact(summary, 'Session', 'Persistent browser session'), 'Never persistent');
      assert.equal(fact(summary, 'Session', 'App-enforced restrictions'), 'On');
      assert.equal(
        fact(summary, 'Session', 'Conditional Access App Control'),
        'Monitor only (Defender for Cloud Apps)',
      );
      assert.equal(fact(summary, 'Session', 'Resilience defaults'), 'Disabled');
    });

    it('targets guests, Office 365, mobile platforms and risky sign-ins', () => {
      assert.equal(fact(summary, 'Assignments', 'Included users'), 'Guests and external users');
      assert.equal(fact(summary, 'Target resources', 'Included apps'), 'Office 365');
      assert.equal(fact(summary, 'Conditions', 'Platforms'), 'Android, iOS');
      assert.equal(fact(summary, 'Conditions', 'Sign-in risk'), 'High, Medium');
    });

    it('has no grant section when there are no grant controls', () => {
      assert.ok(!titles(summary).includes('Grant'));
    });
  });

  describe('grant controls', () => {
    it('lists every requirement with "all of" for AND', () => {
      const s = summariseConditionalAccessPolicy({
        state: 'enabled',
        grantControls: {
          operator: 'AND',
          builtInControls: ['mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication', 'passwordChange'],
          termsOfUse: ['f1e2d3c4-b5a6-4978-8877-665544332211'],
        },
      });
      assert.equal(
        fact(s, 'Grant', 'Access'),
        'Require all of: multifactor authentication, compliant device, Microsoft Entra hybrid joined device, ' +
          'approved client app, app protection policy, password change, terms of use',
      );
      assert.equal(fact(s, 'Grant', 'Terms of use'), '1 document: f1e2d3c4-b5a6-4978-8877-665544332211');
    });

    it('uses "one of" for OR and names the authentication strength', () => {
      const s = summariseConditionalAccessPolicy({
        state: 'enabled',
        grantControls: {
          operator: 'OR',
          builtInControls: ['compliantDevice'],
          authenticationStrength: { id: '00000000-0000-0000-0000-000000000004', displayName: 'Phishing-resistant MFA' },
        },
      });
      assert.equal(
        fact(s, 'Grant', 'Access'),
        'Require one of: compliant device, authentication strength "Phishing-resistant MFA"',
      );
    });
  });

  describe('other conditions and targets', () => {
    it('names user actions, auth contexts, admin portals and guest types', () => {
      const s = summariseConditionalAccessPolicy({
        state: 'disabled',
        conditions: {
          applications: {
            includeApplications: ['MicrosoftAdminPortals', '797f4846-ba00-4fd7-ba43-dac1f8f63013'],
            includeUserActions: ['urn:user:registersecurityinfo', 'urn:user:registerdevice'],
            includeAuthenticationContextClassReferences: ['c1', 'c2'],
          },
          users: {
            includeGuestsOrExternalUsers: {
              guestOrExternalUserTypes: 'internalGuest,b2bCollaborationGuest,b2bDirectConnectUser',
              externalTenants: { membershipKind: 'enumerated', members: [PARTNER_TENANT] },
            },
          },
          devices: { deviceFilter: { mode: 'exclude', rule: 'device.isCompliant -eq True' } },
          userRiskLevels: ['high'],
        },
      });
      assert.equal(fact(s, 'Policy', 'State'), 'Off');
      assert.equal(
        fact(s, 'Target resources', 'Included apps'),
        'Microsoft admin portals; 1 app: Windows Azure Service Management API',
      );
      assert.equal(fact(s, 'Target resources', 'User actions'), 'Register security information, Register or join devices');
      assert.equal(fact(s, 'Target resources', 'Authentication contexts'), 'c1, c2');
      assert.equal(
        fact(s, 'Assignments', 'Included guests/external users'),
        `Internal guests, B2B collaboration guests, B2B direct connect users from 1 tenant: ${PARTNER_TENANT}`,
      );
      assert.equal(fact(s, 'Conditions', 'Device filter'), 'Exclude devices matching: device.isCompliant -eq True');
      assert.equal(fact(s, 'Conditions', 'User risk'), 'High');
    });

    it('says "every time" and "every day" for sign-in frequency, "Always persistent" for browsers', () => {
      const everyTime = summariseConditionalAccessPolicy({
        sessionControls: { signInFrequency: { isEnabled: true, frequencyInterval: 'everyTime', value: null, type: null } },
      });
      assert.equal(fact(everyTime, 'Session', 'Sign-in frequency'), 'every time');
      const daily = summariseConditionalAccessPolicy({
        sessionControls: {
          signInFrequency: { isEnabled: true, value: 1, type: 'days', frequencyInterval: 'timeBased' },
          persistentBrowser: { isEnabled: true, mode: 'always' },
        },
      });
      assert.equal(fact(daily, 'Session', 'Sign-in frequency'), 'every day');
      assert.equal(fact(daily, 'Session', 'Persistent browser session'), 'Always persistent');
    });

    it('ignores session controls that are switched off', () => {
      const s = summariseConditionalAccessPolicy({
        state: 'enabled',
        sessionControls: {
          signInFrequency: { isEnabled: false, value: 8, type: 'hours' },
          persistentBrowser: { isEnabled: false, mode: 'never' },
          applicationEnforcedRestrictions: null,
          disableResilienceDefaults: false,
        },
      });
      assert.ok(!titles(s).includes('Session'), JSON.stringify(s));
    });
  });

  describe('named locations referenced by a policy', () => {
    it('returns the included location as a restorable reference', () => {
      assert.deepEqual(namedLocationsReferencedBy(blockUntrustedCountries), [{ kind: 'locations', id: BLOCKED_COUNTRIES }]);
    });

    it('deduplicates and skips All, AllTrusted and the MFA trusted IPs', () => {
      const refs = namedLocationsReferencedBy({
        conditions: {
          locations: {
            includeLocations: ['All', BLOCKED_COUNTRIES, CORP_NETWORK],
            excludeLocations: ['AllTrusted', '00000000-0000-0000-0000-000000000000', CORP_NETWORK, BLOCKED_COUNTRIES],
          },
        },
      });
      assert.deepEqual(refs, [
        { kind: 'locations', id: BLOCKED_COUNTRIES },
        { kind: 'locations', id: CORP_NETWORK },
      ]);
    });

    it('returns nothing for malformed location conditions', () => {
      for (const locations of [null, 'All', 7, [], { includeLocations: 'AllTrusted' }, { includeLocations: [null, 3, {}] }]) {
        assert.deepEqual(namedLocationsReferencedBy({ conditions: { locations } }), [], JSON.stringify(locations));
      }
    });
  });
});

describe('CA policy summary with directory names', () => {
  const BREAK_GLASS = '0f7c6f1e-3b1a-4d2e-9a8b-5c6d7e8f9a01';
  const DEPARTED = '12345678-aaaa-4bbb-8ccc-1234567890ab';
  const UNREADABLE = '22222222-aaaa-4bbb-8ccc-1234567890ab';
  const GROUP = '5d0b9e3c-8a7f-4e6d-b2c1-9f8e7d6c5b4a';
  const STRENGTH = '00000000-0000-0000-0000-000000000004';
  const policy: GraphObject = {
    id: 'p1',
    state: 'enabled',
    conditions: {
      users: { includeUsers: ['All'], excludeUsers: [BREAK_GLASS, DEPARTED, UNREADABLE], includeGroups: [], excludeGroups: [GROUP] },
      applications: { includeApplications: ['All'] },
      locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted', CORP_NETWORK] },
    },
    grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: STRENGTH } },
  };

  it('lists what to resolve: exclusions first, keywords left out, a strength only when it has no name', () => {
    assert.deepEqual(directoryReferencesOf(policy), [
      { type: 'user', id: BREAK_GLASS },
      { type: 'user', id: DEPARTED },
      { type: 'user', id: UNREADABLE },
      { type: 'group', id: GROUP },
      { type: 'location', id: CORP_NETWORK },
      { type: 'authenticationStrength', id: STRENGTH },
    ]);
    assert.deepEqual(directoryReferencesOf({ grantControls: { authenticationStrength: { id: STRENGTH, displayName: 'Phishing-resistant MFA' } } }), []);
    assert.deepEqual(directoryReferencesOf({ conditions: 'nonsense' } as GraphObject), []);
  });

  it('names resolved objects, says "deleted" for missing ones and keeps ids it could not read', () => {
    const names = new DirectoryNames()
      .set('user', BREAK_GLASS, { name: 'Break Glass 1 (bg1@contoso.onmicrosoft.com)' })
      .set('user', DEPARTED, { missing: true })
      .set('group', GROUP, { name: 'Break-glass accounts' })
      .set('location', CORP_NETWORK, { name: 'Corporate network' })
      .set('authenticationStrength', STRENGTH, { name: 'Phishing-resistant MFA' });
    const sections = summariseConditionalAccessPolicy(policy, names);
    assert.equal(fact(sections, 'Assignments', 'Excluded users'), `3 users: Break Glass 1 (bg1@contoso.onmicrosoft.com), deleted user 12345678…, ${UNREADABLE}`);
    assert.equal(fact(sections, 'Assignments', 'Excluded groups'), '1 group: Break-glass accounts');
    assert.equal(fact(sections, 'Conditions', 'Excluded locations'), 'All trusted locations; 1 named location: Corporate network');
    assert.equal(fact(sections, 'Grant', 'Access'), 'Require authentication strength "Phishing-resistant MFA"');
    assertCardSafe(sections);
  });

  it('names the tenant\'s own apps and workload identities from the directory, first-party apps from the vocabulary', () => {
    const FINANCE_APP = 'c7e9a1b3-5d2f-4f6a-8b0c-2e4a6c8e0b17';
    const PRINCIPAL = '4e6a8c0e-2b4d-4f6a-9c8e-0a2c4e6b8d31';
    const GRAPH_APP = '00000003-0000-0000-c000-000000000000';
    const targeted: GraphObject = {
      conditions: {
        applications: { includeApplications: [FINANCE_APP, GRAPH_APP], excludeApplications: ['Office365'] },
        clientApplications: { includeServicePrincipals: [PRINCIPAL], excludeServicePrincipals: ['ServicePrincipalsInMyTenant'] },
      },
    };
    assert.deepEqual(directoryReferencesOf(targeted), [
      { type: 'servicePrincipal', id: PRINCIPAL },
      { type: 'application', id: FINANCE_APP },
    ]);
    const names = new DirectoryNames().set('application', FINANCE_APP, { name: 'Contoso Finance Portal' }).set('servicePrincipal', PRINCIPAL, { missing: true });
    const sections = summariseConditionalAccessPolicy(targeted, names);
    assert.equal(fact(sections, 'Target resources', 'Included apps'), '2 apps: Contoso Finance Portal, Microsoft Graph');
    assert.equal(fact(sections, 'Assignments', 'Included workload identities'), '1 service principal: deleted service principal 4e6a8c0e…');
  });
});

// ---------------------------------------------------------------------------------------
// Named locations
// ---------------------------------------------------------------------------------------

describe('named location summary', () => {
  it('describes an IP location: type, trust and ranges', () => {
    const s = summariseNamedLocation(ipLocation);
    assert.equal(fact(s, 'Named location', 'Type'), 'IP ranges');
    assert.equal(fact(s, 'IP ranges', 'Trusted location'), 'Yes');
    assert.equal(fact(s, 'IP ranges', 'Ranges'), '3 ranges: 203.0.113.0/24, 198.51.100.16/28, 2001:db8::/48');
    assert.equal(fact(s, 'Named location', 'Created'), '2022-02-02 02:02 UTC');
    assert.equal(fact(s, 'Named location', 'Last modified'), '2024-04-04 14:45 UTC');
  });

  it('describes a country location with English names next to the codes', () => {
    const s = summariseNamedLocation(countryLocation);
    assert.equal(fact(s, 'Named location', 'Type'), 'Countries/regions');
    assert.equal(
      fact(s, 'Countries/regions', 'Countries/regions'),
      '4 countries/regions: Russia (RU), China (CN), North Korea (KP), Iran (IR)',
    );
    assert.equal(fact(s, 'Countries/regions', 'Unknown countries/regions'), 'Included');
    assert.equal(fact(s, 'Countries/regions', 'Lookup method'), 'IP address');
  });

  it('names the GPS lookup and keeps codes it cannot name', () => {
    const s = summariseNamedLocation({
      '@odata.type': '#microsoft.graph.countryNamedLocation',
      countriesAndRegions: ['qq', 'GB', 'ZZ'],
      includeUnknownCountriesAndRegions: false,
      countryLookupMethod: 'authenticatorAppGps',
    });
    assert.equal(fact(s, 'Countries/regions', 'Countries/regions'), '3 countries/regions: QQ, United Kingdom (GB), ZZ');
    assert.equal(fact(s, 'Countries/regions', 'Unknown countries/regions'), 'Not included');
    assert.equal(fact(s, 'Countries/regions', 'Lookup method'), 'GPS coordinates (Authenticator)');
  });

  it('works out the type from the properties when @odata.type is missing', () => {
    const s = summariseNamedLocation({ ipRanges: [{ cidrAddress: '10.0.0.0/8' }], isTrusted: false });
    assert.equal(fact(s, 'Named location', 'Type'), 'IP ranges');
    assert.equal(fact(s, 'IP ranges', 'Trusted location'), 'No');
  });

  it('summarises a location with hundreds of ranges', () => {
    const ipRanges = Array.from({ length: 500 }, (_, i) => ({ cidrAddress: `10.${Math.floor(i / 256)}.${i % 256}.0/24` }));
    const s = summariseNamedLocation({ '@odata.type': '#microsoft.graph.ipNamedLocation', ipRanges });
    assertCardSafe(s);
    assert.equal(fact(s, 'IP ranges', 'Ranges'), '500 ranges: 10.0.0.0/24, 10.0.1.0/24, 10.0.2.0/24, … and 497 more');
  });
});

// ---------------------------------------------------------------------------------------
// Cross-tenant partners
// ---------------------------------------------------------------------------------------

describe('cross-tenant partner summary', () => {
  const summary = summarisePartner(partner);

  it('identifies the partner tenant and its organisation settings', () => {
    assert.equal(fact(summary, 'Partner', 'Tenant ID'), PARTNER_TENANT);
    assert.equal(fact(summary, 'Partner', 'Multi-tenant organization'), 'Member');
    assert.equal(fact(summary, 'Partner', 'Service provider'), 'No');
    assert.equal(fact(summary, 'Partner', 'Service provider outbound access'), undefined);
  });

  it('says which partner claims are trusted inbound', () => {
    assert.equal(fact(summary, 'Inbound trust', 'MFA from partner tenant'), 'Trusted');
    assert.equal(fact(summary, 'Inbound trust', 'Compliant devices'), 'Trusted');
    assert.equal(fact(summary, 'Inbound trust', 'Microsoft Entra hybrid joined devices'), 'Not trusted');
  });

  it('says B2B collaboration inbound is open and outbound inherits the default', () => {
    assert.equal(fact(summary, 'B2B collaboration', 'Inbound'), 'Users: allowed all; Applications: allowed all');
    assert.equal(fact(summary, 'B2B collaboration', 'Outbound'), 'Inherited from default');
  });

  it('says B2B direct connect is blocked, counting the blocked groups', () => {
    assert.equal(fact(summary, 'B2B direct connect', 'Inbound'), 'Users: blocked all; Applications: blocked all');
    assert.equal(fact(summary, 'B2B direct connect', 'Outbound'), 'Users: blocked 3 groups; Applications: blocked Office 365');
  });

  it('describes tenant restrictions including the devices filter', () => {
    assert.equal(fact(summary, 'Tenant restrictions', 'Users'), 'allowed all');
    assert.equal(fact(summary, 'Tenant restrictions', 'Devices'), 'Allowed devices matching: device.trustType -eq "AzureAD"');
  });

  it('shows automatic consent and the undeclared extra settings', () => {
    assert.equal(fact(summary, 'Other settings', 'Automatic user consent'), 'Inbound allowed, outbound not allowed');
    assert.equal(fact(summary, 'Other settings', 'Cross-cloud meetings'), 'Inbound not allowed, outbound allowed');
    assert.equal(fact(summary, 'Other settings', 'Protected content sharing'), 'Inbound allowed, outbound allowed');
  });

  it('reads enum values sent as CSDL numbers', () => {
    const s = summarisePartner({
      tenantId: PARTNER_TENANT,
      b2bCollaborationInbound: {
        usersAndGroups: { accessType: 2, targets: [{ target: 'u1', targetType: 1 }, { target: 'g1', targetType: 2 }] },
        applications: { accessType: 1, targets: [{ target: 'AllApplications', targetType: 3 }] },
      },
    });
    assert.equal(fact(s, 'B2B collaboration', 'Inbound'), 'Users: blocked 1 user and 1 group; Applications: allowed all');
  });

  it('says every null setting is inherited from the default', () => {
    const s = summarisePartner({
      tenantId: PARTNER_TENANT,
      inboundTrust: null,
      b2bCollaborationInbound: null,
      b2bCollaborationOutbound: null,
      b2bDirectConnectInbound: null,
      b2bDirectConnectOutbound: null,
      tenantRestrictions: null,
      automaticUserConsentSettings: null,
      isServiceProvider: null,
      isInMultiTenantOrganization: null,
    });
    assertCardSafe(s);
    assert.equal(fact(s, 'Inbound trust', 'Trust settings'), 'Inherited from default');
    assert.equal(fact(s, 'B2B direct connect', 'Outbound'), 'Inherited from default');
    assert.equal(fact(s, 'Tenant restrictions', 'Settings'), 'Inherited from default');
    assert.equal(fact(s, 'Other settings', 'Automatic user consent'), 'Inherited from default');
    assert.deepEqual(labels(s, 'Partner'), ['Tenant ID']);
  });
});

describe('identity-sync partner summary', () => {
  it('says what is synchronised from the partner', () => {
    const s = summariseSyncPartner(syncPartner);
    assert.deepEqual(s, [
      {
        title: 'Identity sync',
        facts: [
          { label: 'Tenant ID', value: PARTNER_TENANT },
          { label: 'Name', value: 'Fabrikam' },
          { label: 'User sync inbound', value: 'Allowed' },
          { label: 'Group sync inbound', value: 'Not allowed' },
          { label: 'External cloud authorized application', value: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' },
        ],
      },
    ]);
  });

  it('leaves out what the object does not say', () => {
    const s = summariseSyncPartner({ tenantId: PARTNER_TENANT, userSyncInbound: null, groupSyncInbound: {} });
    assert.deepEqual(labels(s, 'Identity sync'), ['Tenant ID']);
  });
});

// ---------------------------------------------------------------------------------------
// Extreme input
// ---------------------------------------------------------------------------------------

const SUMMARISERS = {
  summariseConditionalAccessPolicy,
  summariseNamedLocation,
  summarisePartner,
  summariseSyncPartner,
};

describe('summaries of malformed objects', () => {
  const weird: [string, unknown][] = [
    ['an empty object', {}],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'policy'],
    ['an array', [1, 2, 3]],
    ['nested wrong types', {
      state: { value: 'enabled' },
      conditions: ['users'],
      grantControls: 'block',
      sessionControls: 7,
      ipRanges: 'x',
      countriesAndRegions: {},
      inboundTrust: [],
      b2bCollaborationInbound: 'blocked',
      tenantRestrictions: { devices: 5, usersAndGroups: { targets: 'AllUsers' } },
      userSyncInbound: true,
      createdDateTime: 'yesterday',
      modifiedDateTime: 1e20,
    }],
  ];

  for (const [name, input] of weird) {
    it(`never throws on ${name} and produces only card-safe facts`, () => {
      for (const [fn, summarise] of Object.entries(SUMMARISERS)) {
        let sections: DetailSection[] = [];
        assert.doesNotThrow(() => {
          sections = summarise(input as GraphObject);
        }, fn);
        assertCardSafe(sections);
      }
      assert.deepEqual(namedLocationsReferencedBy(input as GraphObject), []);
    });
  }

  it('says nothing at all about an empty object', () => {
    for (const summarise of Object.values(SUMMARISERS)) {
      assert.deepEqual(summarise({}), []);
    }
  });

  it('copes with nulls everywhere in a policy and still says what it can', () => {
    const s = summariseConditionalAccessPolicy({
      id: 'pol-1',
      displayName: 'Nulls',
      state: 'enabled',
      description: null,
      createdDateTime: null,
      modifiedDateTime: null,
      conditions: {
        users: { includeUsers: null, excludeUsers: null, includeGroups: null, includeRoles: null, includeGuestsOrExternalUsers: null },
        applications: { includeApplications: null, includeUserActions: null, applicationFilter: null },
        locations: { includeLocations: null, excludeLocations: null },
        platforms: { includePlatforms: null },
        devices: { deviceFilter: null },
        clientAppTypes: null,
        signInRiskLevels: null,
        userRiskLevels: null,
      },
      grantControls: { operator: null, builtInControls: null, termsOfUse: null, authenticationStrength: null },
      sessionControls: { signInFrequency: null, persistentBrowser: null, cloudAppSecurity: null, disableResilienceDefaults: null },
    });
    assertCardSafe(s);
    assert.deepEqual(s, [
      { title: 'Policy', facts: [{ label: 'State', value: 'On' }, { label: 'Policy ID', value: 'pol-1' }] },
    ]);
  });

  it('never returns zero sections for a policy that has a name', () => {
    const s = summariseConditionalAccessPolicy({ displayName: 'Only a name', state: 'unheard-of' as unknown });
    assert.ok(s.length > 0);
    assert.equal(fact(s, 'Policy', 'State'), 'unheard-of');
    const nameOnly = summariseConditionalAccessPolicy({ displayName: 'Only a name' });
    assert.deepEqual(titles(nameOnly), ['Policy']);
  });

  it('accepts a lone string where a list is expected and skips non-strings in lists', () => {
    const s = summariseConditionalAccessPolicy({
      state: 1,
      conditions: {
        users: { includeUsers: 'All', excludeUsers: [1, null, {}, ['x'], 'u-1', 'u-1'] },
        clientAppTypes: 'exchangeActiveSync',
      },
      grantControls: { builtInControls: 'block' },
      createdDateTime: 'not a date',
    });
    assertCardSafe(s);
    assert.equal(fact(s, 'Policy', 'State'), 'Off');
    assert.equal(fact(s, 'Policy', 'Created'), undefined);
    assert.equal(fact(s, 'Assignments', 'Included users'), 'All users');
    assert.equal(fact(s, 'Assignments', 'Excluded users'), '1 user: u-1');
    assert.equal(fact(s, 'Conditions', 'Client apps'), 'Exchange ActiveSync clients');
    assert.equal(fact(s, 'Grant', 'Access'), 'Block access');
  });

  it('loses only one section when a property cannot even be read', () => {
    const policy: GraphObject = { id: 'pol-2', state: 'enabled', grantControls: { builtInControls: ['mfa'] } };
    Object.defineProperty(policy, 'conditions', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const s = summariseConditionalAccessPolicy(policy);
    assert.deepEqual(titles(s), ['Policy', 'Grant']);
    assert.deepEqual(namedLocationsReferencedBy(policy), []);
  });

  it('truncates 1000 excluded users to a readable count', () => {
    const excludeUsers = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const s = summariseConditionalAccessPolicy({
      state: 'enabled',
      conditions: { users: { includeUsers: ['All'], excludeUsers, excludeGroups: excludeUsers } },
    });
    assertCardSafe(s);
    assert.equal(
      fact(s, 'Assignments', 'Excluded users'),
      '1000 users: 00000000-0000-4000-8000-000000000000, 00000000-0000-4000-8000-000000000001, ' +
        '00000000-0000-4000-8000-000000000002, … and 997 more',
    );
    assert.match(fact(s, 'Assignments', 'Excluded groups') ?? '', /^1000 groups: .*… and 997 more$/);
  });

  it('keeps unicode names intact and clips very long text without breaking characters', () => {
    const s = summariseConditionalAccessPolicy({
      displayName: 'Zugriff für Gäste 🚫',
      state: 'enabled',
      description: 'Ünïcødé 東京 🔐\nsecond line\tand a tab ' + '🛡️'.repeat(400),
      grantControls: { builtInControls: [], authenticationStrength: { displayName: 'Устойчивая к фишингу MFA 🔑' } },
    });
    assertCardSafe(s);
    assert.equal(fact(s, 'Grant', 'Access'), 'Require authentication strength "Устойчивая к фишингу MFA 🔑"');
    const description = fact(s, 'Policy', 'Description') ?? '';
    assert.ok(description.startsWith('Ünïcødé 東京 🔐 second line and a tab 🛡️'), description);
    assert.ok(description.endsWith('…'));
  });

  it('keeps unicode names of partners and locations', () => {
    assert.equal(fact(summariseSyncPartner({ tenantId: 't', displayName: 'Contoso 日本 🇯🇵' }), 'Identity sync', 'Name'), 'Contoso 日本 🇯🇵');
    const s = summariseNamedLocation({ '@odata.type': '#microsoft.graph.countryNamedLocation', countriesAndRegions: ['TR', 'ÅÄ'] });
    assert.equal(fact(s, 'Countries/regions', 'Countries/regions'), '2 countries/regions: Türkiye (TR), ÅÄ');
  });
});

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

describe('summary helpers', () => {
  it('formats dates as YYYY-MM-DD HH:mm UTC whatever the offset', () => {
    assert.equal(formatDate('2024-03-05T07:08:09.1234567Z'), '2024-03-05 07:08 UTC');
    assert.equal(formatDate('2024-03-05T01:00:00-05:00'), '2024-03-05 06:00 UTC');
    assert.equal(formatDate('not a date'), undefined);
    assert.equal(formatDate(null), undefined);
    assert.equal(formatDate({}), undefined);
    assert.equal(formatDate('+010000-01-01T00:00:00Z'), undefined, 'a year with five digits is not a date an admin set');
  });

  it('lists short lists whole and long lists as "N things: a, b, c, … and N-3 more"', () => {
    assert.equal(summariseList([]), undefined);
    assert.equal(summariseList(['a', 'b'], { noun: ['user', 'users'] }), '2 users: a, b');
    assert.equal(summariseList(['a'], { noun: ['user', 'users'] }), '1 user: a');
    assert.equal(
      summariseList(['a', 'b', 'c', 'd', 'e', 'f'], { noun: ['group', 'groups'] }),
      '6 groups: a, b, c, … and 3 more',
    );
  });

  it('keeps a list of very long items under 300 characters', () => {
    const value = summariseList(Array.from({ length: 5 }, (_, i) => `${i}`.repeat(200)), { noun: ['app', 'apps'] }) ?? '';
    assert.ok(value.length <= 300, `${value.length}`);
    assert.match(value, /^5 apps: 0+…, .*… and \d more$/);
  });
});
