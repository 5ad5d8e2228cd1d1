import { ActivityTypes, CardFactory, TurnContext, type ConversationReference } from 'botbuilder';
import type { Application, TeamsAdapter, TurnState } from '@microsoft/teams-ai';
import type { AccessControl, Actor } from '../core/access';
import { belongsTo, isRequestId, OTHER_TENANT, viewFor, type ChangeRequest } from '../core/approvals';
import { isObjectId } from '../core/model';
import { kindIdOf } from '../core/kinds';
import type { KindId } from '../core/model';
import { capText, type ChangeRequests } from '../core/requests';
import type { RequestNotifier, RequestRunner } from '../core/requestRunner';
import type { Logger } from '../log';
import type { AdaptiveCardJson } from './cards';
import { commandActor, outOfDate, STALE_ITEM_BUTTON, withActor } from './guards';
import { answerInvoke, send, tenantOf, whereOf } from './turn';
import { inConversation } from './proactive';
import { auditCard, EVERYONE, outcomeNotice, pendingCard, requestCard, restoreFormCard, type RequestViewer } from './requestViews';
import { chooseKindCard, type ViewContext } from './views';

/**
 * Teams routes for change requests. Card data carries only a request id (or, before a
 * request exists, the item to restore, which is re-read from Graph); who may do what is
 * decided by the core from stored state and the caller's Entra object id, and the core's
 * RequestRunner runs what is approved and tells TeamsRequestNotifier what to show.
 */

/** The request cards in Teams: updated in place, and the requester told how their request ended. */
export class TeamsRequestNotifier implements RequestNotifier {
  /** Teams ids of approvers seen, so their card views refresh automatically. */
  private readonly approverTeamsIds = new Map<string, string>();

  constructor(private readonly deps: { adapter: TeamsAdapter; botAppId?: string; view: ViewContext; logger: Logger }) {}

  /** Updates the approval card in place for everyone (proactively, outside any turn). */
  async cardChanged(request: ChangeRequest): Promise<void> {
    const reference = request.card?.conversation as Partial<ConversationReference> | undefined;
    const activityId = request.card?.activityId;
    if (!reference || !activityId) return;
    try {
      await inConversation(this.deps.adapter, this.deps.botAppId, reference, (context) =>
        context.updateActivity({ id: activityId, type: ActivityTypes.Message, attachments: [CardFactory.adaptiveCard(this.cardFor(request, EVERYONE))] }),
      );
    } catch (error) {
      this.deps.logger.warn('request.card.update_failed', { requestId: request.id, error });
    }
  }

  /**
   * Tells the requester how their request ended, mentioning them, in the approval card's
   * thread: the thread the request came from, or in a channel the card's own thread when the
   * card was posted at the top level.
   */
  async requestFinished(request: ChangeRequest): Promise<void> {
    const text = outcomeNotice(request);
    const reference = request.card?.conversation as Partial<ConversationReference> | undefined;
    if (!reference?.conversation) return;
    const activityId = request.card?.activityId;
    const inThread = reference.conversation.id.includes(';messageid=');
    const threaded = reference.conversation.conversationType === 'channel' && activityId && !inThread
      ? { ...reference, conversation: { ...reference.conversation, id: `${reference.conversation.id};messageid=${activityId}` } }
      : reference;
    const { requester } = request;
    const mention = `<at>${requester.name}</at>`;
    try {
      await inConversation(this.deps.adapter, this.deps.botAppId, threaded, (context) =>
        context.sendActivity({
          type: ActivityTypes.Message,
          text: `${mention} ${text}`,
          entities: requester.teamsId ? [{ type: 'mention', text: mention, mentioned: { id: requester.teamsId, name: requester.name } }] : [],
        }),
      );
    } catch (error) {
      this.deps.logger.warn('request.notify_failed', { requestId: request.id, error });
    }
  }

  /** An approver seen clicking: their view of later cards refreshes automatically. */
  rememberApprover(actor: Actor): void {
    if (actor.teamsId) this.approverTeamsIds.set(actor.aadObjectId.toLowerCase(), actor.teamsId);
  }

