import { randomUUID } from 'node:crypto';
import { ETagConflictError, type AuditEntry, type StateStore, type StoredRecord } from '../store/port';
import type { AccessControl, Actor, Role, Where } from './access';
import type { Gatekeeper } from './gatekeeper';
import { executePartnerChange, partnerChangeApplied, planPartnerChange, type PartnerChangeInput, type PartnerDirectory } from './partnerChanges';
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
  type RequestAction,
  type RestoreAction,
  type ApprovalRule,
  type ChangeRequest,
  type Decision,
  type StepResult,
  type TargetItem,
  type Transition,
} from './approvals';
import { kindById } from './kinds';
import { purgeDate, type DeletedItem, type GraphObject, type ItemRef, type KindId } from './model';
import { findDeleted, toDeletedItem, type RecycleBin } from './recycleBin';
import { oneLine } from './summaries/format';

/**
 * Restore requests: creation, decisions, execution and recovery. Authorization is
 * decided here from stored state and the caller's Entra object id, never from card data.
 * Every transition is a compare-and-set on the stored record and is audited.
 */

/** Port: the writes a restore needs (src/graph implements it). */
export interface RecycleBinWriter {
  restore(ref: ItemRef): Promise<{ item: GraphObject; requestId?: string }>;
  setReportOnly(policyId: string): Promise<{ requestId?: string }>;
  /** The live object, or undefined when it does not exist. */
  getLive(ref: ItemRef): Promise<GraphObject | undefined>;
}

/** What a Graph failure looks like to the core (src/graph's GraphFailure has this shape). */
export interface FailureLike {
  code?: string;
  status?: number;
  requestId?: string;
  detail?: string;
  hint?: string;
  message: string;
}

export interface ApprovalSettings {
  ttlHours: number;
  requiredApprovals: number;
  allowSelfApproval: boolean;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string; choices?: DeletedItem[] };

interface RequestInput {
  actor: Actor;
  reason: string;
  tenantId: string;
  /** Where the approval card goes (opaque to the core). */
  conversation: unknown;
}

export class RequestConflictError extends Error {}

/** Reasons and comments are kept to this many characters, everywhere they are stored. */
export const MAX_REASON_CHARS = 500;

/** A person's free text as stored: one line of at most MAX_REASON_CHARS, control characters removed. */
export function capText(text: unknown): string {
  if (typeof text !== 'string') return '';
  return Array.from(oneLine(text.slice(0, MAX_REASON_CHARS * 4))).slice(0, MAX_REASON_CHARS).join('');
}

const KEY_PREFIX = 'requests/';
const CAS_ATTEMPTS = 8;

