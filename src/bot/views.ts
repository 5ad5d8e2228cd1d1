import { COMMANDS, type ExampleIds } from '../core/commands';
import type { Actor } from '../core/access';
import { KINDS, POLICY_KINDS, REQUIRED_PERMISSIONS, kindById } from '../core/kinds';
import { RETENTION_DAYS, type DeletedItem, type KindId } from '../core/model';
import { capitalise, clip, formatDate as formatDateOrUndefined } from '../core/summaries';
import { pageOf, type DeletedListing, type ItemDetails, type Page } from '../core/recycleBin';
import { GraphFailure } from '../graph/errors';
import type { GraphProbe } from '../graph/gateway';
import type { PollerState } from '../core/alertPoller';
import type { SelfTestResult } from '../core/selfTest';
import { AUDIT_REFUSED, NOT_IN_AUDIT_LOG } from '../core/mirror';
import { cardBytes, MAX_CARD_BYTES, renderCard, type AdaptiveCardJson } from './cards';

/**
 * Turns domain results into the data the card templates bind to. Every string that
 * comes from a tenant is clipped so that no card can outgrow Teams' message limit.
 */

export interface ViewContext {
  /** Shown at the foot of every card; says when the tenant is simulated. */
  footer: string;
  /** The product's clock: what "days left" counts from. */
  now: () => Date;
}

/** Where a card's data came from: Graph just now, or the mirror the last poll cycle wrote. */
export type ReadSource = { live: true } | { live: false; asOf: Date };

/** "as of 12 s ago" for data read from the mirror; empty for a live read. */
export function asOfText(source: ReadSource, now: Date): string {
  if (source.live) return '';
  const seconds = Math.max(0, Math.round((now.getTime() - source.asOf.getTime()) / 1000));
  const age = seconds < 90 ? `${seconds} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;
  return `As of ${age} ago, from the bot's last check of the recycle bin. Refresh reads Microsoft Graph now.`;
}

/** Who deleted an item, as a phrase after "deleted <date>". */
export function deletedByText(deletedBy: string | undefined): string {
  if (!deletedBy) return '';
  const unknown = deletedBy === NOT_IN_AUDIT_LOG || deletedBy === AUDIT_REFUSED;
  return unknown ? `who deleted it: ${deletedBy}` : `by ${plainText(clip(deletedBy, 120))}`;
}

const NAME_MAX = 160;
const VALUE_MAX = 400;

/**
 * Text a person typed (a reason) or a client sent (a name), shown as plain text: markdown
 * link and image syntax is broken with a zero-width space, so a card never carries a link
 * the bot did not write.
 */
