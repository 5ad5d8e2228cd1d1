import { ActivityTypes, CardFactory, MessageFactory, type ResourceResponse, type TurnContext } from 'botbuilder';
import type { Actor } from '../core/access';
import type { AdaptiveCardJson } from './cards';

/** Reading who and where a turn comes from, and answering it: shared by every route. */

export const UNKNOWN_USER = 'I cannot tell who you are (no Entra object id on your message), so I cannot act on requests for you.';

/** The user, by Entra object id (never by display name); undefined when Teams sent none. */
export function actorOf(context: TurnContext): Actor | undefined {
  const from = context.activity.from;
  if (!from?.aadObjectId) return undefined;
  return { aadObjectId: from.aadObjectId, name: from.name || from.aadObjectId, teamsId: from.id };
}

export function tenantOf(context: TurnContext): string {
  return context.activity.conversation?.tenantId ?? context.activity.channelData?.tenant?.id ?? '';
}

/** Posts a card or a line of text in the conversation. */
export async function send(context: TurnContext, content: AdaptiveCardJson | string): Promise<ResourceResponse | undefined> {
  return context.sendActivity(typeof content === 'string' ? content : MessageFactory.attachment(CardFactory.adaptiveCard(content)));
}

/** Answers an Action.Execute with a card for the clicker only (not broadcast to the chat). */
export async function answerInvoke(context: TurnContext, card: AdaptiveCardJson): Promise<void> {
  await context.sendActivity({
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
  });
}

/** One line to the user, whether the turn is a message or a card click. */
export async function reply(context: TurnContext, text: string): Promise<void> {
  if (context.activity.type === ActivityTypes.Invoke) {
    await context.sendActivity({
      type: ActivityTypes.InvokeResponse,
      value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text } },
    });
    return;
  }
  if (context.activity.type === ActivityTypes.Message) await context.sendActivity(text);
}
