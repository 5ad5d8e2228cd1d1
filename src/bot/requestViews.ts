import { requestNoun, targetOf, type BulkRestoreAction, type ChangeRequest, type PartnerAction, type RecreateAction, type RequestAction, type RestoreAction, type StepResult, type TargetItem } from '../core/approvals';
import type { AuditEntry } from '../store/port';
import type { Actor, Where } from '../core/access';
import { kindById } from '../core/kinds';
import { kindWords, type TrackedKindId } from '../core/trackedKinds';
import { daysUntilPurge } from '../core/model';
import { resultingStateText } from '../core/restores';
import { selfTestStepWords } from '../core/selfTest';
import { capitalise, clip } from '../core/summaries';
import { cardBytes, MAX_CARD_BYTES, renderCard, type AdaptiveCardJson } from './cards';
import { daysLeftText, formatDate, personName, plainText, type ViewContext } from './views';

/** Card data for restore requests. Only the request id ever travels in card data. */

/** How one person should see a request card. */
export interface RequestViewer {
  canDecide: boolean;
  canCancel: boolean;
}

export const EVERYONE: RequestViewer = { canDecide: false, canCancel: false };

const MAX_REFRESH_USERS = 60;
/** Entra display names are at most 256 characters; this shows any real one whole. */
const STEP_NAME_MAX = 256;

const describe = (item: TargetItem<TrackedKindId>) => `${capitalise(kindWords(item.kind).label)} "${clip(item.name, 120)}"`;
const isoToText = (iso: string) => formatDate(new Date(iso));

export function restoreFormCard(action: RestoreAction, ctx: ViewContext): AdaptiveCardJson {
  const target = action.target;
  return renderCard('restoreForm', {
    footer: ctx.footer,
    kind: target.kind,
    id: target.id,
    canReportOnly: target.kind === 'ca',
    canNewUpn: target.kind === 'users',
    facts: [
      { label: 'What', value: describe(target) },
      { label: 'Id', value: target.id },
      { label: 'Purged for good', value: `${isoToText(action.purgesAt)} (${daysText(action.purgesAt, ctx)})` },
      ...(target.kind === 'ca' ? [{ label: 'Without report-only', value: resultingStateText({ reportOnly: false, deletedState: action.deletedState }) }] : []),
    ],
    dependencies: action.dependencies.map(describe),
    blockers: action.blockers,
  });
}

const daysText = (purgesAt: string, ctx: ViewContext) => daysLeftText(daysUntilPurge(new Date(purgesAt), ctx.now()));

/** How each type of request says it is running, done and failed. */
const PHASES: Record<RequestAction['type'], { running: string; done: string; failed: string }> = {
  restore: { running: 'Restoring…', done: 'Restored', failed: 'The restore failed.' },
  'restore.bulk': { running: 'Restoring…', done: 'Restored', failed: 'Restored in part: some items failed.' },
  revert: { running: 'Reverting…', done: 'Reverted', failed: 'The revert failed.' },
  recreate: { running: 'Creating…', done: 'Created again, with a new id', failed: 'The recreate failed.' },
  'partner.add': { running: 'Applying…', done: 'Done', failed: 'The change failed.' },
  'partner.set': { running: 'Applying…', done: 'Done', failed: 'The change failed.' },
  'partner.remove': { running: 'Applying…', done: 'Done', failed: 'The change failed.' },
  selftest: { running: 'Running the self-test…', done: 'Passed: every step worked', failed: 'The self-test failed.' },
};

const STATUS: Record<ChangeRequest['state'], { text: (r: ChangeRequest) => string; color: string }> = {
  pending: { text: (r) => `Waiting for approval (${r.approvals.length} of ${r.requiredApprovals})`, color: 'Warning' },
  executing: { text: (r) => `Approved by ${names(r)}. ${PHASES[r.action.type].running}`, color: 'Accent' },
  succeeded: { text: (r) => `${r.action.type === 'recreate' && r.action.keepsId ? 'Created again, under the same tenant id' : PHASES[r.action.type].done}. Approved by ${names(r)}.`, color: 'Good' },
  failed: { text: (r) => PHASES[r.action.type].failed, color: 'Attention' },
  rejected: { text: (r) => `Rejected by ${r.rejection ? personName(r.rejection.by) : 'an approver'}${r.rejection?.reason ? `: "${plainText(clip(r.rejection.reason, 200))}"` : '.'}`, color: 'Attention' },
  cancelled: { text: (r) => `Cancelled by ${r.cancellation ? personName(r.cancellation.by) : 'the requester'}.`, color: 'Default' },
  expired: { text: () => 'Expired before anyone approved it. Nothing was changed.', color: 'Default' },
};

