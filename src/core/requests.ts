import type { AuditEntry, StateStore, StoredRecord } from '../store/port';
import type { AccessControl, Actor, Role, Where } from './access';
import { auditEntry, type Gatekeeper } from './gatekeeper';
import { partnerStrategy, type PartnerChangeInput, type PartnerDirectory } from './partnerChanges';
import {
  approvalShortfall,
  approve,
  cancel,
  effectiveRule,
  expire,
  finish,
  isExpired,
  newRequestId,
  reject,
  targetOf,
  type PartnerAction,
  type RequestAction,
  type RestoreAction,
  type SelfTestAction,
  type BulkRestoreAction,
  type RevertAction,
  type RecreateAction,
  type ApprovalRule,
  type CardCopy,
  type ChangeRequest,
  type Claim,
  type Decision,
  type StepResult,
  type Transition,
} from './approvals';
import { resultsOf, type ChangeStrategy, type ExecutionContext, type ExecutionProgress } from './changeStrategy';
import { bulkRestoreStrategy, type BulkRestoreInput } from './bulkRestores';
import { deletersOf } from './alerts';
import type { AuditSource } from './alertPoller';
import { kindById } from './kinds';
import { compareAndSet, valueAfter } from './compareAndSet';
import { isObjectId, type KindId } from './model';
import type { ExecutionResult, Failure, Outcome } from './outcome';
import type { RecycleBin, RecycleBinWriter } from './recycleBin';
import { restoreStrategy, type RestoreInput } from './restores';
import { SelfTestResults, selfTestStrategy, type SelfTestGraph, type SelfTestResult, type SelfTestTiming } from './selfTest';
import { revertStrategy, type LiveWriter, type RevertInput } from './reverts';
import type { ChangeHistory } from './history';
import { recreateStrategy, type RecreateInput } from './recreates';

/** The recycle-bin kinds whose `restore`, once purged, offers a recreate in report-only (what that offer says fits them). */
const RESTORE_FALLBACK_KINDS = ['ca', 'locations'] as const;
import { selfTestName } from './selfTest';
import { oneLine } from './summaries/format';

/**
 * Change requests: creation, decisions, execution steps and claims. Authorization is decided
 * here from stored state and the caller's Entra object id, never from card data. Every
 * transition is a compare-and-set on the stored record and is audited. When a request runs,
 * and on which instance, is the RequestRunner's business.
 */

export interface ApprovalSettings {
  ttlHours: number;
  requiredApprovals: number;
  allowSelfApproval: boolean;
}

interface RequestInput {
  actor: Actor;
  reason: string;
  tenantId: string;
  /** Where the approval card goes (opaque to the core). */
  conversation: unknown;
}

/** Reasons and comments are kept to this many characters, everywhere they are stored. */
export const MAX_REASON_CHARS = 500;

/** A person's free text as stored: one line of at most MAX_REASON_CHARS, control characters removed. */
export function capText(text: unknown): string {
  if (typeof text !== 'string') return '';
  return Array.from(oneLine(text.slice(0, MAX_REASON_CHARS * 4))).slice(0, MAX_REASON_CHARS).join('');
}

const KEY_PREFIX = 'requests/';
const keyOf = (id: string) => KEY_PREFIX + id.toUpperCase();

/** Whether a request's cards may still show it waiting although it expired (or is past its deadline and about to). */
export function expiryToShow(request: ChangeRequest, now: Date): boolean {
  return isExpired(request, now) || (request.state === 'expired' && !request.expiryShown);
}

/** Whether a request is executing with nobody holding it: its executor stopped (crash, lost store) and it may be taken over. */
export function isInterrupted(request: ChangeRequest, now: Date): boolean {
  return request.state === 'executing' && (!request.claim || Date.parse(request.claim.expiresAt) <= now.getTime());
}

export class ChangeRequests {
  private readonly restores: ChangeStrategy<RestoreInput, RestoreAction>;
  private readonly partnerChanges: ChangeStrategy<PartnerChangeInput, PartnerAction>;
  private readonly selfTest: ChangeStrategy<Record<string, never>, SelfTestAction>;
  private readonly selfTestResults: SelfTestResults;
  private readonly bulkRestores: ChangeStrategy<BulkRestoreInput, BulkRestoreAction>;
  private readonly reverts: ChangeStrategy<RevertInput, RevertAction>;
  private readonly recreates: ChangeStrategy<RecreateInput, RecreateAction>;
  /** Which strategy runs each type of action. */
  private readonly strategies: Record<RequestAction['type'], ChangeStrategy<never, RequestAction>>;

