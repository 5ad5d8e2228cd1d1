import { describeState, requestNoun, type ChangeRequest, type PartnerAction, type RestoreAction, type StepResult, type TargetItem } from '../core/approvals';
import type { AuditEntry } from '../store/port';
import type { Actor, Where } from '../core/access';
import { kindById } from '../core/kinds';
import { daysUntilPurge } from '../core/model';
import { resultingStateText } from '../core/restores';
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

const describe = (item: TargetItem) => `${capitalise(kindById(item.kind).label)} "${clip(item.name, 120)}"`;
const isoToText = (iso: string) => formatDate(new Date(iso));

export function restoreFormCard(action: RestoreAction, ctx: ViewContext): AdaptiveCardJson {
  const target = action.target;
  return renderCard('restoreForm', {
    footer: ctx.footer,
    kind: target.kind,
    id: target.id,
    canReportOnly: target.kind === 'ca',
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

const STATUS: Record<ChangeRequest['state'], { text: (r: ChangeRequest) => string; color: string }> = {
  pending: { text: (r) => `Waiting for approval (${r.approvals.length} of ${r.requiredApprovals})`, color: 'Warning' },
  executing: { text: (r) => `Approved by ${names(r)}. ${r.action.type === 'restore' ? 'Restoring…' : 'Applying…'}`, color: 'Accent' },
  succeeded: { text: (r) => `${r.action.type === 'restore' ? 'Restored' : 'Done'}. Approved by ${names(r)}.`, color: 'Good' },
  failed: { text: (r) => (r.action.type === 'restore' ? 'The restore failed.' : 'The change failed.'), color: 'Attention' },
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

const DONE: Record<ChangeRequest['action']['type'], string> = {
  restore: 'restored',
  'partner.add': 'added the partner configuration for',
  'partner.set': 'changed the partner settings of',
  'partner.remove': 'removed the partner configuration of',
};

const requestTitle = (request: ChangeRequest) => `${requestNoun(request)} request ${request.id}`;

/** The line that tells the requester how their request ended (after a mention of them). */
export function outcomeNotice(request: ChangeRequest): string {
  const what = `your ${requestTitle(request)}`;
  const { target } = request.action;
  const named = target.name && target.name !== target.id ? `${target.name} (${target.id})` : target.id;
  if (request.state === 'succeeded') return `${what} ${DONE[request.action.type]} ${named}.`;
  if (request.state === 'rejected') {
    const reason = request.rejection?.reason;
    return `${what} was rejected by ${request.rejection ? personName(request.rejection.by) : 'an approver'}${reason ? `: "${plainText(clip(reason, 200))}"` : '.'}`;
  }
  return `${what} failed: ${request.execution?.failure ?? 'see the card'}`;
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

export function requestCard(request: ChangeRequest, viewer: RequestViewer, ctx: ViewContext & { refreshUserIds?: string[]; note?: string }): AdaptiveCardJson {
  let card: AdaptiveCardJson | undefined;
  for (const budget of REQUEST_BUDGETS) {
    card = renderRequest(request, viewer, ctx, budget);
    if (cardBytes(card) < MAX_CARD_BYTES) break;
  }
  return card!;
}

function renderRequest(request: ChangeRequest, viewer: RequestViewer, ctx: ViewContext & { refreshUserIds?: string[]; note?: string }, budget: RequestBudget): AdaptiveCardJson {
  const { action } = request;
  const pending = request.state === 'pending';
  const restore = action.type === 'restore' ? action : undefined;
  const partner = action.type === 'restore' ? undefined : action;
  const facts = [
    { label: 'What', value: partner ? `Cross-tenant partner ${clip(partner.target.name, 120)}: ${PARTNER_VERBS[partner.type]}` : describe(action.target) },
    { label: 'Id', value: action.target.id },
    { label: 'Requested by', value: `${personName(request.requester)} at ${isoToText(request.createdAt)}` },
    { label: 'Why', value: request.reason ? plainText(clip(request.reason, budget.value)) : '(no reason given)' },
  ];
  if (restore?.target.kind === 'ca') facts.push({ label: 'Restore into', value: resultingStateText(restore) });
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
    changes: (partner?.changes ?? []).map((change) => ({ label: clip(change.label, 60), value: clip(`${change.from} → ${change.to}`, budget.value) })),
    carried: (partner?.carried ?? []).map((value) => ({ label: clip(value.label, 60), value: clip(value.value, budget.value) })),
    dependencies: restore ? restore.dependencies.map(describe) : [],
    blockers: pending ? action.blockers : [],
    steps: (request.execution?.steps ?? []).map((step) => stepFact(step, budget)),
    failure: request.state === 'failed' ? clip(request.execution?.failure ?? 'The change failed.', budget.text) : '',
    hint: request.state === 'failed' ? clip(request.execution?.hint ?? 'Check the item in the Entra admin center, then ask again if it is still needed.', budget.text) : '',
    note: clip(ctx.note ?? '', budget.text),
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

/** The short notice an approver gets in their personal chat; Open shows the request as it is now. */
export function requestNoticeCard(request: ChangeRequest, ctx: ViewContext): AdaptiveCardJson {
  const what = request.action.type === 'restore' ? `restore ${describe(request.action.target)}` : `${PARTNER_VERBS[request.action.type]} (partner ${request.action.target.id})`;
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

export function pendingCard(requests: ChangeRequest[], ctx: ViewContext): AdaptiveCardJson {
  const shown = requests.slice(0, 15);
  return renderCard('pendingList', {
    footer: ctx.footer,
    rows: shown.map((r) => ({
      requestId: r.id,
      what: describe(r.action.target),
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

export function stateSentence(request: ChangeRequest): string {
  return `Request ${request.id} is ${describeState(request)}.`;
}