  cardFor(request: ChangeRequest, viewer: RequestViewer, note?: string): AdaptiveCardJson {
    const approvers = [...this.approverTeamsIds.entries()]
      .filter(([aad]) => viewFor(request, aad, true).canDecide)
      .map(([, teamsId]) => teamsId);
    // Without known approvers, leave userIds out: Teams then refreshes for everyone in small chats.
    const refreshUserIds = approvers.length > 0 ? [...new Set([...approvers, ...(request.requester.teamsId ? [request.requester.teamsId] : [])])] : [];
    return requestCard(request, viewer, { ...this.deps.view, refreshUserIds, note });
  }
}

export interface RequestRouteDependencies {
  requests: ChangeRequests;
  runner: RequestRunner;
  notifier: TeamsRequestNotifier;
  access: AccessControl;
  logger: Logger;
  view: ViewContext;
}

export class RequestRoutes {
  constructor(private readonly deps: RequestRouteDependencies) {}

  register(app: Application<TurnState>): void {
    app.adaptiveCards.actionExecute<{ kind?: string; id?: string }>('item.restore', (context, _state, data) =>
      withActor(context, this.deps.logger, async () => {
        const kind = kindIdOf(data.kind);
        if (!kind || !isObjectId(data.id)) return outOfDate(this.deps.logger, 'item.restore', STALE_ITEM_BUTTON);
        const plan = await this.deps.requests.plan({ kind, id: data.id }, true);
        if (!plan.ok) return plan.message;
        await send(context, restoreFormCard(plan.value, this.deps.view));
        return 'Fill in the form below to ask for approval.';
      }),
    );

    app.adaptiveCards.actionExecute<{ kind?: string; id?: string; reason?: string; reportOnly?: string }>('request.create', (context, _state, data) =>
      withActor(context, this.deps.logger, async (actor) => {
        const kind = kindIdOf(data.kind);
        if (!kind || !isObjectId(data.id)) return outOfDate(this.deps.logger, 'request.create', STALE_ITEM_BUTTON);
        const created = await this.deps.requests.create({
          actor,
          ref: { kind, id: data.id },
          reason: capText(data.reason),
          reportOnly: data.reportOnly === 'true',
          tenantId: tenantOf(context),
          conversation: TurnContext.getConversationReference(context.activity),
        });
        if (!created.ok) return created.message;
        // The form turns into the approval card for everyone in the conversation.
        return this.adopt(context, created.value);
      }),
    );

    app.adaptiveCards.actionExecute<{ requestId?: string }>('request.refresh', (context, _state, data) =>
      this.withRequest(context, data, async (request, actor) => {
        // A user-specific view: answer the invoke ourselves so it is not shown to everyone.
        await answerInvoke(context, this.cardFor(request, await this.viewerOf(request, actor)));
        return '';
      }),
    );

    app.adaptiveCards.actionExecute<{ requestId?: string }>('request.approve', (context, _state, data) =>
      this.withRequest(context, data, async (request, actor) => {
        const result = await this.deps.runner.approve(request.id, actor, tenantOf(context), whereOf(context), context.activity.replyToId);
        if (!result.ok) return this.refusal(context, request.id, actor, result.message);
        return this.cardFor(result.value, EVERYONE);
      }),
    );

    app.adaptiveCards.actionExecute<{ requestId?: string; rejectReason?: string }>('request.reject', (context, _state, data) =>
      this.withRequest(context, data, async (request, actor) => {
        const result = await this.deps.runner.reject(request.id, actor, tenantOf(context), capText(data.rejectReason), whereOf(context));
        if (!result.ok) return this.refusal(context, request.id, actor, result.message);
        return this.cardFor(result.value, EVERYONE);
      }),
    );

    app.adaptiveCards.actionExecute<{ requestId?: string }>('request.cancel', (context, _state, data) =>
      this.withRequest(context, data, async (request, actor) => {
        const result = await this.deps.runner.cancel(request.id, actor, tenantOf(context), whereOf(context));
        if (!result.ok) return this.refusal(context, request.id, actor, result.message);
        return this.cardFor(result.value, EVERYONE);
      }),
    );
  }