const names = (request: ChangeRequest) => request.approvals.map((a) => personName(a.by)).join(', ') || 'nobody';

const PARTNER_VERBS: Record<PartnerAction['type'], string> = {
  'partner.add': 'add a partner configuration',
  'partner.set': 'change partner settings',
  'partner.remove': 'remove a partner configuration',
};

const DONE: Record<Exclude<RequestAction['type'], 'selftest'>, string> = {
  restore: 'restored',
  'restore.bulk': 'restored',
  revert: 'reverted',
  recreate: 'created again (with a new id)',
  'partner.add': 'added the partner configuration for',
  'partner.set': 'changed the partner settings of',
  'partner.remove': 'removed the partner configuration of',
};

const SELF_TEST_WHAT = 'Self-test in this tenant: create, delete, find, restore and purge two harmless test objects';

/** What a request is about, in one line. */
function whatOf(action: RequestAction): string {
  if (action.type === 'restore') return describe(action.target);
  if (action.type === 'restore.bulk') return `Restore ${bulkSummary(action)}`;
  if (action.type === 'revert') return `Put ${describe(action.target)} back as it was in version ${action.version} (now version ${action.fromVersion})`;
  if (action.type === 'recreate') return `Create ${describe(action.target)} again from its stored version ${action.object.version}, as a new object`;
  if (action.type === 'selftest') return SELF_TEST_WHAT;
  return `Cross-tenant partner ${clip(action.target.name, 120)}: ${PARTNER_VERBS[action.type]}`;
}

const requestTitle = (request: ChangeRequest) => `${requestNoun(request)} request ${request.id}`;

/** The line that tells the requester how their request ended (after a mention of them). */
export function outcomeNotice(request: ChangeRequest): string {
  const what = `your ${requestTitle(request)}`;
  const { action } = request;
  if (action.type === 'selftest') {
    if (request.state === 'succeeded') return `${what} passed: every step worked, and nothing it created is left in the tenant.`;
  } else if (request.state === 'succeeded') {
    const { target } = action;
    const named = target.name && target.name !== target.id ? `${target.name} (${target.id})` : target.id;
    return `${what} ${DONE[action.type]} ${named}.`;
  }
  if (request.state === 'rejected') {
    const reason = request.rejection?.reason;
    return `${what} was rejected by ${request.rejection ? personName(request.rejection.by) : 'an approver'}${reason ? `: "${plainText(clip(reason, 200))}"` : '.'}`;
  }
  return `${what} failed: ${request.execution?.failure ?? 'see the card'}`;
}

/** Items per page of a bulk request's card: 100 items with their results stay far below Teams' 100 KB. */
export const BULK_ITEMS_PER_PAGE = 25;

/** "45 deleted items: 40 users, 5 groups". */
function bulkSummary(action: BulkRestoreAction): string {
  const counts = new Map<string, number>();
  for (const item of action.items) counts.set(item.kind, (counts.get(item.kind) ?? 0) + 1);
  const parts = [...counts].map(([kind, n]) => `${n} ${n === 1 ? kindById(kind as TargetItem['kind']).label : kindById(kind as TargetItem['kind']).plural}`);
  return `${action.target.name}: ${parts.join(', ')}`;
}

/** One page of the items, grouped by kind, each with its result once it ran. */
function itemGroups(action: BulkRestoreAction, request: ChangeRequest, page: number) {
  const results = new Map<string, StepResult[]>();
  for (const step of request.execution?.steps ?? []) {
    const key = `${step.item.kind}/${step.item.id.toLowerCase()}`;
    results.set(key, [...(results.get(key) ?? []), step]);
  }
  const shown = action.items.slice(page * BULK_ITEMS_PER_PAGE, (page + 1) * BULK_ITEMS_PER_PAGE);
  const groups: { title: string; facts: { label: string; value: string }[] }[] = [];
  for (const item of shown) {
    const title = capitalise(kindById(item.kind).plural);
    let group = groups.find((g) => g.title === title);
    if (!group) groups.push((group = { title, facts: [] }));
    const steps = results.get(`${item.kind}/${item.id.toLowerCase()}`) ?? [];
    const outcome = steps.length === 0 ? (request.state === 'pending' ? item.id : 'not run') : steps.map(itemOutcome).join(' · ');
    group.facts.push({ label: clip(item.name, 120), value: clip(outcome, 700) });
  }
  return groups;
}

