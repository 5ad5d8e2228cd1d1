import type { AlertCard } from '../core/alertPoller';
import type { AlertItem } from '../core/alerts';
import { kindById } from '../core/kinds';
import { daysLeft, RETENTION_DAYS } from '../core/model';
import { capitalise, clip } from '../core/summaries';
import { renderCard, type AdaptiveCardJson } from './cards';
import { formatDate, type ViewContext } from './views';

/** A burst becomes one card; the rest is summarised so the card stays small. */
const ROWS_SHOWN = 10;

const OUTCOMES: Record<NonNullable<AlertItem['outcome']>, { text: string; color: string }> = {
  restored: { text: 'Restored since: it is back in the tenant.', color: 'Good' },
  purged: { text: 'Permanently deleted since: it can no longer be restored.', color: 'Attention' },
  expired: { text: `Purged after ${RETENTION_DAYS} days: it can no longer be restored.`, color: 'Attention' },
};

export function alertCard(alert: AlertCard, ctx: ViewContext): AdaptiveCardJson {
  const now = ctx.now();
  const rows = alert.items.slice(0, ROWS_SHOWN).map((item) => {
    const days = daysLeft(new Date(item.deletedAt), now);
    const outcome = item.outcome && OUTCOMES[item.outcome];
    return {
      kind: item.kind,
      id: item.key,
      name: clip(item.name || item.key, 160),
      kindLabel: capitalise(kindById(item.kind).label),
      deleted: formatDate(new Date(item.deletedAt)),
      actor: clip(item.actor ?? 'someone not yet known (audit records arrive within minutes; this card will be updated)', 200),
      state: outcome ? outcome.text : `In the recycle bin: ${days === 1 ? '1 day' : `${days} days`} left to restore it`,
      stateColor: outcome ? outcome.color : days <= 3 ? 'Attention' : 'Default',
      inRecycleBin: !outcome,
    };
  });
  const count = alert.items.length;
  return renderCard('alert', {
    footer: ctx.footer,
    title: count === 1 ? `Deleted: ${clip(alert.items[0].name || alert.items[0].key, 120)}` : `${count} policy objects were deleted`,
    subtitle: `Detected ${formatDate(new Date(alert.createdAt))}`,
    repeatNote: alert.possibleRepeat ? 'Sent again: the bot restarted while sending this alert, so it may already be in this conversation.' : '',
    rows,
    more: count - rows.length,
  });
}
