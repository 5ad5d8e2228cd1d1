import { randomInt } from 'node:crypto';
import type { Actor } from './access';
import type { KindId } from './model';
import type { TrackedKindId } from './trackedKinds';
import type { GraphObject } from './model';
import type { CarriedValue, SettingChange } from './partnerSettings';
import type { AuditEntry } from '../store/port';

/**
 * The approval state machine. Pure: each transition takes a stored request and returns
 * either the next version of it or the reason it is refused. The service applies the
 * result with compare-and-set, so two concurrent transitions can never both win.
 *
 *   pending ──approve (enough approvers)──▶ executing ──▶ succeeded | failed
 *      │ └─approve (more needed)─▶ pending
 *      ├──reject──▶ rejected
 *      ├──cancel (requester)──▶ cancelled
 *      └──(time passes)──▶ expired
 */

export type RequestState = 'pending' | 'rejected' | 'cancelled' | 'expired' | 'executing' | 'succeeded' | 'failed';

/**
 * What a request acts on. Restores and partner changes name recycle-bin kinds; a revert or a
 * recreate may also name the two kinds Entra cannot soft-delete (the default cross-tenant
 * configuration and custom authentication strengths).
 */
export interface TargetItem<K extends TrackedKindId = KindId> {
  kind: K;
  id: string;
  name: string;
  /** A recreated object: the old id of the object it was created in place of. */
  replaces?: string;
}

export interface RestoreAction {
  type: 'restore';
  target: TargetItem;
  /** CA policies only: after restoring, set the state to report-only. */
  reportOnly: boolean;
  /** CA policies only: the policy's state when it was deleted, which a restore without report-only brings back. */
  deletedState?: string;
  /** Deleted items restored first, in order (a CA policy's named locations). */
  dependencies: TargetItem[];
  /** Why the restore cannot succeed, known before anyone approves (a purged dependency). */
  blockers: string[];
  /** When Entra purges the target for good. */
  purgesAt: string;
  /** Users only: the UPN it comes back under, when its own was taken meanwhile (sent as newUserPrincipalName). */
  newUserPrincipalName?: string;
}

/** A change to a live cross-tenant partner configuration. */
export interface PartnerAction {
  type: 'partner.add' | 'partner.set' | 'partner.remove';
  target: TargetItem;
  /** partner.set: the settings as typed ("mfa on"), re-applied to a fresh read at execution. */
  settings: string[];
  /** Each setting's value when requested → after; the approver approves this diff. */
  changes: SettingChange[];
  /** partner.set: the other values the PATCH body carries, shown as "stays …" next to the diff. */
  carried?: CarriedValue[];
  /** partner.set: each property the PATCH body carries, as read at request time; the write goes ahead only while all still hold. */
  baseline?: GraphObject;
  /** partner.add: create it as a service provider. */
  serviceProvider?: boolean;
  /** partner.remove: its identity-sync policy goes first (Graph requires it). */
  removesSync?: boolean;
  blockers: string[];
}

/**
 * The tenant self-test: create two harmless objects, delete, find, restore and purge them,
 * proving with Graph's own answers that the bot's permissions do what restores need.
 */
export interface SelfTestAction {
  type: 'selftest';
  /** The IP range of the test named location. */
  ipRange: string;
  /** What it will create, delete, restore and purge, as the approver reads it. */
  plan: string[];
  blockers: string[];
}

/** The item a request acts on; a self-test's objects exist only once it runs. */
export function targetOf(action: RequestAction): TargetItem<TrackedKindId> | undefined {
  return action.type === 'selftest' ? undefined : action.target;
}

export type SelfTestStep = 'create' | 'delete' | 'find in recycle bin' | 'read audit log' | 'restore' | 'confirm live' | 'purge' | 'interrupted';

/**
 * Many deleted items restored under one approval. Items run in dependency order (named locations
 * before policies, partners before sync policies, apps before service principals), in $batch calls
 * where the kind allows; each item gets its own result.
 */
export interface BulkRestoreAction {
  type: 'restore.bulk';
  /** What audit entries and notices name the request by: its first item, named for the whole ("45 deleted items"). */
  target: TargetItem;
  /** Every item to restore, in the order they run. Only these are ever restored. */
  items: TargetItem[];
  /** CA policies among them: switched to report-only after their restore. */
  reportOnly: boolean;
  /** Asked for but not restorable, with why (not in the recycle bin, a dependency purged); not restored. */
  leftOut: string[];
  blockers: string[];
}

/** The most items one bulk request holds. */
export const MAX_BULK_ITEMS = 100;

