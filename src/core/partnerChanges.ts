import type { PartnerAction, StepResult, TargetItem } from './approvals';
import { closestWord } from './commands';
import type { GraphObject } from './model';
import { capitalise } from './summaries';
import { baselineOf, carriedDrift, carriedValues, changedSince, parseSettings, planEdit, type PartnerConfiguration } from './partnerSettings';
import { foundDone, type ChangeStrategy, type ExecutionContext, type PlannedStep, type StepRun, type StepsToRun } from './changeStrategy';
import type { FailureLike, Outcome } from './outcome';
import type { TenantDirectory } from './organisationNames';

/**
 * Changes to live cross-tenant partner configurations (add, set, remove), planned against
 * a fresh read at request time and re-checked against another fresh read at execution.
 */

/** Port: the live partner configurations (src/graph implements it). Writes return the Graph request-id. */
export interface PartnerDirectory extends TenantDirectory {
  /** Partners carry their organisation name in displayName where it could be read. */
  listPartners(): Promise<GraphObject[]>;
  getPartner(tenantId: string): Promise<GraphObject | undefined>;
  getPartnerSync(tenantId: string): Promise<GraphObject | undefined>;
  createPartner(body: GraphObject): Promise<{ requestId?: string }>;
  patchPartner(tenantId: string, body: GraphObject): Promise<{ requestId?: string }>;
  putPartnerSync(tenantId: string, body: GraphObject): Promise<{ requestId?: string }>;
  deletePartnerSync(tenantId: string): Promise<{ requestId?: string }>;
  deletePartner(tenantId: string): Promise<{ requestId?: string }>;
}

export type PartnerChangeInput =
  | { type: 'add'; tenantId: string; serviceProvider: boolean }
  | { type: 'set'; tenantId: string; settings: string[] }
  | { type: 'remove'; tenantId: string };

const targetOf = (tenantId: string, name: string | undefined): TargetItem => ({ kind: 'partners', id: tenantId, name: name ?? tenantId });

async function configurationOf(partners: PartnerDirectory, tenantId: string): Promise<PartnerConfiguration | undefined> {
  const partner = await partners.getPartner(tenantId);
  if (!partner) return undefined;
  return { partner, sync: await partners.getPartnerSync(tenantId) };
}

async function planPartnerChange(input: PartnerChangeInput, partners: PartnerDirectory, homeTenantId: string | undefined): Promise<Outcome<PartnerAction>> {
  const { tenantId } = input;
  if (homeTenantId && tenantId.toLowerCase() === homeTenantId.toLowerCase()) {
    return { ok: false, message: `${tenantId} is this tenant itself; partner settings are for other organizations (your own defaults are in the default cross-tenant policy).` };
  }
  const current = await configurationOf(partners, tenantId);
  const name = typeof current?.partner.displayName === 'string' ? current.partner.displayName : await partners.organisationName(tenantId);
  const base = { target: targetOf(tenantId, name), settings: [] as string[], changes: [], blockers: [] as string[] };
  switch (input.type) {
    case 'add':
      if (current) return { ok: false, message: `${tenantId} already has a partner configuration. Use \`partner set ${tenantId} …\` to change it.` };
      return {
        ok: true,
        value: {
          ...base,
          type: 'partner.add',
          serviceProvider: input.serviceProvider,
          changes: [{ setting: 'add', label: 'Partner configuration', from: 'none (default settings apply)', to: input.serviceProvider ? 'created, marked as a service provider' : 'created with default settings' }],
        },
      };
    case 'remove': {
      if (!current) return { ok: false, message: `${tenantId} has no partner configuration to remove.` };
      const changes = [{ setting: 'remove', label: 'Partner configuration', from: 'exists', to: 'deleted (kept in the recycle bin for 30 days, restorable)' }];
      if (current.sync) changes.unshift({ setting: 'remove sync', label: 'Identity sync policy', from: 'exists', to: 'deleted first (Graph requires it)' });
      return { ok: true, value: { ...base, type: 'partner.remove', removesSync: Boolean(current.sync), changes } };
    }
    case 'set': {
      if (!current) return { ok: false, message: `${tenantId} has no partner configuration. Use \`partner add ${tenantId}\` first.` };
      const requested = parseSettings(input.settings, (word, candidates) => closestWord(word, candidates));
      if (typeof requested === 'string') return { ok: false, message: requested };
      const { edit, changes } = planEdit(requested, current);
      if (changes.length === 0) return { ok: false, message: 'Nothing would change: those settings already have these values.' };
      return {
        ok: true,
        value: { ...base, type: 'partner.set', settings: input.settings, changes, carried: carriedValues(edit, current), baseline: baselineOf(edit, current) },
      };
    }
  }
}

