import type { ConversationReference, TurnContext } from 'botbuilder';
import type { TeamsAdapter } from '@microsoft/teams-ai';

/**
 * Runs `work` in a proactive turn and lets its errors reach the caller. (Inside a turn the
 * adapter hands errors to onTurnError, which would make a refused send look delivered.)
 */
export async function inConversation<T>(
  adapter: TeamsAdapter,
  botAppId: string | undefined,
  reference: Partial<ConversationReference>,
  work: (context: TurnContext) => Promise<T>,
): Promise<T> {
  let result: { value: T } | { error: unknown } | undefined;
  await adapter.continueConversationAsync(botAppId ?? '', reference, async (context) => {
    try {
      result = { value: await work(context) };
    } catch (error) {
      result = { error };
    }
  });
  if (!result) throw new Error('the proactive turn did not run');
  if ('error' in result) throw result.error;
  return result.value;
}
