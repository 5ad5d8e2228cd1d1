import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import type { Actor } from '../core/access';
import { InvalidKeyError } from '../core/model';
import { GraphFailure } from '../graph/errors';
import type { Logger } from '../log';
import { StoreUnavailableError } from '../store/port';
import type { AdaptiveCardJson } from './cards';
import { actorOf, UNKNOWN_USER } from './turn';
import { describeError } from './views';

/** What every route needs to act for the verified user and to answer whatever happens. */

export const STORE_UNAVAILABLE = 'The state store is unavailable right now, so nothing was recorded or changed. Try again in a minute.';

export const STALE_ITEM_BUTTON = 'That button is out of date. Type `deleted` for a fresh list.';

/** Card data that no current card could have sent (stale, or forged): one line back, one log line. */
export function outOfDate(logger: Logger, verb: string, message: string): string {
  logger.warn('invoke.stale_data', { verb });
  return message;
}

/** Invokes must always answer: on failure the clicker gets one line and the card stays as it was. */
export async function answerSafely(logger: Logger, work: () => Promise<AdaptiveCardJson | string>): Promise<AdaptiveCardJson | string> {
  try {
    return await work();
  } catch (error) {
    const reference = randomUUID();
    logger.error('invoke.error', { reference, error });
    if (error instanceof StoreUnavailableError) return STORE_UNAVAILABLE;
    if (error instanceof InvalidKeyError) return STALE_ITEM_BUTTON;
    return error instanceof GraphFailure ? describeError(error) : `Something went wrong on my side (reference ${reference}). Nothing was changed.`;
  }
}

/** A card action done for the verified user (the gate has checked the role); refused when Teams named nobody. */
export async function withActor(context: TurnContext, logger: Logger, work: (actor: Actor) => Promise<AdaptiveCardJson | string>): Promise<AdaptiveCardJson | string> {
  const actor = actorOf(context);
  if (!actor) return UNKNOWN_USER;
  return answerSafely(logger, () => work(actor));
}

/** The verified user a command acts for; undefined once the user has been told why nothing happens. */
export async function commandActor(context: TurnContext): Promise<Actor | undefined> {
  const actor = actorOf(context);
  if (!actor) await context.sendActivity(UNKNOWN_USER);
  return actor;
}