/** Writes a stored version of a live object back (the settable properties that differ). */
export interface RevertAction {
  type: 'revert';
  target: TargetItem<TrackedKindId>;
  /** The stored version written back. */
  version: number;
  /** The latest stored version when requested (what the object looked like then). */
  fromVersion: number;
  /** Content hash of the live object read at request time: the write goes ahead only while it still holds. */
  currentHash: string;
  /** Exactly what will be sent (PATCH, or PUT for an identity-sync policy); empty when only allowedCombinations differ. */
  body: GraphObject;
  /**
   * Custom authentication strengths: the combinations sent with the updateAllowedCombinations
   * action after the PATCH (Graph refuses them in a PATCH), when they differ.
   */
  allowedCombinations?: string[];
  /** When both a PATCH and the action are sent: the content hash once the PATCH alone is done (a resumed execution then sends only the action). */
  afterPatchHash?: string;
  /** The change the write makes, in words ("State: Off → On"). */
  lines: string[];
  blockers: string[];
}

/** One object a recreate creates with POST, from a stored version. */
export interface RecreateItem {
  /** Its old id (gone for good) and name; the created object gets a new id from Entra. */
  item: TargetItem<TrackedKindId>;
  /** The stored version it is created from. */
  version: number;
  /**
   * Exactly what is POSTed: the settable properties of that version. For the policy, the ids of
   * the named locations created with it are replaced by their new ids at execution.
   */
  body: GraphObject;
}

/**
 * Creates an object that is gone for good (purged, or its restore refused) again from its last
 * stored version: a new object with a new id. The named locations a policy used that are gone
 * too are created first, and the policy refers to their new ids.
 */
export interface RecreateAction {
  type: 'recreate';
  /** The object as it was (old id). */
  target: TargetItem<TrackedKindId>;
  /** Named locations created first, in order. */
  dependencies: RecreateItem[];
  /** The object itself. */
  object: RecreateItem;
  /** CA policies only: created in report-only (the default) rather than in the stored state. */
  reportOnly: boolean;
  /** CA policies only: the state the stored version had. */
  storedState?: string;
  /** Set when the old object is still in the recycle bin (its restore was refused): the copy is a separate object. */
  stillInBinUntil?: string;
  /** Partners: the identity-sync policy written (PUT) after the partner configuration is created. */
  identitySync?: RecreateItem;
  /** Partners: keyed by the partner's tenant id, the configuration comes back under the same id. */
  keepsId?: true;
  /** Custom authentication strengths: CA policies whose last stored version requires the old strength id, which must be pointed at the new one. */
  referencedBy?: { id: string; name: string; live: boolean }[];
  blockers: string[];
}

export type RequestAction = RestoreAction | BulkRestoreAction | PartnerAction | RevertAction | RecreateAction | SelfTestAction;

/** Whether a request restores from the recycle bins (one item or many). */
export const isRestore = (action: RequestAction): action is RestoreAction | BulkRestoreAction => action.type === 'restore' || action.type === 'restore.bulk';

export interface StepResult {
  item: TargetItem<TrackedKindId>;
  step: 'restore' | 'set report-only' | 'revert' | 'set allowed combinations' | 'create partner' | 'update partner' | 'set identity sync' | 'delete identity sync' | 'delete partner' | SelfTestStep;
  outcome: 'done' | 'skipped' | 'failed';
  requestId?: string;
  code?: string;
  message?: string;
  /** How long the step took, Graph calls and waits included (self-test steps). */
  durationMs?: number;
}

/**
 * An executing instance's hold on a request, renewed while it works. Only the holder of the
 * token may finish the request; once `expiresAt` has passed, another instance may take it over.
 */
export interface Claim {
  /** The instance (process) holding it, for logs and the audit. */
  owner: string;
  /** One execution's token: a takeover by the same instance is still a different holder. */
  token: string;
  expiresAt: string;
}

export interface Decision {
  by: Actor;
  at: string;
  reason?: string;
}

/** One posted copy of a request card: its conversation (opaque to the core) and message id. */
export interface CardCopy {
  conversation: unknown;
  activityId?: string;
}

export interface ChangeRequest {
  id: string;
  tenantId: string;
  action: RequestAction;
  requester: Actor;
  reason: string;
  state: RequestState;
  createdAt: string;
  expiresAt: string;
  /** When any approver may also be the requester (one-admin tenants); shown on every card. */
  selfApprovalAllowed: boolean;
  requiredApprovals: number;
  approvals: Decision[];
  /** Approvals that no longer count (the approver lost the role, or self-approval was turned off); the reason says which. */
  lapsedApprovals?: Decision[];
  rejection?: Decision;
  cancellation?: Decision;
  execution?: {
    startedAt: string;
    finishedAt?: string;
    steps: StepResult[];
    /** What to tell the user when it failed; Graph code and request-id are in the steps. */
    failure?: string;
    hint?: string;
    /**
     * Objects the execution created in the tenant (a self-test's), recorded as each is created,
     * so that an instance taking over an interrupted execution can remove them.
     */
    created?: TargetItem<TrackedKindId>[];
    /** A restore Entra refused (403) of an object with a stored version: the card offers to recreate it. */
    recreateOffer?: TargetItem;
  };
  /** While executing: which instance runs it, until when unless renewed. */
  claim?: Claim;
  /** The card where the request was asked (the requester's copy), so it can be updated in place and the requester told there. */
  card?: CardCopy;
  /** Every other posted copy of the card (the approvals conversation's); each is updated on every change. */
  copies?: CardCopy[];
  /** Set once every copy of an expired request's card has been updated to say so. */
  expiryShown?: boolean;
  /** Audit entries stored with the change they record and not yet confirmed in the audit log. */
  unaudited?: AuditEntry[];
}