function itemOutcome(step: StepResult): string {
  const what = step.step === 'restore' ? '' : `${step.step}: `;
  const outcome = step.outcome === 'done' ? 'restored' : step.outcome === 'skipped' ? `skipped (${step.message ?? 'already restored'})` : `failed: ${step.message ?? step.code ?? 'error'}`;
  // A long Graph message is cut, never the request-id after it.
  return `${what}${clip(step.step === 'restore' ? outcome : outcome.replace('restored', 'done'), 300)}${step.requestId ? ` · request-id ${clip(step.requestId, 60)}` : ''}`;
}

function itemsPaging(action: BulkRestoreAction, page: number) {
  const pageCount = Math.max(1, Math.ceil(action.items.length / BULK_ITEMS_PER_PAGE));
  const index = Math.min(Math.max(0, page), pageCount - 1);
  return { show: pageCount > 1, page: index + 1, pageCount, hasPrevious: index > 0, hasNext: index + 1 < pageCount, previousPage: index - 1, nextPage: index + 1 };
}

/**
 * How much of each free text a request card shows, widest first: a card that would not fit
 * Teams' message budget (cards.ts) is rendered again with the next, narrower one. Real requests
 * fit the first; twenty dependencies that each failed with a long message need the others.
 */
const REQUEST_BUDGETS = [
  { stepName: STEP_NAME_MAX, stepValue: 400, text: 500, value: 300 },
  { stepName: 120, stepValue: 160, text: 300, value: 160 },
  { stepName: 60, stepValue: 80, text: 160, value: 80 },
];
type RequestBudget = (typeof REQUEST_BUDGETS)[number];

export function requestCard(request: ChangeRequest, viewer: RequestViewer, ctx: ViewContext & { refreshUserIds?: string[]; note?: string; itemsPage?: number }): AdaptiveCardJson {
  let card: AdaptiveCardJson | undefined;
  for (const budget of REQUEST_BUDGETS) {
    card = renderRequest(request, viewer, ctx, budget);
    if (cardBytes(card) < MAX_CARD_BYTES) break;
  }
  return card!;
}

