import type { AlertCard } from '../core/alertPoller';
import type { ChangeEvent, HistoryIndex, StoredVersion } from '../core/history';
import type { DetailSection } from '../core/model';
import { capitalise, clip } from '../core/summaries';
import { trackedKind } from '../core/trackedKinds';
import { cardBytes, MAX_CARD_BYTES, renderCard, type AdaptiveCardJson } from './cards';
import { formatDate, type ViewContext } from './views';

/** Change alerts, history and diffs as cards. */

const ROWS_SHOWN = 10;

/**
 * How many change lines each row shows and how long each may be, widest first: a card that would
 * not fit Teams' message budget (cards.ts) is rendered again with the next, narrower one.
 */
const LINE_BUDGETS = [
  { lines: 8, chars: 300 },
  { lines: 4, chars: 160 },
  { lines: 2, chars: 100 },
];
type LineBudget = (typeof LINE_BUDGETS)[number];

const lineRows = (lines: string[], budget: LineBudget) => {
  const shown = lines.slice(0, budget.lines).map((line) => ({ line: clip(line, budget.chars) }));
  if (lines.length > budget.lines) shown.push({ line: `…and ${lines.length - budget.lines} more changes (Details shows the whole version)` });
  return shown;
};

/** The first rendering that fits the message budget, else the narrowest. */
function withinBudget(render: (budget: LineBudget) => AdaptiveCardJson): AdaptiveCardJson {
  let card: AdaptiveCardJson | undefined;
  for (const budget of LINE_BUDGETS) {
    card = render(budget);
    if (cardBytes(card) < MAX_CARD_BYTES) break;
  }
  return card!;
}

const HEADLINES: Record<ChangeEvent['change'], string> = { added: 'New', changed: 'Changed', state: 'State changed', deleted: 'Deleted' };
const DELETED_LINE = 'Deleted — only a stored copy can bring it back: Entra has no recycle bin for it. Recreate creates it again from its last version (a new id).';

/** What a revert of this change can do: only kinds Graph lets the bot write back. */
const revertable = (change: ChangeEvent) => change.from !== undefined && change.change !== 'deleted';

export function changeAlertCard(alert: AlertCard, ctx: ViewContext): AdaptiveCardJson {
  return withinBudget((budget) => renderChangeAlert(alert, ctx, budget));
}

function renderChangeAlert(alert: AlertCard, ctx: ViewContext, budget: LineBudget): AdaptiveCardJson {
  const changes = alert.changes ?? [];
  const rows = changes.slice(0, ROWS_SHOWN).map((change) => {
    const stateLine = change.change === 'state' ? change.lines.find((line) => line.startsWith('State:')) : undefined;
    return {
      kind: change.kind,
      id: change.key,
      from: String(change.from ?? ''),
      to: String(change.to),
      headline: `${stateLine ? `State changed (${stateLine.slice('State: '.length)})` : HEADLINES[change.change]}: ${clip(change.name || change.key, 160)}`,
      kindLabel: capitalise(trackedKind(change.kind).label),
      versions: change.change === 'deleted' ? `last stored version ${change.to}` : change.from === undefined ? `version ${change.to}` : `version ${change.from} → ${change.to}`,
      lines: lineRows(change.change === 'deleted' ? [DELETED_LINE, ...change.lines] : change.change === 'added' ? ['Created (or first seen) since the last check.'] : change.lines.length > 0 ? change.lines : ['Changed (no setting the bot summarises; see Details).'], budget),
      when: `Seen ${formatDate(new Date(change.at))}`,
      actor: clip(change.actor ?? 'someone not yet known (audit records arrive within minutes; this card will be updated)', 200),
      canRevert: revertable(change),
      canRecreate: change.change === 'deleted',
    };
  });
  const count = changes.length;
  const first = changes[0];
  return renderCard('changeAlert', {
    footer: ctx.footer,
    title: count === 1 ? `${rows[0].headline}` : `${count} policy objects were added or changed`,
    subtitle: `Detected ${formatDate(new Date(alert.createdAt))}${count === 1 && first ? '' : ''}`,
    repeatNote: alert.possibleRepeat ? 'Sent again: the bot restarted while sending this alert, so it may already be in this conversation.' : '',
    rows,
    more: count - rows.length,
  });
}

