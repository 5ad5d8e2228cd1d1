import type { PartnerAction, StepResult, TargetItem } from './approvals';
import { closestWord } from './commands';
import type { GraphObject } from './model';
import { capitalise } from './summaries';
import { baselineOf, carriedDrift, carriedValues, changedSince, parseSettings, planEdit, type PartnerConfiguration } from './partnerSettings';
import type { FailureLike, Outcome } from './requests';

/**
 * Changes to live cross-tenant partner configurations (add, set, remove), planned against
 * a fresh read at request time and re-checked against another fresh read at execution.
 */

/** Port: the live partner configurations (src/graph implements it). Writes return the Graph request-id. */
export interface PartnerDirectory {
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

type Result = { steps: StepResult[]; failure?: { message: string; hint?: string } };

const targetOf = (tenantId: string): TargetItem => ({ kind: 'partners', id: tenantId, name: tenantId });

async function configurationOf(partners: PartnerDirectory, tenantId: string): Promise<PartnerConfiguration | undefined> {
  const partner = await partners.getPartner(tenantId);
  if (!partner) return undefined;
  return { partner, sync: await partners.getPartnerSync(tenantId) };
}

export async function planPartnerChange(input: PartnerChangeInput, partners: PartnerDirectory, homeTenantId: string | undefined): Promise<Outcome<PartnerAction>> {
  const { tenantId } = input;
  if (homeTenantId && tenantId.toLowerCase() === homeTenantId.toLowerCase()) {
    return { ok: false, message: `${tenantId} is this tenant itself; partner settings are for other organizations (your own defaults are in the default cross-tenant policy).` };
  }
  const current = await configurationOf(partners, tenantId);
  const base = { target: targetOf(tenantId), settings: [] as string[], changes: [], blockers: [] as string[] };
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

export async function executePartnerChange(action: PartnerAction, partners: PartnerDirectory): Promise<Result> {
  const tenantId = action.target.id;
  const steps: StepResult[] = [];
  let hint: string | undefined;
  const run = async (step: StepResult['step'], call: () => Promise<{ requestId?: string }>): Promise<boolean> => {
    try {
      const { requestId } = await call();
      steps.push({ item: action.target, step, outcome: 'done', requestId });
      return true;
    } catch (error) {
      const f = error as FailureLike;
      hint = f.hint;
      steps.push({ item: action.target, step, outcome: 'failed', requestId: f.requestId, code: f.code, message: `${f.code ?? 'error'}: ${f.detail ?? f.message}` });
      return false;
    }
  };
  const failed = (): Result => {
    const last = steps[steps.length - 1];
    return { steps, failure: { message: `${capitalise(last.step)} failed: ${last.message}`, hint } };
  };

  if (action.type === 'partner.add') {
    const body: GraphObject = { tenantId, ...(action.serviceProvider ? { isServiceProvider: true } : {}) };
    return (await run('create partner', () => partners.createPartner(body))) ? { steps } : failed();
  }

  const current = await configurationOf(partners, tenantId);
  if (!current) return { steps, failure: { message: `The partner configuration for ${tenantId} no longer exists, so nothing was changed.` } };

  if (action.type === 'partner.remove') {
    if (current.sync && !(await run('delete identity sync', () => partners.deletePartnerSync(tenantId)))) return failed();
    return (await run('delete partner', () => partners.deletePartner(tenantId))) ? { steps } : failed();
  }

  const requested = parseSettings(action.settings, () => undefined);
  if (typeof requested === 'string') return { steps, failure: { message: `The stored settings no longer parse: ${requested}` } };
  const { edit } = planEdit(requested, current);
  // Every property the PATCH carries must be as the approver saw it, not only the changed ones; a request stored without a baseline fails closed.
  const drift = [...carriedDrift(edit, action.baseline ?? {}, current), ...changedSince(requested, action.changes, current)];
  if (drift.length > 0) {
    return { steps, failure: { message: `Changed since requested, so nothing was overwritten: ${drift.join('; ')}.`, hint: 'Look at the partner again (`partner show`) and ask for a new change if it is still needed.' } };
  }
  if (Object.keys(edit.patch).length > 0 && !(await run('update partner', () => partners.patchPartner(tenantId, edit.patch)))) return failed();
  if (edit.userSyncAllowed !== undefined) {
    const body = { displayName: String(current.sync?.displayName ?? tenantId), userSyncInbound: { isSyncAllowed: edit.userSyncAllowed } };
    if (!(await run('set identity sync', () => partners.putPartnerSync(tenantId, body)))) return failed();
  }
  return { steps };
}

/** After a crash: does Graph show the change as made? */
export async function partnerChangeApplied(action: PartnerAction, partners: PartnerDirectory): Promise<boolean> {
  const current = await configurationOf(partners, action.target.id);
  if (action.type === 'partner.add') return current !== undefined;
  if (action.type === 'partner.remove') return current === undefined;
  if (!current) return false;
  const requested = parseSettings(action.settings, () => undefined);
  if (typeof requested === 'string') return false;
  return action.changes.every((change) => requested.some(({ spec, value }) => spec.label === change.label && value.read(current) === change.to));
}