function renderRequest(request: ChangeRequest, viewer: RequestViewer, ctx: ViewContext & { refreshUserIds?: string[]; note?: string; itemsPage?: number }, budget: RequestBudget): AdaptiveCardJson {
  const { action } = request;
  const pending = request.state === 'pending';
  const restore = action.type === 'restore' ? action : undefined;
  const bulk = action.type === 'restore.bulk' ? action : undefined;
  const revert = action.type === 'revert' ? action : undefined;
  const recreate = action.type === 'recreate' ? action : undefined;
  const partner = action.type === 'partner.add' || action.type === 'partner.set' || action.type === 'partner.remove' ? action : undefined;
  const selfTest = action.type === 'selftest' ? action : undefined;
  const target = bulk ? undefined : targetOf(action);
  const facts = [
    { label: 'What', value: whatOf(action) },
    ...(target ? [{ label: 'Id', value: target.id }] : []),
    { label: 'Requested by', value: `${personName(request.requester)} at ${isoToText(request.createdAt)}` },
    { label: 'Why', value: request.reason ? plainText(clip(request.reason, budget.value)) : '(no reason given)' },
  ];
  if (restore?.target.kind === 'ca') facts.push({ label: 'Restore into', value: resultingStateText(restore) });
  if (restore?.newUserPrincipalName) facts.push({ label: 'Comes back as', value: `${restore.newUserPrincipalName} (new user principal name)` });
  if (bulk?.items.some((item) => item.kind === 'ca')) facts.push({ label: 'CA policies come back', value: bulk.reportOnly ? 'Report-only (nothing enforced until switched on)' : 'In the state each was deleted in' });
  if (recreate) facts.push(...recreateFacts(recreate, request));
  if (pending) facts.push({ label: 'Expires', value: isoToText(request.expiresAt) });
  if (pending && restore) facts.push({ label: 'Purged for good', value: `${isoToText(restore.purgesAt)} (${daysText(restore.purgesAt, ctx)})` });
  if (request.approvals.length > 0) facts.push({ label: 'Approved by', value: names(request) });
  if (request.lapsedApprovals?.length) facts.push({ label: 'No longer counted', value: clip(request.lapsedApprovals.map((a) => `${personName(a.by)} (${a.reason})`).join(', '), budget.value) });
  const status = STATUS[request.state];
  const card = renderCard('request', {
    footer: ctx.footer,
    title: capitalise(requestTitle(request)),
    requestId: request.id,
    status: status.text(request),
    statusColor: status.color,
    selfApproval: request.selfApprovalAllowed,
    facts,
    changes: revert
      ? revert.lines.slice(0, 20).map((line) => ({ label: clip(line.split(': ')[0], 60), value: clip(line.split(': ').slice(1).join(': ') || line, budget.value) }))
      : (partner?.changes ?? []).map((change) => ({ label: clip(change.label, 60), value: clip(`${change.from} → ${change.to}`, budget.value) })),
    carried: (partner?.carried ?? []).map((value) => ({ label: clip(value.label, 60), value: clip(value.value, budget.value) })),
    dependencies: restore ? restore.dependencies.map(describe) : [],
    blockers: pending ? action.blockers : [],
    // The approver reads exactly what the self-test will do in the tenant; once it has run, its steps say what it did.
    plan: pending || request.state === 'executing' ? (selfTest ? selfTest.plan : recreate ? recreatePlan(recreate) : []).map((line, index) => `${index + 1}. ${line}`) : [],
    steps: bulk ? [] : (request.execution?.steps ?? []).map((step) => (selfTest ? selfTestStepFact(step) : stepFact(step, budget))),
    itemGroups: bulk ? itemGroups(bulk, request, ctx.itemsPage ?? 0) : [],
    leftOut: bulk ? bulk.leftOut.slice(0, 20).map((why) => clip(why, 300)) : [],
    itemsPaging: bulk ? itemsPaging(bulk, ctx.itemsPage ?? 0) : { show: false, page: 1, pageCount: 1, hasPrevious: false, hasNext: false, previousPage: 0, nextPage: 0 },
    failure: request.state === 'failed' ? clip(request.execution?.failure ?? 'The change failed.', budget.text) : '',
    hint: request.state === 'failed' ? clip(request.execution?.hint ?? 'Check the item in the Entra admin center, then ask again if it is still needed.', budget.text) : '',
    note: clip(ctx.note ?? '', budget.text),
    recreateOffer: request.state === 'failed' && request.execution?.recreateOffer ? { show: true, id: request.execution.recreateOffer.id } : { show: false, id: '' },
    canDecide: pending && viewer.canDecide,
    canCancel: pending && viewer.canCancel,
  });
  if (pending || request.state === 'executing') {
    // Teams asks the bot for each viewer's version of the card (the server decides who gets
    // buttons), so even a copy the bot does not track, such as one opened from `pending`,
    // shows the stored request whenever it is viewed, until the request has ended.
    const userIds = (ctx.refreshUserIds ?? []).slice(0, MAX_REFRESH_USERS);
    card.refresh = {
      action: { type: 'Action.Execute', title: 'Refresh', verb: 'request.refresh', data: { requestId: request.id } },
      ...(userIds.length > 0 ? { userIds } : {}),
    };
  }
  return card;
}

const CA_STATE_WORDS: Record<string, string> = { enabled: 'On (enforced)', disabled: 'Off', enabledForReportingButNotEnforced: 'Report-only' };

