/** Fixed identities of the simulated "Contoso" tenant and its demo app registration. */

export const DEMO_TENANT_ID = 'b5c3c6a1-7f2e-4d8a-9e1b-3c4d5e6f7a80';
export const DEMO_TENANT_DOMAIN = 'contoso.onmicrosoft.com';
export const DEMO_CLIENT_ID = '4a7e2c9d-1b3f-4e5a-8c6d-0f9e8d7c6b5a';
/** Obviously fake: only the simulator's authority accepts it. */
export const DEMO_CLIENT_SECRET = 'demo-secret-NOT-REAL~0000000000000000';
export const DEMO_APP_DISPLAY_NAME = 'Entra Recycle Bin Bot (demo)';
/** Object id of the demo app's service principal (the `oid`/`sub` of its tokens). */
export const DEMO_SERVICE_PRINCIPAL_ID = '9d3f5b7e-2c4a-4f6e-8a1c-3e5d7f9b1a2c';

/** Well-known app id of Microsoft Graph; tokens may carry it as audience. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

export const DEFAULT_GRANTED_ROLES: readonly string[] = [
  'Policy.Read.All',
  'Policy.ReadWrite.ConditionalAccess',
  'Policy.ReadWrite.CrossTenantAccess',
  'AuditLog.Read.All',
  // Group-membership checks that authorize operators and approvers.
  'GroupMember.Read.All',
  // Requesters' and approvers' names come from the directory, not from the Teams client.
  'User.ReadBasic.All',
  // Policy details name the apps and service principals a policy references.
  'Application.Read.All',
  // Partners are shown by organisation name.
  'CrossTenantInformation.ReadBasic.All',
  // The directory recycle bin: read and restore each kind.
  'User.Read.All',
  'User.DeleteRestore.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Application.ReadWrite.OwnedBy',
  'AdministrativeUnit.Read.All',
  'AdministrativeUnit.ReadWrite.All',
];

export const GRAPH_VERSIONS = ['v1.0', 'beta'] as const;
export type GraphVersion = (typeof GRAPH_VERSIONS)[number];

export const DAY_MS = 24 * 60 * 60 * 1000;

/** People and apps that appear as actors in the demo tenant's audit log. */
export const DEMO_ACTORS = {
  adele: {
    user: {
      id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
      userPrincipalName: 'adele.vance@contoso.onmicrosoft.com',
      displayName: 'Adele Vance',
    },
  },
  megan: {
    user: {
      id: '48d31887-5fad-4d73-a9f5-3c356e68a038',
      userPrincipalName: 'megan.bowen@contoso.onmicrosoft.com',
      displayName: 'Megan Bowen',
    },
  },
  isaiah: {
    user: {
      id: 'e3d0513b-449e-4198-ba6f-bd97ae7cae85',
      userPrincipalName: 'isaiah.langer@contoso.onmicrosoft.com',
      displayName: 'Isaiah Langer',
    },
  },
  automation: {
    app: {
      appId: '2f7c4b1e-8a3d-4c6f-9b2e-5d1a7c3f8e4b',
      displayName: 'Contoso CA-as-Code pipeline',
      servicePrincipalId: '6b1e9d4c-3f7a-4e2b-8c5d-1a9f3e7b2c6d',
    },
  },
} as const;

/** Object id of a tenant's crossTenantAccessPolicy (target of cross-tenant audit records). */
export const DEMO_CROSS_TENANT_POLICY_ID = 'a3f1c7e9-5b2d-4f8a-9c6e-2d4b8f1a7c3e';