  /** `restore {id} [report-only|as-deleted] [reason]` typed in chat. */
  async restoreCommand(context: TurnContext, command: { id: string; kind?: KindId; reportOnly: boolean; reason: string }): Promise<void> {
    const actor = await commandActor(context);
    if (!actor) return;
    const created = await this.deps.requests.create({
      actor,
      ref: { kind: command.kind, id: command.id },
      reason: capText(command.reason),
      reportOnly: command.reportOnly,
      tenantId: tenantOf(context),
      conversation: TurnContext.getConversationReference(context.activity),
    });
    if (!created.ok && created.choices) return void (await send(context, chooseKindCard(command.id, created.choices, this.deps.view, 'item.restore')));
    if (!created.ok) return void (await context.sendActivity(created.message));
    await this.publish(context, created.value);
  }

  /** Posts a new request's approval card and remembers where it is, for later updates. */
  async publish(context: TurnContext, request: ChangeRequest): Promise<void> {
    const sent = await send(context, this.cardFor(request, EVERYONE));
    if (sent?.id) await this.deps.requests.rememberCard(request.id, sent.id);
  }

  /** An invoke that created a request: the clicked card becomes the approval card. */
  async adopt(context: TurnContext, request: ChangeRequest): Promise<AdaptiveCardJson> {
    if (context.activity.replyToId) await this.deps.requests.rememberCard(request.id, context.activity.replyToId);
    return this.cardFor(request, EVERYONE);
  }

  async pendingCommand(context: TurnContext): Promise<void> {
    await send(context, pendingCard(await this.deps.requests.open(), this.deps.view));
  }

  async auditCommand(context: TurnContext, count: number): Promise<void> {
    await send(context, auditCard(await this.deps.requests.auditTail(count), this.deps.view));
  }

  async cancelCommand(context: TurnContext, requestId: string): Promise<void> {
    const actor = await commandActor(context);
    if (!actor) return;
    const result = await this.deps.runner.cancel(requestId, actor, tenantOf(context), whereOf(context));
    if (!result.ok) return void (await context.sendActivity(result.message));
    await context.sendActivity(`Request ${requestId} is cancelled. Nothing was restored.`);
  }

  private cardFor(request: ChangeRequest, viewer: RequestViewer): AdaptiveCardJson {
    return this.deps.notifier.cardFor(request, viewer);
  }

  private async viewerOf(request: ChangeRequest, actor: Actor): Promise<RequestViewer> {
    const isApprover = await this.deps.access.has(actor.aadObjectId, 'approver');
    if (isApprover) this.deps.notifier.rememberApprover(actor);
    return viewFor(request, actor.aadObjectId, isApprover);
  }

  /** A refused decision: the clicker keeps seeing the request, with the reason on it. */
  private async refusal(context: TurnContext, requestId: string, actor: Actor, message: string): Promise<AdaptiveCardJson | string> {
    const request = await this.deps.requests.get(requestId);
    if (!request) return message;
    await answerInvoke(context, this.deps.notifier.cardFor(request, await this.viewerOf(request, actor), message));
    return '';
  }

  private async withRequest(
    context: TurnContext,
    data: { requestId?: string },
    work: (request: ChangeRequest, actor: Actor) => Promise<AdaptiveCardJson | string>,
  ): Promise<AdaptiveCardJson | string> {
    return withActor(context, this.deps.logger, async (actor) => {
      const stale = 'That request no longer exists or the button is out of date. Type `pending` to see open requests.';
      if (!isRequestId(data.requestId)) return outOfDate(this.deps.logger, 'request', stale);
      const request = await this.deps.requests.get(data.requestId);
      if (!request) return stale;
      if (!belongsTo(request, tenantOf(context))) {
        this.deps.logger.warn('request.refused.tenant', { requestId: request.id, tenantId: tenantOf(context) });
        return OTHER_TENANT;
      }
      return work(request, actor);
    });
  }
}