  constructor(
    private readonly deps: {
      store: StateStore;
      bin: RecycleBin;
      writer: RecycleBinWriter;
      access: AccessControl;
      gatekeeper: Gatekeeper;
      partners: PartnerDirectory;
      /** The Graph calls of `selftest`. */
      selfTestGraph: SelfTestGraph;
      /** How long the self-test waits for Graph to catch up; SELF_TEST_TIMING unless given. */
      selfTestTiming?: SelfTestTiming;
      /** The self-test's waits between tries (tests pass one that does not wait). */
      sleep?: (ms: number) => Promise<void>;
      /** The directory audit log: `restore all <kind> deleted-by <upn>` picks items by who deleted them. */
      audit?: AuditSource;
      /** Stored versions and live writes, for revert (without them revert is refused). */
      history?: ChangeHistory;
      live?: LiveWriter;
      /** The tenant the bot manages: a partner configuration for it makes no sense. */
      homeTenantId?: string;
      settings: ApprovalSettings;
      now?: () => Date;
      log?: (event: string, fields: Record<string, unknown>) => void;
    },
  ) {
    this.restores = restoreStrategy({ bin: deps.bin, writer: deps.writer, now: () => this.now(), recreatable: async (item) => (await this.storedVersionOf(item.id))?.kind === item.kind });
    this.partnerChanges = partnerStrategy({ partners: deps.partners, homeTenantId: deps.homeTenantId });
    this.selfTest = selfTestStrategy({ graph: deps.selfTestGraph, now: () => this.now(), timing: deps.selfTestTiming, sleep: deps.sleep });
    this.selfTestResults = new SelfTestResults(deps.store);
    this.bulkRestores = bulkRestoreStrategy({ bin: deps.bin, writer: deps.writer, now: () => this.now() });
    const { history, live } = deps;
    this.reverts =
      history && live
        ? revertStrategy({ history, live })
        : { plan: async () => ({ ok: false, message: 'This bot keeps no change history, so it cannot revert.' }), remainingSteps: async () => ({ ok: false, failure: { message: 'This bot keeps no change history.' } }) };
    this.recreates =
      history && live
        ? recreateStrategy({ history, live, bin: deps.bin, graph: deps.selfTestGraph, partners: deps.partners })
        : { plan: async () => ({ ok: false, message: 'This bot keeps no change history, so it cannot recreate.' }), remainingSteps: async () => ({ ok: false, failure: { message: 'This bot keeps no change history.' } }) };
    this.strategies = {
      restore: this.restores,
      'restore.bulk': this.bulkRestores,
      'partner.add': this.partnerChanges,
      'partner.set': this.partnerChanges,
      'partner.remove': this.partnerChanges,
      revert: this.reverts,
      recreate: this.recreates,
      selftest: this.selfTest,
    };
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Refuses (and audits) an actor without the role. */
  private async authorize(actor: Actor, role: Role, attempted: string, requestId?: string): Promise<Outcome<true>> {
    const result = await this.deps.gatekeeper.authorize(actor, role, attempted, { requestId });
    return result.ok ? { ok: true, value: true } : result;
  }

  /**
   * Works out what a restore of this item involves, without storing anything. Without a
   * kind, an id that several kinds share (a partner and its sync policy) comes back as choices.
   */
  plan(ref: { id: string; kind?: KindId }, reportOnly: boolean, newUserPrincipalName?: string): Promise<Outcome<RestoreAction>> {
    return this.restores.plan({ ref, reportOnly, newUserPrincipalName });
  }
  /** What the Restore form shows, read from a recycle-bin mirror: no Conditional Access request while it is current. */
  preview(ref: { id: string; kind?: KindId }, reportOnly: boolean, mirror: RecycleBin): Promise<Outcome<RestoreAction>> {
    return restoreStrategy({ bin: mirror, writer: this.deps.writer, now: () => this.now() }).plan({ ref, reportOnly, preview: true });
  }


  /** `newUserPrincipalName`: a user comes back under this UPN (its own was taken); refused for other kinds. */
  async create(input: RequestInput & { ref: { id: string; kind?: KindId }; reportOnly: boolean; newUserPrincipalName?: string }): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.authorize(input.actor, 'operator', 'request a restore');
    if (!allowed.ok) return allowed;
    const plan = await this.plan(input.ref, input.reportOnly, input.newUserPrincipalName);
    if (!plan.ok) return plan;
    // A restore Entra will refuse is not worth an approver's time: say why now instead.
    if (plan.value.blockers.length > 0) return { ok: false, message: `No request was made: this restore cannot succeed. ${plan.value.blockers.join(' ')}` };
    return { ok: true, value: await this.store(input, plan.value) };
  }