/** What a recreate costs and what it creates, said plainly; once done, the new ids. */
function recreateFacts(action: RecreateAction, request: ChangeRequest): { label: string; value: string }[] {
  const facts = [
    action.keepsId
      ? {
          label: 'Same id',
          value: `A partner configuration is keyed by the partner's tenant id, so it comes back under the same id (${action.target.id}): nothing that refers to it needs updating. Its settings are those of the stored version, not any made after the bot last saw it.`,
        }
      : {
          label: 'New object id',
          value: `Entra gives the recreated object a new id. References to the old id ${action.target.id} elsewhere (scripts, exports, other tools) are not updated.`,
        },
  ];
  if (action.referencedBy) {
    facts.push({
      label: 'CA policies to update',
      value:
        action.referencedBy.length === 0
          ? 'None: no Conditional Access policy the bot has seen required this strength in its last version.'
          : clip(
              `These require the old strength id ${action.target.id} in their last stored version; Entra will not point them at the new one, so update each after the recreate (grant control "Require authentication strength"): ${action.referencedBy.map((p) => `${p.name} (${p.id}${p.live ? '' : ', not live'})`).join(' · ')}.`,
              900,
            ),
    });
  }
  if (action.target.kind === 'ca') {
    const stored = action.storedState === undefined ? 'its stored state was not recorded' : (CA_STATE_WORDS[action.storedState] ?? action.storedState);
    facts.push({ label: 'Created in', value: action.reportOnly ? 'Report-only (nothing enforced until switched on)' : `${stored}, as stored` });
  }
  if (action.stillInBinUntil) {
    facts.push({ label: 'Old object', value: `Still in the recycle bin until ${isoToText(action.stillInBinUntil)}: the recreated copy is a separate object.` });
  }
  const created = action.keepsId ? [] : (request.execution?.created ?? []);
  if (created.length > 0) facts.push({ label: 'New ids', value: clip(created.map((item) => `${item.name}: ${item.id}`).join(' · '), 500) });
  return facts;
}

/** What the approver approves: each POST, in order. */
function recreatePlan(action: RecreateAction): string[] {
  if (action.target.kind === 'partners') {
    const lines = [`Create the partner configuration for tenant ${action.target.id} (POST …/crossTenantAccessPolicy/partners) from its stored version ${action.object.version}: ${Object.keys(action.object.body).filter((name) => name !== 'tenantId').join(', ') || 'no settings beyond the tenant id'}.`];
    if (action.identitySync) lines.push(`Set its identity-sync policy (PUT …/partners/${action.target.id}/identitySynchronization) from its stored version ${action.identitySync.version}.`);
    else lines.push('No identity-sync policy: the bot has no stored one that was there when the partner went.');
    return lines;
  }
  if (action.target.kind === 'strengths') {
    const combinations = Array.isArray(action.object.body.allowedCombinations) ? action.object.body.allowedCombinations.length : 0;
    return [`Create the custom authentication strength "${clip(action.target.name, 120)}" (POST …/authenticationStrengthPolicies) from its stored version ${action.object.version}, with its ${combinations} allowed combination${combinations === 1 ? '' : 's'}.`];
  }
  const lines = action.dependencies.map(
    (dependency) => `Create the ${kindWords(dependency.item.kind).label} "${clip(dependency.item.name, 120)}" from its stored version ${dependency.version} (old id ${dependency.item.id}, gone for good).`,
  );
  const state = action.target.kind === 'ca' ? (action.reportOnly ? ' in report-only' : ' in its stored state') : '';
  const using = action.dependencies.length > 0 ? ', naming the new ids of the locations above instead of the old ones' : '';
  lines.push(`Create the ${kindWords(action.target.kind).label} "${clip(action.target.name, 120)}"${state} from its stored version ${action.object.version}${using}.`);
  return lines;
}

/** The short notice an approver gets in their personal chat; Open shows the request as it is now. */
export function requestNoticeCard(request: ChangeRequest, ctx: ViewContext): AdaptiveCardJson {
  const { action } = request;
  const what =
    action.type === 'restore.bulk'
      ? `restore ${bulkSummary(action)}`
      : action.type === 'restore'
        ? `restore ${describe(action.target)}`
        : action.type === 'revert'
          ? `revert ${describe(action.target)} to version ${action.version}`
          : action.type === 'recreate'
            ? `recreate ${describe(action.target)} as a new object`
            : action.type === 'selftest'
            ? 'run the self-test in this tenant'
            : `${PARTNER_VERBS[action.type]} (partner ${action.target.id})`;
  return renderCard('requestNotice', {
    footer: ctx.footer,
    requestId: request.id,
    headline: `${personName(request.requester)} asks to ${what} (${request.id}).`,
    detail: `${request.reason ? `Why: ${plainText(clip(request.reason, 200))}. ` : ''}It needs ${request.requiredApprovals} approval${request.requiredApprovals === 1 ? '' : 's'} before ${isoToText(request.expiresAt)}.`,
  });
}

/** Told to someone asking in a personal chat while no approvals conversation is set. */
export const NO_APPROVER_SEES_IT =
  'No approver can see this request yet: the team has no approvals conversation. An approver sets one up by typing `approvals here` in the team\'s channel (or a group chat of approvers); until then, an approver can open it from `pending`.';

