import { randomUUID } from 'node:crypto';
import { GraphFailure } from '../graph/errors';
import type { Logger } from '../log';
import { StoreUnavailableError } from '../store/port';
import type { AdaptiveCardJson } from './cards';
import { InvalidKeyError } from '../core/model';
import { describeError } from './views';

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