  /**
   * Many items under one approval (`restore <id> <id> …`, Select on a card, an alert's "Restore all
   * of these"). Ids from cards arrive here already checked for format and kind; planning reads the
   * recycle bins, so only items Graph lists as deleted get into the request, and only those are restored.
   */
  async createBulk(input: RequestInput & BulkRestoreInput): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.authorize(input.actor, 'operator', 'request a restore');
    if (!allowed.ok) return allowed;
    const plan = await this.bulkRestores.plan({ refs: input.refs, reportOnly: input.reportOnly });
    if (!plan.ok) return plan;
    return { ok: true, value: await this.store(input, plan.value) };
  }

  /**
   * The deleted items of a kind that the audit log says `upn` deleted, within `sinceMs` (or the
   * whole retention period): what `restore all <kind> deleted-by <upn>` restores.
   */
  async deletedByActor(kind: KindId, upn: string, sinceMs: number | undefined): Promise<Outcome<{ id: string; kind: KindId }[]>> {
    if (!this.deps.audit) return { ok: false, message: 'The bot cannot read the directory audit log here, so it cannot tell who deleted what.' };
    const now = this.now();
    const since = new Date(now.getTime() - (sinceMs ?? 30 * 86_400_000));
    const deleted = (await this.deps.bin.listDeleted(kind))
      .map((raw) => ({ key: String(raw[kindById(kind).key] ?? ''), deletedAt: Date.parse(String(raw.deletedDateTime ?? '')) }))
      .filter((item) => item.key && item.deletedAt >= since.getTime());
    if (deleted.length === 0) return { ok: true, value: [] };
    const events = await this.deps.audit.directoryAudits(kindById(kind).audit.service, since);
    const deleters = deletersOf(deleted.map((item) => ({ kind, key: item.key })), events);
    const wanted = upn.toLowerCase();
    return { ok: true, value: deleted.filter((item) => deleters.get(`${kind}/${item.key.toLowerCase()}`)?.toLowerCase() === wanted).map((item) => ({ kind, id: item.key })) };
  }

  /** `partner add|set|remove`: validated against a fresh read of the partner before any request exists. */
  async requestPartnerChange(input: RequestInput & { change: PartnerChangeInput }): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.authorize(input.actor, 'operator', 'request a partner change');
    if (!allowed.ok) return allowed;
    const plan = await this.partnerChanges.plan(input.change);
    if (!plan.ok) return plan;
    return { ok: true, value: await this.store(input, plan.value) };
  }

  /** `selftest`: approvers only, since it writes to the tenant; it goes through approval like any change. */
  async requestSelfTest(input: RequestInput): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.authorize(input.actor, 'approver', 'request a self-test');
    if (!allowed.ok) return allowed;
    const plan = await this.selfTest.plan({});
    if (!plan.ok) return plan;
    return { ok: true, value: await this.store(input, plan.value) };
  }

  /** `revert {id} [version]`: planned against a fresh read of the object and its stored version. */
  async requestRevert(input: RequestInput & { revert: RevertInput }): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.authorize(input.actor, 'operator', 'request a revert');
    if (!allowed.ok) return allowed;
    const plan = await this.reverts.plan(input.revert);
    if (!plan.ok) return plan;
    return { ok: true, value: await this.store(input, plan.value) };
  }

  /** The name of the built-in authentication strength with this id, when it is one (revert and recreate refuse them). */
  async builtInStrength(id: string): Promise<string | undefined> {
    if (!this.deps.live || !isObjectId(id)) return undefined;
    const strength = await this.deps.live.readLiveObject('strengths', id).catch(() => undefined);
    return strength?.policyType === 'builtIn' ? String(strength.displayName ?? id) : undefined;
  }

  /**
   * The object a recreate would create again from this id, with its last stored version: a CA
   * policy or named location the bot has history of. What `restore` of a purged item offers.
   */
  async storedVersionOf(id: string): Promise<{ kind: KindId; name: string; version: number; seenAt: string } | undefined> {
    if (!this.deps.history) return undefined;
    const index = (await this.deps.history.find(id)).find((candidate) => candidate.key.toLowerCase() === id.toLowerCase() && (RESTORE_FALLBACK_KINDS as readonly string[]).includes(candidate.kind));
    const latest = index?.versions.at(-1);
    return index && latest ? { kind: index.kind as KindId, name: index.name, version: latest.n, seenAt: latest.seenAt } : undefined;
  }

  /** `recreate {id} [report-only|as-stored]`: planned from the last stored version and fresh reads of what is live and deleted. */
  async requestRecreate(input: RequestInput & { recreate: RecreateInput }): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.authorize(input.actor, 'operator', 'request a recreate');
    if (!allowed.ok) return allowed;
    const plan = await this.recreates.plan(input.recreate);
    if (!plan.ok) return plan;
    if (plan.value.blockers.length > 0) return { ok: false, message: `No request was made: this recreate cannot succeed. ${plan.value.blockers.join(' ')}` };
    return { ok: true, value: await this.store(input, plan.value) };
  }

  /** The last self-test's result (passed or not, which step failed, when, which request). */
  lastSelfTest(): Promise<SelfTestResult | undefined> {
    return this.selfTestResults.last();
  }

  private async store(input: RequestInput, action: RequestAction): Promise<ChangeRequest> {
    const now = this.now();
    const { settings } = this.deps;
    const request: ChangeRequest = {
      id: newRequestId(),
      tenantId: input.tenantId,
      action,
      requester: input.actor,
      reason: capText(input.reason),
      state: 'pending',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + settings.ttlHours * 3_600_000).toISOString(),
      selfApprovalAllowed: settings.allowSelfApproval,
      requiredApprovals: settings.requiredApprovals,
      approvals: [],
      card: { conversation: input.conversation },
    };
    request.unaudited = [this.auditEntry('request.created', { requestId: request.id, actor: input.actor, reason: request.reason, ...action })];
    const key = KEY_PREFIX + request.id;
    const etag = await this.deps.store.put(key, request, { ifNoneMatch: '*' });
    await this.flushAudit({ key, value: request, etag });
    return request;
  }

  /** The stored request; a pending one past its deadline is expired on the way. */
  async get(id: string): Promise<ChangeRequest | undefined> {
    const record = await this.deps.store.get<ChangeRequest>(keyOf(id));
    if (!record) return undefined;
    if (!isExpired(record.value, this.now())) return this.withCurrentRule(record.value);
    const expired = await this.transition(id, (request) => expire(request, this.now()), 'request.expired');
    return expired.ok ? expired.value : (await this.deps.store.get<ChangeRequest>(keyOf(id)))?.value;
  }

  async open(): Promise<ChangeRequest[]> {
    const records = await this.deps.store.list<ChangeRequest>(KEY_PREFIX);
    const open: ChangeRequest[] = [];
    for (const { value } of records) {
      if (value.state !== 'pending') continue;
      // Only a request past its deadline needs another read (to expire it).
      const current = isExpired(value, this.now()) ? await this.get(value.id) : this.withCurrentRule(value);
      if (current?.state === 'pending') open.push(current);
    }
    return open.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Records which message the approval card is; returns the request as stored now. */
  async rememberCard(id: string, activityId: string): Promise<ChangeRequest | undefined> {
    const result = await compareAndSet<ChangeRequest>(this.deps.store, keyOf(id), (request) =>
      request && request.card?.activityId !== activityId ? { ...request, card: { ...request.card, conversation: request.card?.conversation, activityId } } : undefined,
    );
    return valueAfter(result);
  }

  /** Records another posted copy of the card (in the approvals conversation); returns the request as stored now. */
  async rememberCopy(id: string, copy: CardCopy): Promise<ChangeRequest | undefined> {
    const result = await compareAndSet<ChangeRequest>(this.deps.store, keyOf(id), (request) =>
      request && !request.copies?.some((known) => known.activityId === copy.activityId) ? { ...request, copies: [...(request.copies ?? []), copy] } : undefined,
    );
    return valueAfter(result);
  }

  /** Records that the cards of an expired request say so. */
  async markExpiryShown(id: string): Promise<void> {
    await compareAndSet<ChangeRequest>(this.deps.store, keyOf(id), (request) => (request?.state === 'expired' && !request.expiryShown ? { ...request, expiryShown: true } : undefined));
  }

  /** An approval that moves the request to `executing` stores `claim` with it: the caller then runs it. */
  async approve(id: string, actor: Actor, tenantId: string, where: Where | undefined, claim: Claim): Promise<Outcome<ChangeRequest> & { execute?: boolean }> {
    const allowed = await this.deps.gatekeeper.authorize(actor, 'approver', 'approve requests', { requestId: id, where });
    if (!allowed.ok) return allowed;
    // Roles are looked up before the compare-and-set (it cannot wait); an approval added meanwhile was itself just authorized.
    const stored = (await this.deps.store.get<ChangeRequest>(keyOf(id)))?.value;
    const gone = stored?.state === 'pending' ? await this.partnerGone(stored.action) : undefined;
    if (gone) return this.decide('approve', actor, where, async () => ({ ok: false as const, message: gone }), id);
    const formerApprovers = await this.formerApprovers(stored?.approvals ?? []);
    const decide = (request: ChangeRequest): Transition => {
      const decided = approve(request, actor, tenantId, this.now(), this.ruleFor(request), formerApprovers);
      return decided.ok && decided.request.state === 'executing' ? { ok: true, request: { ...decided.request, claim } } : decided;
    };
    const result = await this.decide('approve', actor, where, () => this.transition(id, decide, 'request.approved', { actor }, (approved) =>
      approved.state === 'executing' ? [this.auditEntry('request.executing', { requestId: id, target: targetOf(approved.action) })] : [],
    ), id);
    if (!result.ok) return result;
    return result.value.state === 'executing' ? { ...result, execute: true } : result;
  }

  /**
   * Why a pending partner edit can no longer be approved: its partner was removed since it was
   * asked for (by another request or in Entra). Checked at approval so nobody approves a dead change.
   */
  private async partnerGone(action: RequestAction): Promise<string | undefined> {
    if (action.type !== 'partner.set' || (await this.deps.partners.getPartner(action.target.id))) return undefined;
    return `Not approved: the partner configuration for ${action.target.id} no longer exists (it was removed after this change was asked for), so its settings cannot be changed. Reject this request; ask again after \`partner add\` if it is still needed.`;
  }

  async reject(id: string, actor: Actor, tenantId: string, reason: string, where?: Where): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.deps.gatekeeper.authorize(actor, 'approver', 'reject requests', { requestId: id, where });
    if (!allowed.ok) return allowed;
    const capped = capText(reason);
    return this.decide('reject', actor, where, () => this.transition(id, (request) => reject(request, actor, tenantId, capped, this.now()), 'request.rejected', { actor, reason: capped }), id);
  }

  async cancel(id: string, actor: Actor, tenantId: string, where?: Where): Promise<Outcome<ChangeRequest>> {
    return this.decide('cancel', actor, where, () => this.transition(id, (request) => cancel(request, actor, tenantId, this.now()), 'request.cancelled', { actor }), id);
  }

  /** Runs a decision; a refused one (self-approval, already decided, wrong tenant…) is audited too. */
  private async decide<T extends Outcome<ChangeRequest>>(attempted: string, actor: Actor, where: Where | undefined, run: () => Promise<T>, requestId: string): Promise<T> {
    const result = await run();
    if (!result.ok) await this.deps.gatekeeper.record('request.refused', { actor, attempted, requestId, refusal: result.message, where });
    return result;
  }

  /**
   * Runs the steps of an executing request that are still needed; `stillHeld` is asked before
   * each step, and once it says no the execution stops there (undefined): another instance
   * has or will take the request over. When `resuming` an interrupted execution, steps Graph
   * shows as done are not run again.
   */
  async execute(request: ChangeRequest, options: { resuming: boolean; stillHeld: () => boolean }): Promise<ExecutionResult | undefined> {
    const steps: StepResult[] = [];
    try {
      const strategy = this.strategies[request.action.type];
      // Roles are re-read past the cache: someone removed from the approvers since approving must not count.
      const shortfall = approvalShortfall(request, this.ruleFor(request), await this.formerApprovers(request.approvals, { fresh: true }));
      // Undoing what an interrupted execution created needs no approval: leaving it would be worse.
      if (shortfall && !(options.resuming && strategy.resumeOnlyUndoes)) {
        const message = options.resuming
          ? `Not resumed after the restart: ${shortfall}. Steps that ran before the restart were not undone: check the item.`
          : `Not run, nothing was changed: ${shortfall}.`;
        return { steps, failure: { message, hint: 'Ask for the change again; current approvers must approve it.' } };
      }
      const context: ExecutionContext = { resuming: options.resuming, request, saveProgress: (progress) => this.saveProgress(request, progress) };
      const remaining = await strategy.remainingSteps(request.action, context);
      if (!remaining.ok) return { steps, failure: remaining.failure };
      steps.push(...remaining.done);
      // After a failure only clean-up steps run; the first failure is the one reported.
      let failure: Failure | undefined;
      for (const step of remaining.steps) {
        if (failure && !step.cleanup) continue;
        if (!options.stillHeld()) return undefined;
        const run = await step.run();
        steps.push(...resultsOf(run));
        failure ??= run.failure;
        // Each item's result is stored as it comes: a takeover resumes with the items left, never a done one.
        if (strategy.recordsProgress && !(await this.saveProgress(request, { steps }))) return undefined;
      }
      return { steps, failure: remaining.conclude ? remaining.conclude(steps, failure) : failure };
    } catch (error) {
      return { steps, failure: { message: `Stopped by an unexpected error: ${(error as Error).message}. Steps listed as done ran; check the item before asking again.` } };
    }
  }

  /**
   * Records an execution's progress on its request (the steps so far, the objects it created),
   * only while this execution's claim holds; false (and logged) when it could not. The self-test
   * goes on regardless (a takeover finds what it created by name); a bulk restore stops, and a
   * takeover resumes it from the items recorded.
   */
  private async saveProgress(request: ChangeRequest, progress: ExecutionProgress): Promise<boolean> {
    const token = request.claim?.token;
    if (!token) return false;
    try {
      const result = await compareAndSet<ChangeRequest>(this.deps.store, keyOf(request.id), (current) =>
        current?.state === 'executing' && current.claim?.token === token
          ? { ...current, execution: { ...current.execution, startedAt: current.execution?.startedAt ?? this.now().toISOString(), steps: [...progress.steps], created: progress.created ?? current.execution?.created } }
          : undefined,
      );
      if (result.status !== 'written') this.deps.log?.('request.progress_not_saved', { requestId: request.id, reason: result.status });
      return result.status === 'written';
    } catch (error) {
      this.deps.log?.('request.progress_not_saved', { requestId: request.id, error: (error as Error).message });
      return false;
    }
  }

  /** Closes an executing request with its result; refused unless `claim` still holds it. */
  async finish(id: string, claim: Claim, result: ExecutionResult): Promise<Outcome<ChangeRequest>> {
    const { steps, failure } = result;
    const finished = await this.transition(id, (current) => finish(current, claim.token, steps, this.now(), failure), failure ? 'request.failed' : 'request.succeeded', { steps, failure });
    if (finished.ok && finished.value.action.type === 'selftest') {
      // `status` shows it; the request itself keeps the full result even when this write fails.
      await this.selfTestResults.record(finished.value).catch((error: Error) => this.deps.log?.('selftest.result_not_saved', { requestId: id, error: error.message }));
    }
    return finished;
  }

  /** Takes over an interrupted request (see isInterrupted) with a new claim; refused when another instance holds it. */
  async takeOver(id: string, claim: Claim): Promise<Outcome<ChangeRequest>> {
    const take = (request: ChangeRequest): Transition =>
      isInterrupted(request, this.now()) ? { ok: true, request: { ...request, claim } } : { ok: false, refusal: `Request ${id} is not interrupted.` };
    return this.transition(id, take, 'request.resumed', (before) => ({ by: claim.owner, previousOwner: before.claim?.owner }));
  }

  /** Extends the claim until `expiresAt`: 'lost' once someone else holds the request (or it is no longer executing). */
  async renewClaim(id: string, claim: Claim, expiresAt: string): Promise<'renewed' | 'lost' | 'contended'> {
    const result = await compareAndSet<ChangeRequest>(this.deps.store, keyOf(id), (request) =>
      request?.state === 'executing' && request.claim?.token === claim.token ? { ...request, claim: { ...request.claim, expiresAt } } : undefined,
    );
    return result.status === 'written' ? 'renewed' : result.status === 'declined' ? 'lost' : 'contended';
  }

  /**
   * The approved partner removal that deleted this partner configuration or its sync policy,
   * as alert words: the latest one asked for before the deletion whose delete step ran (or
   * is running).
   */
  async deletedBy(item: { kind: KindId; key: string; deletedAt: string }): Promise<string | undefined> {
    const step = item.kind === 'partners' ? 'delete partner' : item.kind === 'sync' ? 'delete identity sync' : undefined;
    if (!step) return undefined;
    const deletedAt = Date.parse(item.deletedAt);
    const removal = (await this.records())
      .map(({ value }) => value)
      .filter((request) => request.action.type === 'partner.remove' && request.action.target.id.toLowerCase() === item.key.toLowerCase() && Date.parse(request.createdAt) <= deletedAt)
      .filter((request) => request.state === 'executing' || request.execution?.steps.some((s) => s.step === step && s.outcome === 'done'))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!removal) return undefined;
    const approvers = removal.approvals.map((a) => a.by.name).join(', ');
    return `this bot, for approved request ${removal.id} (asked by ${removal.requester.name}, approved by ${approvers})`;
  }

  /**
   * The approved request of this bot that wrote this live object between `since` (its previous
   * version) and `at` (when the change was seen), for change history: the bot's own change is
   * labelled with its request rather than alerted as someone else's.
   */
  async changedBy(item: { kind: string; key: string; name?: string; since?: string; at: string }): Promise<{ requestId: string; words: string } | undefined> {
    const at = Date.parse(item.at);
    const since = item.since ? Date.parse(item.since) : 0;
    const partnerFamily = (kind: string) => kind === 'partners' || kind === 'sync';
    const writer = (await this.records())
      .map(({ value }) => value)
      .filter((request) => {
        const { action } = request;
        if (!request.execution) return false;
        // A bulk restore wrote each of its items, a restore its dependencies too; a self-test and a
        // recreate wrote the objects they created, recorded as each was created.
        const created = request.execution.created ?? [];
        const targets =
          action.type === 'restore.bulk'
            ? action.items
            : action.type === 'selftest'
              ? created
              : action.type === 'restore'
                ? [action.target, ...action.dependencies]
                : action.type === 'recreate'
                  ? [action.target, ...created]
                  : [action.target];
        const sameObject = targets.some(
          (target) => target.id.toLowerCase() === item.key.toLowerCase() && (target.kind === item.kind || (action.type.startsWith('partner.') && partnerFamily(item.kind))),
        );
        // A create whose answer is not recorded yet: the self-test's objects carry the run's unique name, a recreate's the stored one.
        const named =
          request.state === 'executing' &&
          item.name !== undefined &&
          ((action.type === 'selftest' && item.name === selfTestName(request)) ||
            (action.type === 'recreate' && [action.object, ...action.dependencies].some((o) => o.item.kind === item.kind && o.item.name === item.name)));
        if (!sameObject && !named) return false;
        const started = Date.parse(request.execution.startedAt);
        const finished = request.execution.finishedAt ? Date.parse(request.execution.finishedAt) : undefined;
        return started <= at && (finished === undefined || finished >= since);
      })
      .filter((request) => request.state === 'executing' || request.execution?.steps.some((step) => step.outcome === 'done'))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!writer) return undefined;
    const approvers = writer.approvals.map((a) => a.by.name).join(', ');
    return { requestId: writer.id, words: `this bot, for approved request ${writer.id} (asked by ${writer.requester.name}, approved by ${approvers})` };
  }

  /** Every stored request, as stored (the sweep's view). */
  async records(): Promise<StoredRecord<ChangeRequest>[]> {
    return this.deps.store.list<ChangeRequest>(KEY_PREFIX);
  }

  /** The rule that applies to this request now: the configured one when it is stricter than the stored one. */
  private ruleFor(request: ChangeRequest): ApprovalRule {
    const { requiredApprovals, allowSelfApproval } = this.deps.settings;
    return effectiveRule(request, { requiredApprovals, selfApprovalAllowed: allowSelfApproval });
  }

  /** A pending request as cards and decisions should see it: under the rule that applies now. */
  private withCurrentRule(request: ChangeRequest): ChangeRequest {
    return request.state === 'pending' ? { ...request, ...this.ruleFor(request) } : request;
  }

  /** Lower-cased ids of these approvers who no longer hold the approver role. */
  private async formerApprovers(approvals: Decision[], options: { fresh?: boolean } = {}): Promise<Set<string>> {
    const former = new Set<string>();
    for (const { by } of approvals) if (!(await this.deps.access.has(by.aadObjectId, 'approver', options))) former.add(by.aadObjectId.toLowerCase());
    return former;
  }

  async auditTail(limit: number) {
    return this.deps.store.readAudit({ limit });
  }

  /**
   * Applies a transition with compare-and-set, re-reading on conflict. The winner's audit
   * entries are written in the same record as the new state, then appended to the log: a
   * crash between the two cannot lose them. `details` may be worked out from the request as
   * it was before the transition.
   */
  private async transition(
    id: string,
    apply: (request: ChangeRequest) => Transition,
    action: string,
    details: Record<string, unknown> | ((before: ChangeRequest) => Record<string, unknown>) = {},
    followUps: (request: ChangeRequest) => AuditEntry[] = () => [],
  ): Promise<Outcome<ChangeRequest>> {
    let refusal = `There is no request ${id}. Type \`pending\` to see open requests.`;
    const result = await compareAndSet<ChangeRequest>(this.deps.store, keyOf(id), (before) => {
      if (!before) return undefined;
      const applied = apply(before);
      if (!applied.ok) {
        refusal = applied.refusal;
        return undefined;
      }
      const next = applied.request;
      const fields = typeof details === 'function' ? details(before) : details;
      const entry = this.auditEntry(action, { requestId: next.id, target: targetOf(next.action), state: next.state, ...fields });
      return { ...next, unaudited: [...(next.unaudited ?? []), entry, ...followUps(next)] };
    });
    if (result.status === 'declined') return { ok: false, message: refusal };
    if (result.status === 'contended') return { ok: false, message: `Request ${id} is changing right now; try again in a moment.` };
    await this.flushAudit(result.record);
    return { ok: true, value: result.record.value };
  }

  private auditEntry(action: string, fields: Record<string, unknown>): AuditEntry {
    return auditEntry(this.now(), action, fields);
  }

  /**
   * Appends the request's outstanding audit entries, then drops them from the record. The
   * change they describe is already stored, so a failure here is logged, not thrown: the
   * entries stay in the record and the next transition or the sweep appends them.
   */
  async flushAudit(written: StoredRecord<ChangeRequest>): Promise<void> {
    const request = written.value;
    const entries = request.unaudited ?? [];
    if (entries.length === 0) return;
    try {
      for (const entry of entries) await this.deps.store.appendAudit(entry);
      const appended = new Set(entries.map((entry) => entry.id));
      const forget = (current: ChangeRequest | undefined) =>
        current?.unaudited?.some((entry) => appended.has(entry.id)) ? { ...current, unaudited: current.unaudited.filter((entry) => !appended.has(entry.id)) } : undefined;
      await compareAndSet(this.deps.store, written.key, forget, written);
    } catch (error) {
      this.deps.log?.('audit.deferred', { requestId: request.id, entries: entries.length, error: (error as Error).message });
    }
  }
}