export function plainText(text: string): string {
  return text.replace(/\]\s*\(/g, ']\u200b(').replace(/!\[/g, '!\u200b[').replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›'));
}

/** A person as records show them; a name the directory did not confirm says so. */
export function personName(actor: Pick<Actor, 'name' | 'nameSource'>): string {
  const name = plainText(clip(actor.name, 80));
  return actor.nameSource === 'client' ? `${name} (name sent by Teams, unverified)` : name;
}

export const formatDate = (date: Date): string => formatDateOrUndefined(date) ?? 'unknown date';

/** "11–20 of 34": which rows of the whole a page shows. */
export function pageRangeText(page: Page<unknown>): string {
  return `${page.offset + 1}–${page.offset + page.rows.length} of ${page.total}`;
}

export function daysLeftText(days: number): string {
  if (days <= 0) return 'last day';
  return days === 1 ? '1 day left' : `${days} days left`;
}

/** Red only when the purge is close; Teams' yellow (Warning) is hard to read on a light theme, so nothing uses it. */
function daysLeftColor(days: number): string {
  return days <= 3 ? 'Attention' : 'Default';
}

function itemSummary(item: DeletedItem) {
  return {
    kind: item.kind,
    id: item.id,
    name: clip(item.name || item.id, NAME_MAX),
    kindLabel: capitalise(kindById(item.kind).label),
    deleted: formatDate(item.deletedAt),
    deletedBy: deletedByText(item.deletedBy),
    daysLeftText: daysLeftText(item.daysLeft),
    daysLeftColor: daysLeftColor(item.daysLeft),
  };
}


export function helpCard(ctx: ViewContext, exampleIds: ExampleIds): AdaptiveCardJson {
  return renderCard('help', {
    footer: ctx.footer,
    commands: COMMANDS.map((c) => ({ usage: c.usage, description: c.description, example: c.example(exampleIds) })),
    kinds: [
      ...KINDS.map((k) => ({ words: k.aliases.join(', '), label: capitalise(k.plural) })),
      { words: 'all', label: `The policy kinds (the default): ${POLICY_KINDS.map((k) => k.aliases[0]).join(', ')}` },
      { words: 'everything', label: 'Every kind above, the directory recycle bin included' },
    ],
  });
}

export interface ListQuery {
  /** One kind, the policy kinds (`all`), or every kind (`everything`). */
  kind: KindId | 'all' | 'everything';
  search: string;
}

const LIST_TITLES: Record<'all' | 'everything', string> = { all: 'Deleted policies and partners', everything: 'Everything in the recycle bins' };

/** The kinds a list query covers. */
export function kindsOf(query: Pick<ListQuery, 'kind'>): KindId[] {
  if (query.kind === 'all') return POLICY_KINDS.map((k) => k.id);
  if (query.kind === 'everything') return KINDS.map((k) => k.id);
  return [query.kind];
}

/** At most this many items go in one bulk request, and a card offers no more Select toggles than a page holds. */
export const SELECT_PREFIX = 'select-';

export function listCard(listing: DeletedListing, query: ListQuery, requestedPage: number, ctx: ViewContext, source: ReadSource = { live: true }): AdaptiveCardJson {
  const page = pageOf(listing.items, requestedPage);
  const what = query.kind === 'all' || query.kind === 'everything' ? LIST_TITLES[query.kind] : `Deleted ${kindById(query.kind).plural}`;
  const note = query.kind === 'all' || query.kind === 'everything' ? undefined : kindById(query.kind).listNote;
  const search = clip(query.search, 100);
  const shown = page.total === 0 ? 'nothing' : pageRangeText(page);
  return renderCard('deletedList', {
    footer: ctx.footer,
    title: search ? `${what} matching "${search}"` : what,
    subtitle: `Newest deletion first · showing ${shown} · items are purged ${RETENTION_DAYS} days after deletion`,
    warnings: listing.failures.map((f) => describeError(f.error)),
    note: note ?? '',
    emptyText: search ? `No deleted item matches "${search}".` : 'The recycle bin is empty.',
    rows: page.rows.map((item, index) => ({ ...itemSummary(item), selectId: `${SELECT_PREFIX}${index}`, selectValue: `${item.kind}:${item.id}` })),
    canSelect: page.rows.length > 0,
    page: page.index + 1,
    pageCount: page.count,
    hasPrevious: page.index > 0,
    hasNext: page.index + 1 < page.count,
    asOf: asOfText(source, ctx.now()),
    thisPage: page.index,
    previousPage: page.index - 1,
    nextPage: page.index + 1,
    kindParam: query.kind,
    search: query.search,
  });
}

/** Value length and fact-count limits, tried in order until the card fits Teams' limit. */
const DETAIL_BUDGETS = [
  { valueMax: VALUE_MAX, factsPerSection: 60 },
  { valueMax: 200, factsPerSection: 30 },
  { valueMax: 100, factsPerSection: 15 },
  { valueMax: 60, factsPerSection: 8 },
];

export function detailsCard(details: ItemDetails, ctx: ViewContext, source: ReadSource = { live: true }): AdaptiveCardJson {
  let card: AdaptiveCardJson | undefined;
  for (const budget of DETAIL_BUDGETS) {
    card = renderDetails(details, ctx, source, budget.valueMax, budget.factsPerSection);
    if (cardBytes(card) < MAX_CARD_BYTES) break;
  }
  return card!;
}

function renderDetails(details: ItemDetails, ctx: ViewContext, source: ReadSource, valueMax: number, factsPerSection: number): AdaptiveCardJson {
  const { item } = details;
  const kind = kindById(item.kind);
  return renderCard('details', {
    footer: ctx.footer,
    ...itemSummary(item),
    deletedByFact: item.deletedBy ? plainText(clip(item.deletedBy, 120)) : '',
    asOf: asOfText(source, ctx.now()),
    idLabel: kind.key === 'tenantId' ? 'Tenant id' : 'Object id',
    warnings: details.failures.map((f) => describeError(f.error)),
    sections: details.sections.slice(0, 12).map((section) => {
      const facts = section.facts.slice(0, factsPerSection).map((fact) => ({ label: clip(fact.label, 60), value: clip(fact.value, valueMax) }));
      const hidden = section.facts.length - facts.length;
      if (hidden > 0) facts.push({ label: 'More', value: `${hidden} more not shown here; see the Entra admin center` });
      return { title: clip(section.title, NAME_MAX), facts };
    }),
    references: [
      ...details.references.map((ref) => ({
        label: clip(`${capitalise(kindById(ref.kind).label)}: ${ref.deleted?.name ?? ref.name ?? ref.id}`, 80),
        value: ref.deleted
          ? `Deleted too (${daysLeftText(ref.deleted.daysLeft)}): it must be restored first · ${ref.id}`
          : `Not in the recycle bin · ${ref.id}`,
      })),
      ...(details.companions ?? []).map((companion) => ({
        label: clip(`${capitalise(kindById(companion.kind).label)}: ${companion.name}`, 80),
        value: `Deleted too (${daysLeftText(companion.daysLeft)}), restored separately: restore both with \`restore ${item.id} ${companion.id}\``,
      })),
    ],
  });
}

/** Asks which item an ambiguous id means; each button leads to `verb` (details or restore). */
export function chooseKindCard(id: string, items: DeletedItem[], ctx: ViewContext, verb = 'item.show'): AdaptiveCardJson {
  return renderCard('chooseKind', {
    footer: ctx.footer,
    id,
    verb,
    choices: items.map((item) => ({
      kind: item.kind,
      id: item.id,
      title: clip(`${capitalise(kindById(item.kind).label)}: ${item.name}`, 60),
    })),
  });
}

export interface StatusFacts {
  mode: 'demo' | 'tenant';
  unauthenticatedBot: boolean;
  configuredTenantId?: string;
  probe: GraphProbe;
  alerts: { pollSeconds: number; state: PollerState };
  /** The last `selftest` result; 'unreadable' when the state store could not be read. */
  selfTest?: SelfTestResult | 'unreadable';
}

/** The last self-test in one line: passed or failed (at which step), when, by which request. */
export function selfTestText(result: SelfTestResult | 'unreadable' | undefined): string {
  if (result === 'unreadable') return 'Unknown: the state store could not be read.';
  if (!result) return 'Never run. An approver types `selftest` to prove in this tenant that the bot can delete, find, restore and purge.';
  const who = `request ${result.requestId}, asked by ${personName(result.requestedBy)}${result.approvedBy.length ? `, approved by ${result.approvedBy.map(personName).join(', ')}` : ''}`;
  const when = formatDate(new Date(result.finishedAt));
  if (result.passed) return `Passed, ${when} (${who}): every step worked.`;
  const where = result.failedStep ? ` at "${result.failedStep}"` : '';
  return clip(`Failed${where}, ${when} (${who}): ${plainText(result.failure)}`, VALUE_MAX);
}

export function statusCard(status: StatusFacts, ctx: ViewContext): AdaptiveCardJson {
  const { probe } = status;
  const granted = new Set(probe.claims?.roles ?? []);
  const facts = [
    { label: 'Mode', value: status.mode === 'demo' ? 'Demo (simulated tenant)' : 'Connected to a tenant' },
    { label: 'Tenant', value: probe.claims?.tenantId ?? status.configuredTenantId ?? 'unknown' },
    { label: 'Graph endpoint', value: probe.endpoint },
    { label: 'Graph answers', value: probe.reachable ? 'Yes' : 'No' },
    { label: 'Inbound requests', value: inboundAuthText(status) },
  ];
  if (probe.claims?.appId) facts.push({ label: 'App (client) id', value: probe.claims.appId });
  const { pollSeconds, state } = status.alerts;
  const lastCheck = state.lastCycleAt ? `last check ${formatDate(new Date(state.lastCycleAt))}` : 'no check yet';
  facts.push({ label: 'Deletion alerts', value: pollSeconds === 0 ? 'Off (ALERT_POLL_SECONDS=0)' : `Every ${pollSeconds} s, ${lastCheck}${state.lastError ? `; last check failed: ${state.lastError}` : ''}` });
  facts.push({ label: 'Who deleted it', value: state.auditAvailable ? 'From the directory audit log' : 'Unavailable: AuditLog.Read.All is missing, so alerts say "unknown"' });
  facts.push({ label: 'Last self-test', value: selfTestText(status.selfTest) });
  return renderCard('status', {
    footer: ctx.footer,
    securityWarning: status.unauthenticatedBot
      ? 'Requests are NOT authenticated (ALLOW_UNAUTHENTICATED_BOT=true): anyone who can reach this bot can act as any user, approvers included. Set BOT_ID and BOT_PASSWORD before real use.'
      : '',
    facts,
    warnings: probe.failure ? [describeError(probe.failure)] : [],
    permissions: REQUIRED_PERMISSIONS.map(({ permission, purpose }) => {
      const present = granted.has(permission);
      return {
        permission,
        purpose: present ? `Present: ${purpose}` : `Missing: needed to ${purpose}`,
        mark: present ? '✓' : '✗',
        color: present ? 'Good' : 'Attention',
      };
    }),
  });
}

function inboundAuthText(status: StatusFacts): string {
  if (status.unauthenticatedBot) return 'NOT authenticated (ALLOW_UNAUTHENTICATED_BOT=true)';
  return status.mode === 'demo' ? 'Not authenticated (demo mode)' : 'Signed by the Bot Framework (BOT_ID)';
}

export function failureCard(failure: GraphFailure, ctx: ViewContext): AdaptiveCardJson {
  const facts = [{ label: 'Graph error', value: failure.code }];
  if (failure.status) facts.push({ label: 'HTTP status', value: String(failure.status) });
  if (failure.requestId) facts.push({ label: 'Request id', value: failure.requestId });
  return renderCard('failure', {
    footer: ctx.footer,
    operation: failure.operation,
    detail: clip(failure.detail, VALUE_MAX),
    facts,
    hint: failure.hint ?? '',
  });
}

/** One line for a warning: what failed, the code, the request-id and the fix. */
export function describeError(error: unknown): string {
  if (!(error instanceof GraphFailure)) return 'Something went wrong on my side; the details are in the bot log.';
  const parts = [`Could not ${error.operation}: ${error.code}${error.status ? ` (HTTP ${error.status})` : ''}`];
  if (error.requestId) parts.push(`request-id ${error.requestId}`);
  const line = parts.join(', ') + '.';
  return clip(error.hint ? `${line} ${error.hint}` : line, VALUE_MAX);
}