/** The partner strategy: every write re-checked against a fresh read of the partner. */
export function partnerStrategy(deps: { partners: PartnerDirectory; homeTenantId?: string }): ChangeStrategy<PartnerChangeInput, PartnerAction> {
  const { partners } = deps;

  async function remainingSteps(action: PartnerAction, { resuming }: ExecutionContext): Promise<StepsToRun> {
    const tenantId = action.target.id;
    const current = await configurationOf(partners, tenantId);
    const done: StepResult[] = [];
    const step = (name: StepResult['step'], call: () => Promise<{ requestId?: string }>): PlannedStep => ({ step: name, run: () => runStep(action.target, name, call) });

    if (action.type === 'partner.add') {
      if (resuming && current) return { ok: true, done: [foundDone(action.target, 'create partner')], steps: [] };
      const body: GraphObject = { tenantId, ...(action.serviceProvider ? { isServiceProvider: true } : {}) };
      return { ok: true, done, steps: [step('create partner', () => partners.createPartner(body))] };
    }
    if (!current) {
      if (resuming && action.type === 'partner.remove') return { ok: true, done: [foundDone(action.target, 'delete partner')], steps: [] };
      return { ok: false, failure: { message: `The partner configuration for ${tenantId} no longer exists, so nothing was changed.` } };
    }
    if (action.type === 'partner.remove') {
      const steps = [step('delete partner', () => partners.deletePartner(tenantId))];
      if (current.sync) steps.unshift(step('delete identity sync', () => partners.deletePartnerSync(tenantId)));
      else if (resuming && action.removesSync) done.push(foundDone(action.target, 'delete identity sync'));
      return { ok: true, done, steps };
    }

    const requested = parseSettings(action.settings, () => undefined);
    if (typeof requested === 'string') return { ok: false, failure: { message: `The stored settings no longer parse: ${requested}` } };
    // When resuming, a write whose every setting already reads as approved is done: it is neither checked for drift nor sent again.
    const reachedApproved = (inBody: boolean) =>
      resuming && requested.filter(({ spec }) => spec.fields.length > 0 === inBody).every(({ spec, value }) => action.changes.every((c) => c.label !== spec.label || value.read(current) === c.to));
    const patchDone = reachedApproved(true);
    const syncDone = reachedApproved(false);
    const { edit } = planEdit(requested, current);
    // Every property the PATCH carries must be as the approver saw it, not only the changed ones; a request stored without a baseline fails closed.
    const drift = [...(patchDone ? [] : carriedDrift(edit, action.baseline ?? {}, current)), ...(syncDone ? [] : changedSince(requested, action.changes, current))];
    if (drift.length > 0) {
      return { ok: false, failure: { message: `Changed since requested, so nothing was overwritten: ${drift.join('; ')}.`, hint: 'Look at the partner again (`partner show`) and ask for a new change if it is still needed.' } };
    }
    const steps: PlannedStep[] = [];
    if (Object.keys(edit.patch).length > 0) {
      if (patchDone) done.push(foundDone(action.target, 'update partner'));
      else steps.push(step('update partner', () => partners.patchPartner(tenantId, edit.patch)));
    }
    if (edit.userSyncAllowed !== undefined) {
      const body = { displayName: String(current.sync?.displayName ?? tenantId), userSyncInbound: { isSyncAllowed: edit.userSyncAllowed } };
      if (syncDone) done.push(foundDone(action.target, 'set identity sync'));
      else steps.push(step('set identity sync', () => partners.putPartnerSync(tenantId, body)));
    }
    return { ok: true, done, steps };
  }

  return { plan: (input) => planPartnerChange(input, partners, deps.homeTenantId), remainingSteps };
}

async function runStep(item: TargetItem, step: StepResult['step'], call: () => Promise<{ requestId?: string }>): Promise<StepRun> {
  try {
    const { requestId } = await call();
    return { result: { item, step, outcome: 'done', requestId } };
  } catch (error) {
    const f = error as FailureLike;
    const message = `${f.code ?? 'error'}: ${f.detail ?? f.message}`;
    return { result: { item, step, outcome: 'failed', requestId: f.requestId, code: f.code, message }, failure: { message: `${capitalise(step)} failed: ${message}`, hint: f.hint } };
  }
}
