import type { Actor } from '../../src/core/access';
import type { ChangeRequest, Decision, PartnerAction, RestoreAction, StepResult, TargetItem } from '../../src/core/approvals';
import { carriedValues, parseSettings, planEdit, type PartnerConfiguration } from '../../src/core/partnerSettings';
import type { GraphObject, KindId } from '../../src/core/model';
import { DEMO_IDS, DEMO_TENANT_ID, SimTenant } from '../../src/simulator';
import { seedDemoTenant } from '../../src/simulator/seed';
import type { AuditEntry } from '../../src/store/port';

/**
 * Data for the card tests: realistic (the simulator's seeded Contoso tenant, requests as the
 * approval flow builds them) and extreme (the longest names Entra allows, every list as long
 * as the bot lets it get, unicode that costs four bytes a character, text that looks like
 * markdown or a link).
 */

export const LONG = 'Block legacy authentication for every user except break-glass accounts '.repeat(12);
export const UNICODE = 'Richtlinie für Geräte — 東京オフィス 🚫🔐 ';
/** What a hostile or careless admin might type: markdown, a link, an image, HTML, a mention. */
export const MARKDOWN = '**Urgent** _see_ [the runbook](https://evil.example/x) ![img](https://evil.example/i.png) <at>Alex</at> <b>bold</b> # heading `code` ';
/** Entra display names are at most 256 characters. */
export const LONGEST_NAME = (MARKDOWN + UNICODE + LONG).slice(0, 256);

const at = (day: number, hour = 10) => new Date(Date.UTC(2026, 10, day, hour)).toISOString();
const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const PEOPLE = {
  alex: { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001', name: 'Alex Wilber', nameSource: 'directory', teamsId: '29:alex' },
  megan: { aadObjectId: 'b2b2b2b2-0000-4000-8000-000000000002', name: 'Megan Bowen', nameSource: 'directory', teamsId: '29:megan' },
  adele: { aadObjectId: 'c3c3c3c3-0000-4000-8000-000000000003', name: 'Adele Vance', nameSource: 'directory', teamsId: '29:adele' },
  /** A name only the Teams client vouches for, as long and odd as it can be. */
  stranger: { aadObjectId: 'd4d4d4d4-0000-4000-8000-000000000004', name: LONGEST_NAME, nameSource: 'client', teamsId: '29:stranger' },
} satisfies Record<string, Actor>;

const decision = (by: Actor, day: number, reason?: string): Decision => ({ by, at: at(day), reason });

// ---- restore requests --------------------------------------------------------------------

export function restoreAction(overrides: Partial<RestoreAction> = {}): RestoreAction {
  return {
    type: 'restore',
    target: { kind: 'ca', id: DEMO_IDS.caPolicyWithDeletedLocation, name: 'CA004 - Block access from untrusted countries' },
    reportOnly: true,
    deletedState: 'enabled',
    dependencies: [{ kind: 'locations', id: DEMO_IDS.deletedLocationReferenced, name: 'Untrusted countries' }],
    blockers: [],
    purgesAt: at(30),
    ...overrides,
  };
}

/** The extreme restore: the longest name, twenty dependencies, a list of blockers. */
export function extremeRestoreAction(): RestoreAction {
  return restoreAction({
    target: { kind: 'ca', id: guid(1), name: LONGEST_NAME },
    dependencies: Array.from({ length: 20 }, (_, n) => ({ kind: 'locations', id: guid(100 + n), name: `${n} ${LONGEST_NAME}` })),
    blockers: Array.from({ length: 10 }, (_, n) => `Named location ${n} "${LONGEST_NAME}" was purged: restore cannot bring back what it references. ${MARKDOWN}`),
    purgesAt: at(20),
  });
}

export function request(action: ChangeRequest['action'], overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: 'R-7K3M9QX',
    tenantId: DEMO_TENANT_ID,
    action,
    requester: PEOPLE.alex,
    reason: 'Deleted by mistake during the clean-up of old policies',
    state: 'pending',
    createdAt: at(22, 9),
    expiresAt: at(23, 9),
    selfApprovalAllowed: false,
    requiredApprovals: 1,
    approvals: [],
    ...overrides,
  };
}

const steps = (items: TargetItem[], outcome: StepResult['outcome']): StepResult[] =>
  items.map((item, n) => ({ item, step: n % 3 === 2 ? 'set report-only' : 'restore', outcome, requestId: guid(500 + n), code: outcome === 'failed' ? 'Authorization_RequestDenied' : undefined, message: outcome === 'done' ? undefined : `${MARKDOWN}${UNICODE}`.repeat(3) }));

