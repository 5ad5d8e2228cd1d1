import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'adaptivecards-templating';

/** Card templates live in cards/*.json as data; this binds them with adaptivecards-templating. */
export const CARD_NAMES = ['help', 'deletedList', 'details', 'chooseKind', 'status', 'failure', 'restoreForm', 'request', 'pendingList', 'requestNotice', 'audit', 'alert', 'partnersList', 'partner', 'partnerEdit', 'changeAlert', 'history'] as const;
export type CardName = (typeof CARD_NAMES)[number];

/** An expanded card; `type` is always 'AdaptiveCard'. */
export type AdaptiveCardJson = { type: 'AdaptiveCard'; [property: string]: unknown };

/** Teams accepts about 100 KB per message, 80 KB recommended; we keep well under. */
export const MAX_CARD_BYTES = 28 * 1024;

const CARDS_DIR = join(__dirname, '..', '..', 'cards');
const templates = new Map<CardName, Template>();

function template(name: CardName): Template {
  let found = templates.get(name);
  if (!found) {
    found = new Template(JSON.parse(readFileSync(join(CARDS_DIR, `${name}.json`), 'utf8')));
    templates.set(name, found);
  }
  return found;
}

export function renderCard(name: CardName, data: object): AdaptiveCardJson {
  const card = template(name).expand({ $root: data }) as AdaptiveCardJson;
  delete card.$schema;
  return card;
}

export function cardBytes(card: AdaptiveCardJson): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}