export interface HistoryRow {
  version: number;
  seenAt: string;
  actor?: string;
  change: string;
  lines: string[];
}

export function historyCard(index: HistoryIndex, rows: HistoryRow[], ctx: ViewContext): AdaptiveCardJson {
  return withinBudget((budget) => renderHistory(index, rows, ctx, budget));
}

function renderHistory(index: HistoryIndex, rows: HistoryRow[], ctx: ViewContext, budget: LineBudget): AdaptiveCardJson {
  const kind = trackedKind(index.kind);
  const latest = index.versions[index.versions.length - 1]?.n;
  const shown = rows.slice(0, ROWS_SHOWN);
  return renderCard('history', {
    footer: ctx.footer,
    title: `History of ${clip(index.name, 120)}`,
    subtitle: `${capitalise(kind.label)} · ${index.key} · ${index.versions.length} stored version${index.versions.length === 1 ? '' : 's'}${index.goneAt ? ` · not live since ${formatDate(new Date(index.goneAt))}` : ''}`,
    rows: shown.map((row) => ({
      kind: index.kind,
      id: index.key,
      version: String(row.version),
      headline: `Version ${row.version}${row.version === latest ? ' (latest)' : ''} · ${row.change}`,
      detail: `Seen ${formatDate(new Date(row.seenAt))}${row.change === 'baseline' ? '' : ` · by ${clip(row.actor ?? 'not yet known', 200)}`}`,
      lines: lineRows(row.lines, budget),
      hasActions: true,
      showDetails: true,
      canRevert: row.version !== latest && !index.goneAt,
    })),
    more: rows.length > shown.length ? `${rows.length - shown.length} older versions are not shown; \`diff ${index.key} {from} {to}\` compares any two.` : '',
  });
}

export function diffCard(index: HistoryIndex, from: number, to: number, lines: string[], ctx: ViewContext): AdaptiveCardJson {
  const meta = index.versions.find((v) => v.n === to);
  return renderCard('history', {
    footer: ctx.footer,
    title: `${clip(index.name, 120)}: version ${from} → ${to}`,
    subtitle: `${capitalise(trackedKind(index.kind).label)} · ${index.key}${meta ? ` · version ${to} seen ${formatDate(new Date(meta.seenAt))}${meta.actor ? ` · by ${clip(meta.actor, 200)}` : ''}` : ''}`,
    rows: [{ kind: index.kind, id: index.key, version: String(from), headline: 'What changed', detail: ' ', lines: lines.map((line) => ({ line: clip(line, 300) })), hasActions: Boolean(trackedKind(index.kind).binKind) && !index.goneAt, showDetails: false, canRevert: Boolean(trackedKind(index.kind).binKind) && !index.goneAt }],
    more: '',
  });
}

export function versionCard(index: HistoryIndex, version: StoredVersion, sections: DetailSection[], ctx: ViewContext): AdaptiveCardJson {
  const meta = index.versions.find((v) => v.n === version.n);
  return renderCard('history', {
    footer: ctx.footer,
    title: `${clip(index.name, 120)}, version ${version.n}`,
    subtitle: `${capitalise(trackedKind(index.kind).label)} · ${index.key} · seen ${formatDate(new Date(version.seenAt))}${meta?.actor ? ` · by ${clip(meta.actor, 200)}` : ''}`,
    rows: sections.map((section) => ({
      kind: index.kind,
      id: index.key,
      version: String(version.n),
      headline: section.title,
      detail: ' ',
      lines: section.facts.map((fact) => ({ line: clip(`${fact.label}: ${fact.value}`, 300) })),
      hasActions: false,
      showDetails: false,
      canRevert: false,
    })),
    more: '',
  });
}