export class ChangeRequests {
  constructor(
    private readonly deps: {
      store: StateStore;
      bin: RecycleBin;
      writer: RecycleBinWriter;
      access: AccessControl;
      gatekeeper: Gatekeeper;
      partners: PartnerDirectory;
      /** The tenant the bot manages: a partner configuration for it makes no sense. */
      homeTenantId?: string;
      settings: ApprovalSettings;
      now?: () => Date;
      log?: (event: string, fields: Record<string, unknown>) => void;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Refuses (and audits) an actor without the role. */
  async authorize(actor: Actor, role: Role, attempted: string, requestId?: string): Promise<Outcome<true>> {
    const result = await this.deps.gatekeeper.authorize(actor, role, attempted, { requestId });
    return result.ok ? { ok: true, value: true } : result;
  }

  /**
   * Works out what a restore of this item involves, without storing anything. Without a
   * kind, an id that several kinds share (a partner and its sync policy) comes back as choices.
   */
  async plan(ref: { id: string; kind?: KindId }, reportOnly: boolean): Promise<Outcome<RestoreAction>> {
    const now = this.now();
    const lookup = await findDeleted(this.deps.bin, ref.id, ref.kind, now);
    if (lookup.found === 'none') {
      const failure = lookup.failures[0]?.error;
      if (failure) throw failure;
      const what = ref.kind ? `deleted ${kindById(ref.kind).label}` : 'deleted item';
      return { ok: false, message: `No ${what} has the id ${ref.id}. It may have been restored already or purged.` };
    }
    if (lookup.found === 'several') return { ok: false, message: 'That id matches several items; say which kind.', choices: lookup.items };
    const item = lookup.item;
    const kind = kindById(item.kind);
    const dependencies: TargetItem[] = [];
    const blockers: string[] = [];
    for (const dependency of kind.references(item.raw)) {
      const depKind = kindById(dependency.kind);
      const deleted = await this.deps.bin.getDeleted(dependency.kind, dependency.id);
      if (deleted) {
        dependencies.push({ ...dependency, name: toDeletedItem(depKind, deleted, now).name });
      } else if (!(await this.deps.writer.getLive(dependency))) {
        blockers.push(`The ${depKind.label} ${dependency.id} it depends on no longer exists (purged), so Entra will refuse the restore.`);
      }
    }
    return {
      ok: true,
      value: {
        type: 'restore',
        target: { kind: item.kind, id: item.id, name: item.name },
        reportOnly: reportOnly && item.kind === 'ca',
        dependencies,
        blockers,
        purgesAt: purgeDate(item.deletedAt).toISOString(),
      },
    };
  }

  async create(input: RequestInput & { ref: { id: string; kind?: KindId }; reportOnly: boolean }): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.authorize(input.actor, 'operator', 'request a restore');
    if (!allowed.ok) return allowed;
    const plan = await this.plan(input.ref, input.reportOnly);
    if (!plan.ok) return plan;
    return { ok: true, value: await this.store(input, plan.value) };
  }

  /** `partner add|set|remove`: validated against a fresh read of the partner before any request exists. */
  async requestPartnerChange(input: RequestInput & { change: PartnerChangeInput }): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.authorize(input.actor, 'operator', 'request a partner change');
    if (!allowed.ok) return allowed;
    const plan = await planPartnerChange(input.change, this.deps.partners, this.deps.homeTenantId);
    if (!plan.ok) return plan;
    return { ok: true, value: await this.store(input, plan.value) };
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
    const record = await this.deps.store.get<ChangeRequest>(KEY_PREFIX + id.toUpperCase());
    if (!record) return undefined;
    if (!isExpired(record.value, this.now())) return this.withCurrentRule(record.value);
    const expired = await this.transition(id, (request) => expire(request, this.now()), 'request.expired');
    return expired.ok ? expired.value : (await this.deps.store.get<ChangeRequest>(KEY_PREFIX + id.toUpperCase()))?.value;
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

  async rememberCard(id: string, activityId: string): Promise<void> {
    await this.update(id, (request) => (request.card?.activityId === activityId ? undefined : { ...request, card: { ...request.card, conversation: request.card?.conversation, activityId } }));
  }

  async approve(id: string, actor: Actor, tenantId: string, where?: Where): Promise<Outcome<ChangeRequest> & { execute?: boolean }> {
    const allowed = await this.deps.gatekeeper.authorize(actor, 'approver', 'approve requests', { requestId: id, where });
    if (!allowed.ok) return allowed;
    // Roles are looked up before the compare-and-set (it cannot wait); an approval added meanwhile was itself just authorized.
    const earlier = (await this.deps.store.get<ChangeRequest>(KEY_PREFIX + id.toUpperCase()))?.value.approvals ?? [];
    const formerApprovers = await this.formerApprovers(earlier);
    const decide = (request: ChangeRequest) => approve(request, actor, tenantId, this.now(), this.ruleFor(request), formerApprovers);
    const result = await this.decide('approve', actor, where, () => this.transition(id, decide, 'request.approved', { actor }, (approved) =>
      approved.state === 'executing' ? [this.auditEntry('request.executing', { requestId: id, target: approved.action.target })] : [],
    ), id);
    if (!result.ok) return result;
    return result.value.state === 'executing' ? { ...result, execute: true } : result;
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
    if (!result.ok) await this.deps.gatekeeper.refused('request.refused', { actor, attempted, requestId, refusal: result.message, where });
    return result;
  }

  /** Runs an approved request. Only the caller that moved it to `executing` calls this. */
  async execute(request: ChangeRequest): Promise<ChangeRequest> {
    let outcome: { steps: StepResult[]; failure?: { message: string; hint?: string } };
    try {
      // Roles are re-read past the cache: someone removed from the approvers since approving must not count.
      const shortfall = approvalShortfall(request, this.ruleFor(request), await this.formerApprovers(request.approvals, { fresh: true }));
      if (shortfall) outcome = { steps: [], failure: { message: shortfall, hint: 'Ask for the change again; current approvers must approve it.' } };
      else outcome = request.action.type === 'restore' ? await this.executeRestore(request.action) : await executePartnerChange(request.action, this.deps.partners);
    } catch (error) {
      outcome = { steps: [], failure: { message: `Unexpected error: ${(error as Error).message}` } };
    }
    const { steps, failure } = outcome;
    const finished = await this.transition(request.id, (current) => finish(current, steps, this.now(), failure), failure ? 'request.failed' : 'request.succeeded', { steps, failure });
    if (!finished.ok) throw new RequestConflictError(finished.message);
    return finished.value;
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

  /** Dependencies first, then the item, then the report-only switch. */
  private async executeRestore(action: RestoreAction): Promise<{ steps: StepResult[]; failure?: { message: string; hint?: string } }> {
    const steps: StepResult[] = [];
    for (const dependency of action.dependencies) {
      const step = await this.restoreStep(dependency);
      steps.push(step);
      if (step.outcome === 'failed') {
        return { steps, failure: { message: `Restoring the ${kindById(dependency.kind).label} "${dependency.name}" it depends on failed: ${step.message}`, hint: step.hint } };
      }
    }
    const step = await this.restoreStep(action.target);
    steps.push(step);
    if (step.outcome === 'failed') return { steps, failure: { message: step.message ?? 'the restore failed', hint: step.hint } };
    if (!action.reportOnly) return { steps };
    try {
      const { requestId } = await this.deps.writer.setReportOnly(action.target.id);
      steps.push({ item: action.target, step: 'set report-only', outcome: 'done', requestId });
      return { steps };
    } catch (error) {
      const f = error as FailureLike;
      steps.push({ item: action.target, step: 'set report-only', outcome: 'failed', requestId: f.requestId, code: f.code, message: f.detail ?? f.message });
      return { steps, failure: { message: `The policy was restored, but switching it to report-only failed (${f.code ?? 'error'}). It is back in the state it was deleted in: check it now.`, hint: f.hint } };
    }
  }

  /**
   * After a crash, a request may be stuck in `executing`. It is never run again: Graph
   * tells whether the restore happened, and the request is closed accordingly.
   */
  async recoverInterrupted(): Promise<ChangeRequest[]> {
    const records = await this.deps.store.list<ChangeRequest>(KEY_PREFIX);
    const recovered: ChangeRequest[] = [];
    for (const record of records) {
      const request = record.value;
      // Entries whose append a crash may have cut off; appending one again is harmless.
      await this.flushAudit(record);
      if (request.state !== 'executing') continue;
      const target = request.action.target;
      let done = false;
      try {
        done = request.action.type === 'restore'
          ? (await this.deps.bin.getDeleted(target.kind, target.id)) === undefined && (await this.deps.writer.getLive(target)) !== undefined
          : await partnerChangeApplied(request.action, this.deps.partners);
      } catch {
        done = false;
      }
      const steps: StepResult[] = [...(request.execution?.steps ?? []), { item: target, step: request.action.type === 'restore' ? 'restore' : 'update partner', outcome: done ? 'done' : 'failed', message: 'checked after a restart' }];
      const failure = done
        ? undefined
        : { message: 'The bot restarted while this change was running, and Graph does not show it as done. It was not retried automatically: request it again if it is still needed.' };
      const result = await this.transition(request.id, (current) => finish(current, steps, this.now(), failure), 'request.recovered', { done });
      if (result.ok) recovered.push(result.value);
    }
    return recovered;
  }

  async auditTail(limit: number) {
    return this.deps.store.readAudit({ limit });
  }

  /** A 404 on restore is checked against the live object, so an item restored meanwhile is skipped, not failed. */
  private async restoreStep(item: TargetItem): Promise<StepResult & { hint?: string }> {
    try {
      const { requestId } = await this.deps.writer.restore(item);
      return { item, step: 'restore', outcome: 'done', requestId };
    } catch (error) {
      const f = error as FailureLike;
      if (f.status === 404 && (await this.deps.writer.getLive(item).catch(() => undefined))) {
        return { item, step: 'restore', outcome: 'skipped', requestId: f.requestId, message: 'someone else restored it already' };
      }
      const why = f.status === 404 ? 'it is no longer in the recycle bin (purged or restored elsewhere)' : (f.detail ?? f.message);
      return { item, step: 'restore', outcome: 'failed', requestId: f.requestId, code: f.code, message: `${f.code ?? 'error'}: ${why}`, hint: f.hint };
    }
  }

  /**
   * Applies a transition with compare-and-set, re-reading on conflict. The winner's audit
   * entries are written in the same record as the new state, then appended to the log: a
   * crash between the two cannot lose them.
   */
  private async transition(
    id: string,
    apply: (request: ChangeRequest) => Transition,
    action: string,
    details: Record<string, unknown> = {},
    followUps: (request: ChangeRequest) => AuditEntry[] = () => [],
  ): Promise<Outcome<ChangeRequest>> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const record = await this.deps.store.get<ChangeRequest>(KEY_PREFIX + id.toUpperCase());
      if (!record) return { ok: false, message: `There is no request ${id}. Type \`pending\` to see open requests.` };
      const result = apply(record.value);
      if (!result.ok) return { ok: false, message: result.refusal };
      const next = result.request;
      const entry = this.auditEntry(action, { requestId: next.id, target: next.action.target, state: next.state, ...details });
      next.unaudited = [...(next.unaudited ?? []), entry, ...followUps(next)];
      const etag = await this.tryWrite(record, next);
      if (etag) {
        await this.flushAudit({ key: record.key, value: next, etag });
        return { ok: true, value: next };
      }
    }
    return { ok: false, message: `Request ${id} is changing right now; try again in a moment.` };
  }

