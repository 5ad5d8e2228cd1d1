import type { AlertCard } from '../core/alertPoller';
import type { AlertItem } from '../core/alerts';
import { kindById } from '../core/kinds';
import { daysLeft, RETENTION_DAYS } from '../core/model';
import { capitalise, clip } from '../core/summaries';
import { renderCard, type AdaptiveCardJson } from './cards';
import { formatDate, SELECT_PREFIX, type ViewContext } from './views';

/** A burst becomes one card; the rest is summarised so the card stays small. */
const ROWS_SHOWN = 10;

const OUTCOMES: Record<NonNullable<AlertItem['outcome']>, { text: string; color: string }> = {
  restored: { text: 'Restored since: it is back in the tenant.', color: 'Good' },
  purged: { text: 'Permanently deleted since: it can no longer be restored.', color: 'Attention' },
  expired: { text: `Purged after ${RETENTION_DAYS} days: it can no longer be restored.`, color: 'Attention' },
};

/**
 * The actor who deleted more than `threshold` of the alert's items still in the recycle bin, with
 * those items: one actor at a time, the one with the most.
 */
export function massDeletion(alert: AlertCard, threshold: number): { actor: string; items: AlertItem[] } | undefined {
  const byActor = new Map<string, AlertItem[]>();
  for (const item of alert.items) {
    if (!item.actor || item.outcome) continue;
    byActor.set(item.actor, [...(byActor.get(item.actor) ?? []), item]);
  }
  const [actor, items] = [...byActor].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  return actor && items && items.length > threshold ? { actor, items } : undefined;
}

export function alertCard(alert: AlertCard, ctx: ViewContext, massThreshold = Number.POSITIVE_INFINITY): AdaptiveCardJson {
  const now = ctx.now();
  const mass = massDeletion(alert, massThreshold);
  const rows = alert.items.slice(0, ROWS_SHOWN).map((item, index) => {
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
      selectId: `${SELECT_PREFIX}${index}`,
      selectValue: `${item.kind}:${item.key}`,
    };
  });
  const count = alert.items.length;
  return renderCard('alert', {
    footer: ctx.footer,
    title: mass
      ? `Mass deletion: ${mass.items.length} items deleted by ${clip(mass.actor, 120)}`
      : count === 1
        ? `Deleted: ${clip(alert.items[0].name || alert.items[0].key, 120)}`
        : `${count} ${alert.items.every((item) => kindById(item.kind).family === 'policy') ? 'policy objects' : 'objects'} were deleted`,
    alertId: alert.id,
    mass: Boolean(mass),
    canSelect: rows.some((row) => row.inRecycleBin),
    subtitle: `Detected ${formatDate(new Date(alert.createdAt))}`,
    repeatNote: alert.possibleRepeat ? 'Sent again: the bot restarted while sending this alert, so it may already be in this conversation.' : '',
    rows,
    more: count - rows.length,
  });
}
