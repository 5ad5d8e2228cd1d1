import { randomUUID } from 'node:crypto';
import { GraphFailure } from '../graph/errors';
import type { Logger } from '../log';
import { StoreUnavailableError } from '../store';
import type { AdaptiveCardJson } from './cards';
import { describeError } from './views';

export const STORE_UNAVAILABLE = 'The state store is unavailable right now, so nothing was recorded or changed. Try again in a minute.';

/** Invokes must always answer: on failure the clicker gets one line and the card stays as it was. */
export async function answerSafely(logger: Logger, work: () => Promise<AdaptiveCardJson | string>): Promise<AdaptiveCardJson | string> {
  try {
    return await work();
  } catch (error) {
    const reference = randomUUID();
    logger.error('invoke.error', { reference, error });
    if (error instanceof StoreUnavailableError) return STORE_UNAVAILABLE;
    return error instanceof GraphFailure ? describeError(error) : `Something went wrong on my side (reference ${reference}). Nothing was changed.`;
  }
}