  /** Read-modify-write with compare-and-set; `known` is a record just read or written, which saves the first read. */
  private async update(id: string, change: (request: ChangeRequest) => ChangeRequest | undefined, known?: StoredRecord<ChangeRequest>): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const record = attempt === 0 && known ? known : await this.deps.store.get<ChangeRequest>(KEY_PREFIX + id.toUpperCase());
      const next = record && change(record.value);
      if (!record || !next || (await this.tryWrite(record, next))) return;
    }
  }

  /** The new eTag, or undefined when someone else changed the record first. */
  private async tryWrite(record: StoredRecord<ChangeRequest>, next: ChangeRequest): Promise<string | undefined> {
    try {
      return await this.deps.store.put(record.key, next, { ifMatch: record.etag });
    } catch (error) {
      if (error instanceof ETagConflictError) return undefined;
      throw error;
    }
  }

  private auditEntry(action: string, fields: Record<string, unknown>): AuditEntry {
    return { id: randomUUID(), at: this.now().toISOString(), action, ...fields };
  }

  /**
   * Appends the request's outstanding audit entries, then drops them from the record. The
   * change they describe is already stored, so a failure here is logged, not thrown: the
   * entries stay in the record and the next transition or restart appends them.
   */
  private async flushAudit(written: StoredRecord<ChangeRequest>): Promise<void> {
    const request = written.value;
    const entries = request.unaudited ?? [];
    if (entries.length === 0) return;
    try {
      for (const entry of entries) await this.deps.store.appendAudit(entry);
      const appended = new Set(entries.map((entry) => entry.id));
      const forget = (current: ChangeRequest) =>
        current.unaudited?.some((entry) => appended.has(entry.id)) ? { ...current, unaudited: current.unaudited.filter((entry) => !appended.has(entry.id)) } : undefined;
      await this.update(request.id, forget, written);
    } catch (error) {
      this.deps.log?.('audit.deferred', { requestId: request.id, entries: entries.length, error: (error as Error).message });
    }
  }
}
