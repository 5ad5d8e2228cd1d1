import { ActivityTypes, CardFactory, MessageFactory, type ResourceResponse, type TurnContext } from 'botbuilder';
import type { Actor, ClaimedUser, Where } from '../core/access';
import { isUserId } from '../core/model';
import type { AdaptiveCardJson } from './cards';

/** Reading who and where a turn comes from, and answering it: shared by every route. */

export const UNKNOWN_USER = 'I cannot tell who you are (no Entra object id on your message), so I cannot act on requests for you.';

const ACTOR = Symbol('verified actor');
const TENANT = Symbol('admitted tenant');

/** Who the activity says it is from; undefined unless it carries a well-formed Entra object id. */
export function claimedUserOf(context: TurnContext): ClaimedUser | undefined {
  const from = context.activity.from;
  if (!isUserId(from?.aadObjectId)) return undefined;
  return { aadObjectId: from.aadObjectId, name: typeof from.name === 'string' ? from.name : undefined, teamsId: typeof from.id === 'string' ? from.id : undefined };
}

/** Set once per turn by the gate, after the directory has named the user. */
export function setActor(context: TurnContext, actor: Actor): void {
  context.turnState.set(ACTOR, actor);
}

/** The user, by Entra object id (never by display name); undefined when Teams sent none. */
export function actorOf(context: TurnContext): Actor | undefined {
  return context.turnState.get(ACTOR);
}

/** Set once per turn by the gate: the tenant the activity was admitted for. */
export function setTenant(context: TurnContext, tenantId: string): void {
  context.turnState.set(TENANT, tenantId);
}

export function tenantOf(context: TurnContext): string {
  return context.turnState.get(TENANT) ?? '';
}

/** The conversation an attempt came from, for the audit log. */
export function whereOf(context: TurnContext): Where {
  const conversation = context.activity.conversation;
  return { conversationId: String(conversation?.id ?? '').slice(0, 200), conversationType: typeof conversation?.conversationType === 'string' ? conversation.conversationType : undefined };
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