export type Transition = { ok: true; request: ChangeRequest } | { ok: false; refusal: string };

const refuse = (refusal: string): Transition => ({ ok: false, refusal });
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const ID_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** Short, typable, unambiguous ids ("R-7K2QX9M"); uniqueness is enforced by create-only writes. */
export function newRequestId(): string {
  let id = 'R-';
  for (let i = 0; i < 7; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

const REQUEST_ID = new RegExp(`^R-[${ID_ALPHABET}]{7}$`);

/** Whether a value is a request id this bot could have issued (case-insensitive, as people type them). */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID.test(value.toUpperCase());
}

export function isExpired(request: ChangeRequest, now: Date): boolean {
  return request.state === 'pending' && Date.parse(request.expiresAt) <= now.getTime();
}

function stillPending(request: ChangeRequest, now: Date): string | undefined {
  if (isExpired(request, now)) return `Request ${request.id} expired at ${request.expiresAt.slice(0, 16).replace('T', ' ')} UTC. Ask for a new one.`;
  if (request.state !== 'pending') return `Request ${request.id} is already ${describeState(request)}.`;
  return undefined;
}

export function expire(request: ChangeRequest, now: Date): Transition {
  if (!isExpired(request, now)) return refuse('not expired');
  return { ok: true, request: { ...request, state: 'expired' } };
}

/** The rule a decision follows. */
export interface ApprovalRule {
  requiredApprovals: number;
  selfApprovalAllowed: boolean;
}

/** The request's stored rule, tightened by the configured one: a later, stricter configuration applies, a looser one never does. */
export function effectiveRule(request: ChangeRequest, configured: ApprovalRule): ApprovalRule {
  return {
    requiredApprovals: Math.max(request.requiredApprovals, configured.requiredApprovals),
    selfApprovalAllowed: request.selfApprovalAllowed && configured.selfApprovalAllowed,
  };
}

/** Splits approvals into those that count under this rule and those that no longer do (with why). */
function countApprovals(request: ChangeRequest, rule: ApprovalRule, formerApprovers: ReadonlySet<string>): { counted: Decision[]; lapsed: Decision[] } {
  const counted: Decision[] = [];
  const lapsed: Decision[] = [];
  for (const approval of request.approvals) {
    if (formerApprovers.has(approval.by.aadObjectId.toLowerCase())) lapsed.push({ ...approval, reason: 'no longer an approver' });
    else if (!rule.selfApprovalAllowed && same(approval.by.aadObjectId, request.requester.aadObjectId)) lapsed.push({ ...approval, reason: 'self-approval is no longer allowed' });
    else counted.push(approval);
  }
  return { counted, lapsed };
}

/**
 * `rule` is the effective rule (see effectiveRule) and is stored with the result;
 * `formerApprovers` are the lower-cased ids of earlier approvers who no longer hold the role.
 */
export const OTHER_TENANT = 'This request belongs to another tenant.';

/** "restore", "partner change" or "self-test": how refusals and notices name a request. */
export function requestNoun(request: ChangeRequest): string {
  const { type } = request.action;
  return isRestore(request.action) ? 'restore' : type === 'revert' ? 'revert' : type === 'recreate' ? 'recreate' : type === 'selftest' ? 'self-test' : 'partner change';
}

export function isRequester(request: ChangeRequest, userId: string): boolean {
  return same(request.requester.aadObjectId, userId);
}

/** Whether the tenant a click came from may see and act on this request. */
export function belongsTo(request: ChangeRequest, tenantId: string): boolean {
  return same(request.tenantId, tenantId);
}

/** The four-eyes rule: a requester decides their own request only where self-approval is allowed. */
function mayDecideOwn(request: ChangeRequest, userId: string, rule: ApprovalRule): boolean {
  return rule.selfApprovalAllowed || !isRequester(request, userId);
}

/** What one person's view of a request card offers them; the server re-checks every click anyway. */
export function viewFor(request: ChangeRequest, userId: string, isApprover: boolean): { canDecide: boolean; canCancel: boolean } {
  return { canDecide: isApprover && mayDecideOwn(request, userId, request), canCancel: isRequester(request, userId) };
}

export function approve(request: ChangeRequest, approver: Actor, tenantId: string, now: Date, rule: ApprovalRule, formerApprovers: ReadonlySet<string>): Transition {
  const closed = stillPending(request, now);
  if (closed) return refuse(closed);
  if (!same(request.tenantId, tenantId)) return refuse(OTHER_TENANT);
  if (!mayDecideOwn(request, approver.aadObjectId, rule)) {
    return refuse(`You asked for this ${requestNoun(request)}, so someone else must approve it (four-eyes rule).`);
  }
  const { counted, lapsed } = countApprovals(request, rule, formerApprovers);
  if (counted.some((a) => same(a.by.aadObjectId, approver.aadObjectId))) {
    return refuse(`You already approved ${request.id}; it needs ${rule.requiredApprovals - counted.length} more approver(s).`);
  }
  const approvals = [...counted, { by: approver, at: now.toISOString() }];
  const lapsedApprovals = lapsed.length > 0 ? [...(request.lapsedApprovals ?? []), ...lapsed] : request.lapsedApprovals;
  const next = { ...request, ...rule, approvals, lapsedApprovals };
  if (approvals.length < rule.requiredApprovals) return { ok: true, request: next };
  if (request.action.blockers.length > 0) {
    return refuse(`This ${requestNoun(request)} cannot succeed: ${request.action.blockers.join(' ')}`);
  }
  return { ok: true, request: { ...next, state: 'executing', execution: { startedAt: now.toISOString(), steps: [] } } };
}

/** Why an approved request must not run after all (checked at execution), or undefined when its approvals still suffice. */
export function approvalShortfall(request: ChangeRequest, rule: ApprovalRule, formerApprovers: ReadonlySet<string>): string | undefined {
  const { counted, lapsed } = countApprovals(request, rule, formerApprovers);
  if (counted.length >= rule.requiredApprovals) return undefined;
  const why = lapsed.map((a) => `${a.by.name}'s approval no longer counts (${a.reason})`);
  return [...why, `${counted.length} of ${rule.requiredApprovals} required approvals remain`].join('; ');
}

export function reject(request: ChangeRequest, approver: Actor, tenantId: string, reason: string, now: Date): Transition {
  const closed = stillPending(request, now);
  if (closed) return refuse(closed);
  if (!same(request.tenantId, tenantId)) return refuse(OTHER_TENANT);
  return { ok: true, request: { ...request, state: 'rejected', rejection: { by: approver, at: now.toISOString(), reason: reason || undefined } } };
}

export function cancel(request: ChangeRequest, by: Actor, tenantId: string, now: Date): Transition {
  const closed = stillPending(request, now);
  if (closed) return refuse(closed);
  if (!same(request.tenantId, tenantId)) return refuse(OTHER_TENANT);
  if (!isRequester(request, by.aadObjectId)) return refuse(`Only ${request.requester.name}, who asked for it, can cancel ${request.id}.`);
  return { ok: true, request: { ...request, state: 'cancelled', cancellation: { by, at: now.toISOString() } } };
}

/** Closes an executing request; only the holder of its claim may (`claimToken`). */
export function finish(request: ChangeRequest, claimToken: string, steps: StepResult[], now: Date, failure?: { message: string; hint?: string; recreate?: TargetItem }): Transition {
  if (request.state !== 'executing') return refuse(`Request ${request.id} is not executing.`);
  if (request.claim?.token !== claimToken) return refuse(`Request ${request.id} is being run by another instance (${request.claim?.owner ?? 'unknown'}).`);
  return {
    ok: true,
    request: {
      ...request,
      claim: undefined,
      state: failure ? 'failed' : 'succeeded',
      execution: {
        startedAt: request.execution?.startedAt ?? now.toISOString(),
        finishedAt: now.toISOString(),
        steps,
        failure: failure?.message,
        hint: failure?.hint,
        ...(request.execution?.created ? { created: request.execution.created } : {}),
        ...(failure?.recreate ? { recreateOffer: failure.recreate } : {}),
      },
    },
  };
}

/** Where a request stands, mid-sentence ("already approved and being restored"), named for its type. */
export function describeState(request: ChangeRequest): string {
  const noun = requestNoun(request);
  const running: Record<string, string> = { restore: 'being restored', revert: 'being reverted', recreate: 'being recreated' };
  switch (request.state) {
    case 'pending':
      return 'waiting for approval';
    case 'executing':
      return `approved and ${running[noun] ?? 'running'}`;
    case 'succeeded':
      return noun === 'restore' ? 'done (restored)' : `done (the ${noun} succeeded)`;
    case 'failed':
      return `finished (the ${noun} failed)`;
    default:
      return request.state;
  }
}
