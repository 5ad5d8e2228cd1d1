import { randomUUID } from 'node:crypto';
import type { GraphObject, KindId } from '../core/model';
import { graphTimestamp } from './odata';

/** directoryAudit records for deletions and restores, shaped like /auditLogs/directoryAudits. */

export interface AuditUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
}

export interface AuditApp {
  appId: string;
  displayName: string;
  servicePrincipalId?: string;
}

export type AuditActor = { user: AuditUser } | { app: AuditApp };

export type AuditAction = 'delete' | 'restore' | 'purge' | 'add' | 'update';

/** What an audit record can be about: the four recycle-bin kinds plus the live-only ones. */
export type AuditKind = KindId | 'default' | 'strengths';

interface KindAuditNames {
  /** Directory objects: the record targets the object itself, typed (User, Group, Application…). */
  targetType?: string;
  loggedByService: string;
  category: string;
  /** modifiedProperties name for CA objects (serialised JSON of the object). */
  objectProperty?: string;
  activities: Partial<Record<AuditAction, string>>;
}

/**
 * Real activity names (ENTRA reference-audit-activities, CA names in the lower case that
 * the service actually emits). Restore and hard-delete activities are not documented:
 * those marked "invented" are the simulator's guess.
 */
/** Directory objects: Core Directory records naming the object by id (ENTRA reference-audit-activities). */
const directoryNames = (category: string, noun: string, targetType: string): KindAuditNames => ({
  targetType,
  loggedByService: 'Core Directory',
  category,
  activities: { delete: `Delete ${noun}`, restore: `Restore ${noun}`, purge: `Hard delete ${noun}` },
});

const AUDIT_NAMES: Record<AuditKind, KindAuditNames> = {
  users: directoryNames('UserManagement', 'user', 'User'),
  groups: directoryNames('GroupManagement', 'group', 'Group'),
  apps: directoryNames('ApplicationManagement', 'application', 'Application'),
  sps: directoryNames('ApplicationManagement', 'service principal', 'ServicePrincipal'),
  aus: directoryNames('AdministrativeUnit', 'administrative unit', 'AdministrativeUnit'),
  ca: {
    loggedByService: 'Conditional Access',
    category: 'Policy',
    objectProperty: 'ConditionalAccessPolicy',
    activities: {
      delete: 'Delete conditional access policy',
      restore: 'Restore conditional access policy', // invented
      purge: 'Hard delete conditional access policy', // invented
      add: 'Add conditional access policy',
      update: 'Update conditional access policy',
    },
  },
  locations: {
    loggedByService: 'Conditional Access',
    category: 'Policy',
    objectProperty: 'NamedLocation',
    activities: {
      delete: 'Delete named location',
      restore: 'Restore named location', // invented
      purge: 'Hard delete named location', // invented
      add: 'Add named location',
      update: 'Update named location',
    },
  },
  partners: {
    loggedByService: 'Core Directory',
    category: 'CrossTenantAccessSettings',
    activities: {
      delete: 'Delete partner specific cross-tenant access setting',
      restore: 'Restore partner specific cross-tenant access setting', // invented
      purge: 'Hard delete partner specific cross-tenant access setting', // invented
      add: 'Add a partner to cross-tenant access setting',
      update: 'Update a partner cross-tenant access setting',
    },
  },
  sync: {
    loggedByService: 'Core Directory',
    category: 'CrossTenantIdentitySyncSettings',
    activities: {
      delete: 'Delete a partner cross-tenant identity sync setting',
      restore: 'Restore a partner cross-tenant identity sync setting', // invented
      purge: 'Hard delete a partner cross-tenant identity sync setting', // invented
      add: 'Create a partner cross-tenant identity sync setting',
      update: 'Update a partner cross-tenant identity sync setting',
    },
  },
  default: {
    loggedByService: 'Core Directory',
    category: 'CrossTenantAccessSettings',
    activities: {
      update: 'Update the company default cross-tenant access setting', // not in the reference list: a guess
    },
  },
  strengths: {
    loggedByService: 'Conditional Access',
    category: 'Policy',
    objectProperty: 'AuthenticationStrengthPolicy',
    activities: {
      add: 'Add authentication strength policy', // not in the reference list: a guess
      update: 'Update authentication strength policy', // not in the reference list: a guess
      delete: 'Delete authentication strength policy', // not in the reference list: a guess
    },
  },
};