/** Every state a restore request card can show, realistic. */
export function restoreRequestsInEveryState(): [string, ChangeRequest][] {
  const action = restoreAction();
  const done = steps([...action.dependencies, action.target, action.target], 'done').map((step) => ({ ...step, message: undefined }));
  return [
    ['pending', request(action)],
    ['pending, self-approval allowed, one of two approvals', request(action, { selfApprovalAllowed: true, requiredApprovals: 2, approvals: [decision(PEOPLE.megan, 22)] })],
    ['executing', request(action, { state: 'executing', approvals: [decision(PEOPLE.megan, 22)], execution: { startedAt: at(22, 11), steps: done.slice(0, 1) } })],
    ['succeeded', request(action, { state: 'succeeded', approvals: [decision(PEOPLE.megan, 22)], execution: { startedAt: at(22, 11), finishedAt: at(22, 11), steps: done } })],
    [
      'failed',
      request(action, {
        state: 'failed',
        approvals: [decision(PEOPLE.megan, 22)],
        execution: { startedAt: at(22, 11), finishedAt: at(22, 11), steps: [done[0], { ...done[1], outcome: 'failed', code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' }], failure: 'The restore failed: Graph answered 503 ServiceUnavailable.', hint: 'Try again later.' },
      }),
    ],
    ['rejected', request(action, { state: 'rejected', rejection: decision(PEOPLE.megan, 22, 'Not this one: it was deleted on purpose.') })],
    ['cancelled', request(action, { state: 'cancelled', cancellation: decision(PEOPLE.alex, 22) })],
    ['expired', request(action, { state: 'expired' })],
    ['named location, restored as it was', request(restoreAction({ target: { kind: 'locations', id: DEMO_IDS.deletedIpLocation, name: 'Branch offices' }, reportOnly: false, deletedState: undefined, dependencies: [] }))],
  ];
}

/** The extreme restore request in each state that adds text to the card. */
export function extremeRestoreRequests(): [string, ChangeRequest][] {
  const action = extremeRestoreAction();
  const approvals = [decision(PEOPLE.stranger, 22), decision(PEOPLE.megan, 22), decision(PEOPLE.adele, 22)];
  const lapsed = Array.from({ length: 10 }, (_, n) => decision(PEOPLE.stranger, 22, `no longer an approver ${n} ${MARKDOWN}`));
  const base = { requester: PEOPLE.stranger, reason: (MARKDOWN + UNICODE + LONG).repeat(3), selfApprovalAllowed: true, requiredApprovals: 5, approvals, lapsedApprovals: lapsed };
  const manySteps = steps([...action.dependencies, action.target, action.target], 'failed');
  return [
    ['pending', request(action, base)],
    ['failed after twenty-two steps', request(action, { ...base, state: 'failed', execution: { startedAt: at(22), steps: manySteps, failure: `${LONG}${UNICODE}`.repeat(3), hint: `${MARKDOWN}${LONG}`.repeat(3) } })],
    ['rejected with a long markdown reason', request(action, { ...base, state: 'rejected', rejection: decision(PEOPLE.stranger, 22, (MARKDOWN + UNICODE).repeat(20)) })],
  ];
}

// ---- partners ----------------------------------------------------------------------------

/** The seeded Contoso tenant's partners, live and deleted, named as Graph's tenant lookup names them. */
export function seededPartners(): { live: PartnerConfiguration[]; deleted: PartnerConfiguration[] } {
  const tenant = new SimTenant({ tenantId: DEMO_TENANT_ID, domain: 'contoso.onmicrosoft.com', now: () => new Date(Date.UTC(2026, 10, 22, 12)) });
  seedDemoTenant(tenant);
  const names: Record<string, string> = {
    [DEMO_IDS.syncWithLivePartner]: 'Adatum',
    [DEMO_IDS.livePartnerWithSync]: 'Tailspin Toys',
    [DEMO_IDS.partnerRecreatedLive]: 'Litware',
  };
  const withSync = (kind: 'live' | 'deleted') => (partner: GraphObject): PartnerConfiguration => {
    const sync = (kind === 'live' ? tenant.live('sync') : tenant.deleted('sync')).find((s) => s.tenantId === partner.tenantId);
    return { partner: { displayName: names[String(partner.tenantId)], ...partner }, sync };
  };
  return { live: tenant.live('partners').map(withSync('live')), deleted: tenant.deleted('partners').map(withSync('deleted')) };
}

const targets = (access: 'allowed' | 'blocked', ids: string[], type: 'group' | 'user' | 'application') => ({ accessType: access, targets: ids.map((target) => ({ target, targetType: type })) });

/** A partner with every setting spelled out at length: 300 groups, 200 apps, a long device filter, extra properties. */
export function extremePartner(n = 0): PartnerConfiguration {
  const groups = Array.from({ length: 300 }, (_, i) => guid(10_000 + i));
  const apps = Array.from({ length: 200 }, (_, i) => guid(20_000 + i));
  return {
    partner: {
      tenantId: guid(900 + n),
      displayName: `${n} ${LONGEST_NAME}`,
      inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: true, isHybridAzureADJoinedDeviceAccepted: true },
      b2bCollaborationInbound: { usersAndGroups: targets('allowed', groups, 'group'), applications: targets('allowed', apps, 'application') },
      b2bCollaborationOutbound: { usersAndGroups: targets('blocked', groups, 'group'), applications: targets('blocked', apps, 'application') },
      b2bDirectConnectInbound: { usersAndGroups: targets('allowed', groups, 'user'), applications: targets('allowed', apps, 'application') },
      b2bDirectConnectOutbound: { usersAndGroups: targets('allowed', groups, 'user'), applications: targets('blocked', apps, 'application') },
      tenantRestrictions: {
        usersAndGroups: targets('allowed', groups, 'group'),
        applications: targets('allowed', apps, 'application'),
        devices: { mode: 'exclude', rule: `device.displayName -contains "${LONGEST_NAME}" `.repeat(20) },
      },
      automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: true },
      isServiceProvider: true,
      isInMultiTenantOrganization: true,
      crossCloudMeetingConfiguration: { inboundAllowed: true, outboundAllowed: false },
      invitationRedemptionIdentityProviderConfiguration: { primaryIdentityProviderPrecedenceOrder: Array.from({ length: 50 }, () => LONGEST_NAME), fallbackIdentityProvider: LONGEST_NAME },
    },
    sync: { tenantId: guid(900 + n), displayName: LONGEST_NAME, userSyncInbound: { isSyncAllowed: true }, groupSyncInbound: { isSyncAllowed: true }, externalCloudAuthorizedApplicationId: guid(42) },
  };
}

/** A `partner set` request as the bot builds it: the diff and the values carried, from the real planner. */
export function partnerSetAction(current: PartnerConfiguration, words: string[]): PartnerAction {
  const requested = parseSettings(words, () => undefined);
  if (typeof requested === 'string') throw new Error(requested);
  const { edit, changes } = planEdit(requested, current);
  return {
    type: 'partner.set',
    target: { kind: 'partners', id: String(current.partner.tenantId), name: String(current.partner.displayName ?? current.partner.tenantId) },
    settings: words,
    changes,
    carried: carriedValues(edit, current),
    blockers: [],
  };
}

/** Every setting the partner command knows, each changed: the longest diff a request can carry. */
export const EVERY_SETTING = [
  ...['mfa', 'compliant-device', 'hybrid-joined', 'auto-consent-inbound', 'auto-consent-outbound'].flatMap((name) => [name, 'off']),
  ...['b2b-inbound', 'b2b-outbound', 'direct-connect-inbound', 'direct-connect-outbound', 'tenant-restrictions'].flatMap((name) => [name, 'block']),
  'user-sync',
  'off',
];

// ---- audit -------------------------------------------------------------------------------

const KINDS: KindId[] = ['ca', 'locations', 'partners', 'sync'];

/** What the audit log holds after a restore was asked for, refused to someone, approved and run. */
export function realisticAudit(): AuditEntry[] {
  const target: TargetItem = restoreAction().target;
  const where = { conversationId: '19:abc@thread.tacv2', conversationType: 'channel' };
  return [
    { at: at(22, 12), action: 'request.succeeded', requestId: 'R-7K3M9QX', actor: PEOPLE.megan, target, state: 'succeeded', steps: steps([target], 'done') },
    { at: at(22, 11), action: 'request.executing', requestId: 'R-7K3M9QX', target, state: 'executing' },
    { at: at(22, 11), action: 'request.approved', requestId: 'R-7K3M9QX', actor: PEOPLE.megan, target, state: 'executing', where },
    { at: at(22, 10), action: 'access.denied', actor: PEOPLE.stranger, attempted: 'approve a restore', role: 'approver', where: { conversationId: 'a:1', conversationType: 'personal' } },
    { at: at(22, 10), action: 'request.refused', actor: PEOPLE.adele, refusal: 'The requester cannot approve their own request.', requestId: 'R-7K3M9QX' },
    { at: at(22, 9), action: 'request.created', requestId: 'R-7K3M9QX', actor: PEOPLE.alex, target, state: 'pending', where: { conversationId: '19:g@thread.v2', conversationType: 'groupChat' } },
    { at: at(21, 9), action: 'approvals.conversation.set', actor: PEOPLE.megan, where },
  ];
}

/** Four bytes a character in UTF-8: what makes a card heaviest for its length. */
export const EMOJI = '🔐'.repeat(300);

/** `audit 50` (the most the command shows) of entries with everything at its longest, in `text`. */
export function extremeAudit(count = 50, text = LONGEST_NAME): AuditEntry[] {
  return Array.from({ length: count }, (_, n) => ({
    at: at(22, n % 24),
    action: n % 2 ? 'request.refused' : 'access.denied', // the bot's own words, never a user's
    requestId: `R-${String(n).padStart(7, 'X')}`,
    actor: { ...PEOPLE.stranger, name: text },
    target: { kind: KINDS[n % 4], id: guid(n), name: text },
    state: text,
    attempted: text,
    refusal: text,
    where: { conversationId: 'x', conversationType: n % 2 ? 'channel' : 'somethingNew' },
    steps: steps(Array.from({ length: 20 }, () => ({ kind: 'ca', id: guid(n), name: text })), 'failed'),
  }));
}