function stepFact(step: StepResult, budget: RequestBudget) {
  const outcome = step.outcome === 'done' ? `Done${step.message ? ` (${step.message})` : ''}` : step.outcome === 'skipped' ? `Skipped (${step.message ?? 'not needed'})` : `Failed: ${step.message ?? step.code ?? 'error'}`;
  const requestId = step.requestId ? ` · request-id ${step.requestId}` : '';
  // Label and value wrap on their own lines, so a long name is shown whole up to the name limit
  // (unless the card would not fit otherwise); the request-id is never cut off.
  return { label: `${capitalise(step.step)} ${clip(step.item.name, budget.stepName)}`, value: clip(outcome, Math.max(20, budget.stepValue - requestId.length)) + requestId };
}

/** A self-test step: ✓ done, ✗ failed, ⚠ a soft step that found nothing yet; what it did, Graph's request-id and how long it took. */
function selfTestStepFact(step: StepResult) {
  const mark = step.outcome === 'done' ? '✓' : step.outcome === 'failed' ? '✗' : '⚠';
  const parts = [step.message ?? step.outcome, step.requestId && `request-id ${step.requestId}`, step.durationMs !== undefined && durationText(step.durationMs)];
  return { label: `${mark} ${selfTestStepWords(step)}`, value: clip(parts.filter(Boolean).join(' · '), 400) };
}

const durationText = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

export function pendingCard(requests: ChangeRequest[], ctx: ViewContext): AdaptiveCardJson {
  const shown = requests.slice(0, 15);
  return renderCard('pendingList', {
    footer: ctx.footer,
    rows: shown.map((r) => ({
      requestId: r.id,
      what: whatOf(r.action),
      detail: `Asked by ${personName(r.requester)} at ${isoToText(r.createdAt)} · ${r.approvals.length} of ${r.requiredApprovals} approvals · expires ${isoToText(r.expiresAt)}`,
    })),
    more: requests.length - shown.length,
  });
}

/** Widest first, as for request cards; then the oldest entries make way, and the card says how many. */
const AUDIT_BUDGETS = [
  { headline: 200, detail: 400 },
  { headline: 120, detail: 200 },
  { headline: 80, detail: 100 },
];

export function auditCard(entries: AuditEntry[], ctx: ViewContext): AdaptiveCardJson {
  let card: AdaptiveCardJson | undefined;
  for (const budget of AUDIT_BUDGETS) {
    card = renderAudit(entries, entries.length, ctx, budget);
    if (cardBytes(card) < MAX_CARD_BYTES) return card;
  }
  for (let shown = entries.length - 1; shown > 0 && cardBytes(card!) >= MAX_CARD_BYTES; shown--) card = renderAudit(entries, shown, ctx, AUDIT_BUDGETS[AUDIT_BUDGETS.length - 1]);
  return card!;
}

function renderAudit(entries: AuditEntry[], shown: number, ctx: ViewContext, budget: (typeof AUDIT_BUDGETS)[number]): AdaptiveCardJson {
  return renderCard('audit', {
    footer: ctx.footer,
    omitted: entries.length - shown,
    rows: entries.slice(0, shown).map((entry) => {
      const actor = entry.actor ? personName(entry.actor as Actor) : undefined;
      const target = entry.target as TargetItem | undefined;
      const headline = [isoToText(entry.at), entry.action, entry.requestId].filter(Boolean).join(' · ');
      const where = (entry.where as Where | undefined)?.conversationType;
      const parts = [
        actor && `by ${actor}`,
        target && describe(target),
        typeof entry.state === 'string' && `now ${entry.state}`,
        typeof entry.attempted === 'string' && `tried to ${entry.attempted}`,
        typeof entry.refusal === 'string' && `refused: ${entry.refusal}`,
        where && `in a ${CONVERSATION_WORDS[where] ?? 'conversation'}`,
      ];
      const steps = Array.isArray(entry.steps) ? (entry.steps as StepResult[]).map((s) => `${s.step} ${s.outcome}${s.requestId ? ` (request-id ${s.requestId})` : ''}`) : [];
      return { headline: clip(headline, budget.headline), detail: clip([...parts.filter(Boolean), ...steps].join(' · ') || ' ', budget.detail) };
    }),
  });
}

const CONVERSATION_WORDS: Record<string, string> = { personal: 'personal chat', groupChat: 'group chat', channel: 'channel' };