const OPERATION_TYPES: Record<AuditAction, string> = {
  delete: 'Delete',
  restore: 'Restore', // invented: no documented operationType for policy restores
  purge: 'Delete',
  add: 'Add',
  update: 'Update',
};

export function activityName(kind: AuditKind, action: AuditAction): string {
  return AUDIT_NAMES[kind].activities[action] ?? `${action} ${kind}`;
}

/** Real records list both initiator slots, the unused one as null. */
function initiator(actor: AuditActor): GraphObject {
  if ('user' in actor) {
    return {
      app: null,
      user: { ...actor.user, ipAddress: '203.0.113.24', userType: 'member', homeTenantId: null, homeTenantName: null },
    };
  }
  return {
    user: null,
    app: {
      appId: actor.app.appId,
      displayName: actor.app.displayName,
      servicePrincipalId: actor.app.servicePrincipalId ?? null,
      servicePrincipalName: null,
    },
  };
}

export interface AuditEventInput {
  kind: AuditKind;
  action: AuditAction;
  /** The object as it was before (delete/purge) or after (restore) the action. */
  object: GraphObject;
  actor: AuditActor;
  at: Date;
  /** Object id of the tenant's crossTenantAccessPolicy: the audited target of partner changes. */
  crossTenantPolicyId: string;
  correlationId?: string;
}

export function createAuditEvent(input: AuditEventInput): GraphObject {
  const names = AUDIT_NAMES[input.kind];
  const correlationId = input.correlationId ?? randomUUID();
  return {
    id: `Directory_${correlationId}_${randomUUID().slice(0, 5).toUpperCase()}_${Math.floor(Math.random() * 1e9)}`,
    category: names.category,
    correlationId,
    result: 'success',
    resultReason: '',
    activityDisplayName: activityName(input.kind, input.action),
    activityDateTime: graphTimestamp(input.at),
    loggedByService: names.loggedByService,
    operationType: OPERATION_TYPES[input.action],
    initiatedBy: initiator(input.actor),
    targetResources: [targetResource(input, names)],
    additionalDetails: [],
  };
}

function targetResource(input: AuditEventInput, names: KindAuditNames): GraphObject {
  const { object, action } = input;
  const removing = action === 'delete' || action === 'purge';
  if (names.targetType) {
    return {
      id: object.id,
      displayName: object.displayName ?? null,
      type: names.targetType,
      userPrincipalName: object.userPrincipalName ?? null,
      groupType: null,
      modifiedProperties: [],
    };
  }
  if (names.objectProperty) {
    // CA records carry the whole policy/location as JSON in old/new value.
    const { deletedDateTime: _ignored, ...snapshot } = object;
    const serialised = JSON.stringify(snapshot);
    return {
      id: object.id,
      displayName: object.displayName ?? null,
      type: 'Policy',
      userPrincipalName: null,
      groupType: null,
      modifiedProperties: [
        {
          displayName: names.objectProperty,
          oldValue: removing ? serialised : null,
          newValue: removing ? null : serialised,
        },
      ],
    };
  }
  // Cross-tenant records target the tenant's cross-tenant access policy; the partner's
  // tenant id is only visible in modifiedProperties (what Sentinel's rule reads).
  if (object.tenantId === undefined) {
    return { id: input.crossTenantPolicyId, displayName: null, type: 'Policy', userPrincipalName: null, groupType: null, modifiedProperties: [] };
  }
  const tenantValue = JSON.stringify(object.tenantId);
  return {
    id: input.crossTenantPolicyId,
    displayName: null,
    type: 'Policy',
    userPrincipalName: null,
    groupType: null,
    modifiedProperties: [
      {
        displayName: 'tenantId',
        oldValue: removing || action === 'update' ? tenantValue : null,
        newValue: removing ? null : tenantValue,
      },
    ],
  };
}
