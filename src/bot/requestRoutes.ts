import { ActivityTypes, CardFactory, MessageFactory, TurnContext, type ConversationReference } from 'botbuilder';
import type { Application, TeamsAdapter, TurnState } from '@microsoft/teams-ai';
import type { AccessControl, Actor } from '../core/access';
import { belongsTo, isRequestId, OTHER_TENANT, viewFor, type ChangeRequest } from '../core/approvals';
import { isObjectId, isUpnShape } from '../core/model';
import { RECREATE_COST, upnShapeProblem } from '../core/restores';
import { kindById, kindIdOf } from '../core/kinds';
import type { BulkSelection } from '../core/commands';
import { MAX_BULK_ITEMS } from '../core/approvals';
import { SELECT_PREFIX } from './views';
import type { KindId } from '../core/model';
import { capText, type ChangeRequests } from '../core/requests';
import type { RecycleBin } from '../core/recycleBin';
import type { RequestNotifier, RequestRunner } from '../core/requestRunner';
import type { Logger } from '../log';
import type { AdaptiveCardJson } from './cards';
import { commandActor, outOfDate, STALE_ITEM_BUTTON, withActor } from './guards';
import { actorOf, answerInvoke, send, tenantOf, whereOf } from './turn';
import { inConversation } from './proactive';
import { auditCard, EVERYONE, NO_APPROVER_SEES_IT, outcomeNotice, pendingCard, requestCard, requestNoticeCard, restoreFormCard, type RequestViewer } from './requestViews';
import { baseConversationId, type ApprovalsConversation } from '../core/approvalsConversation';
import { chooseKindCard, formatDate, personName, type ViewContext } from './views';

/**
 * Teams routes for change requests. Card data carries only a request id (or, before a
 * request exists, the item to restore, which is re-read from Graph); who may do what is
 * decided by the core from stored state and the caller's Entra object id, and the core's
 * RequestRunner runs what is approved and tells TeamsRequestNotifier what to show.
 */

/** The request cards in Teams: every copy updated in place, approvers reached, and the requester told how their request ended. */
export class TeamsRequestNotifier implements RequestNotifier {
  constructor(private readonly deps: { adapter: TeamsAdapter; botAppId?: string; view: ViewContext; logger: Logger; approvals: ApprovalsConversation }) {}

  /** Where approvers see requests, shared by every instance through the state store. */
  get approvals(): ApprovalsConversation {
    return this.deps.approvals;
  }

  /** Updates every copy of the request card in place for everyone (proactively, outside any turn). */
  async cardChanged(request: ChangeRequest): Promise<void> {
    const copies = [request.card, ...(request.copies ?? [])];
    const card = await this.cardFor(request, EVERYONE);
    for (const copy of copies) {
      const reference = copy?.conversation as Partial<ConversationReference> | undefined;
      const activityId = copy?.activityId;
      if (!reference || !activityId) continue;
      try {
        await inConversation(this.deps.adapter, this.deps.botAppId, reference, (context) =>
          context.updateActivity({ id: activityId, type: ActivityTypes.Message, attachments: [CardFactory.adaptiveCard(card)] }),
        );
      } catch (error) {
        this.deps.logger.warn('request.card.update_failed', { requestId: request.id, conversationId: reference.conversation?.id, error });
      }
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

  /** Posts a card in another conversation; resolves with its message id, or undefined when Teams refused it. */
  async post(reference: unknown, card: AdaptiveCardJson, requestId: string): Promise<string | undefined> {
    try {
      const sent = await inConversation(this.deps.adapter, this.deps.botAppId, reference as Partial<ConversationReference>, (context) =>
        context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card))),
      );
      return sent?.id;
    } catch (error) {
      this.deps.logger.warn('request.post_failed', { requestId, conversationId: (reference as Partial<ConversationReference>).conversation?.id, error });
      return undefined;
    }
  }

  /**
   * The card as `viewer` sees it. Its refresh names the approvers who may decide, the requester
   * and `viewerTeamsId` (whoever opened this copy), so their copies refresh when viewed.
   */
  async cardFor(request: ChangeRequest, viewer: RequestViewer, options: { note?: string; viewerTeamsId?: string; itemsPage?: number } = {}): Promise<AdaptiveCardJson> {
    const approvers = (await this.deps.approvals.approvers())
      .filter((contact) => contact.teamsId && viewFor(request, contact.aadObjectId, true).canDecide)
      .map((contact) => contact.teamsId!);
    const others = [request.requester.teamsId, options.viewerTeamsId].filter((id): id is string => Boolean(id));
    // Without known approvers, leave userIds out: Teams then refreshes for everyone in small chats.
    const refreshUserIds = approvers.length > 0 ? [...new Set([...approvers, ...others])] : [];
    return requestCard(request, viewer, { ...this.deps.view, refreshUserIds, note: options.note, itemsPage: options.itemsPage });
  }
}

/** The items a card's Select toggles name ("kind:id"), each checked; undefined when any value is malformed. */
export function selectedRefs(data: Record<string, unknown>): { kind: KindId; id: string }[] | undefined {
  const refs: { kind: KindId; id: string }[] = [];
  for (const [name, value] of Object.entries(data)) {
    if (!name.startsWith(SELECT_PREFIX) || value === '' || value === undefined || value === 'false') continue;
    if (typeof value !== 'string' || refs.length >= MAX_BULK_ITEMS) return undefined;
    const [kindWord, id, extra] = value.split(':');
    const kind = kindIdOf(kindWord);
    if (!kind || !isObjectId(id) || extra !== undefined) return undefined;
    refs.push({ kind, id: id.toLowerCase() });
  }
  return refs;
}

const SET_UP_HINT = 'An approver sets one up by typing `approvals here` in the team\'s channel (or a group chat of approvers).';

const conversationWord = (type: string | undefined) => (type === 'channel' ? 'channel' : type === 'groupChat' ? 'group chat' : 'conversation');

export interface RequestRouteDependencies {
  requests: ChangeRequests;
  /** The recycle-bin mirror while it is current (the browse routes know the freshness rule). */
  currentMirror?: () => Promise<RecycleBin | undefined>;
  runner: RequestRunner;
  notifier: TeamsRequestNotifier;
  access: AccessControl;
  logger: Logger;
  view: ViewContext;
}

export class RequestRoutes {
  constructor(private readonly deps: RequestRouteDependencies) {}

  register(app: Application<TurnState>): void {
    // Runs after the gate has named the user: an approver installing the bot in a personal chat gets notices there.
    app.turn('beforeTurn', async (context) => {
      if (context.activity.type === ActivityTypes.InstallationUpdate && !context.activity.action?.startsWith('remove')) await this.noteApprover(context);
      return true;
    });

    app.adaptiveCards.actionExecute<{ kind?: string; id?: string }>('item.restore', (context, _state, data) =>
      withActor(context, this.deps.logger, async () => {
        const kind = kindIdOf(data.kind);
        if (!kind || !isObjectId(data.id)) return outOfDate(this.deps.logger, 'item.restore', STALE_ITEM_BUTTON);
        const mirror = await this.deps.currentMirror?.();
        // The form is a preview: from the mirror when it is current (no CA request); asking plans again, live.
        const plan = mirror ? await this.deps.requests.preview({ kind, id: data.id }, true, mirror) : await this.deps.requests.plan({ kind, id: data.id }, true);
        if (!plan.ok) return plan.message;
        await send(context, restoreFormCard(plan.value, this.deps.view));
        return 'Fill in the form below to ask for approval.';
      }),
    );

    app.adaptiveCards.actionExecute<{ kind?: string; id?: string; reason?: string; reportOnly?: string; newUserPrincipalName?: string }>('request.create', (context, _state, data) =>
      withActor(context, this.deps.logger, async (actor) => {
        const kind = kindIdOf(data.kind);
        if (!kind || !isObjectId(data.id)) return outOfDate(this.deps.logger, 'request.create', STALE_ITEM_BUTTON);
        // The users' form has a field for a new UPN; left empty, the user comes back under its own.
        const typed = typeof data.newUserPrincipalName === 'string' ? data.newUserPrincipalName.trim() : '';
        if (typed && !isUpnShape(typed)) return upnShapeProblem(typed);
        const created = await this.deps.requests.create({
          actor,
          ref: { kind, id: data.id },
          reason: capText(data.reason),
          reportOnly: data.reportOnly === 'true',
          ...(typed ? { newUserPrincipalName: typed } : {}),
          tenantId: tenantOf(context),
          conversation: TurnContext.getConversationReference(context.activity),
        });
        if (!created.ok) return created.message;
        // The form turns into the approval card for everyone in the conversation.
        return this.adopt(context, created.value);
      }),
    );

    // Select toggles on list and alert cards: the values are ids from the card, so each is checked
    // here for format and kind, and the request then holds only what the recycle bins list.
    app.adaptiveCards.actionExecute<Record<string, unknown>>('items.restoreSelected', (context, _state, data) =>
      withActor(context, this.deps.logger, async (actor) => {
        const refs = selectedRefs(data);
        if (refs === undefined) return outOfDate(this.deps.logger, 'items.restoreSelected', STALE_ITEM_BUTTON);
        if (refs.length === 0) return 'Select the items to restore first (the Select toggle on each row).';
        const created = await this.deps.requests.createBulk({ actor, refs, reportOnly: true, reason: '', tenantId: tenantOf(context), conversation: TurnContext.getConversationReference(context.activity) });
        if (!created.ok) return created.message;
        await this.publish(context, created.value);
        return `Asked for approval to restore ${created.value.action.type === 'restore.bulk' ? created.value.action.items.length : 1} item(s): see the request below.`;
      }),
    );

    app.adaptiveCards.actionExecute<{ requestId?: string; page?: string | number }>('request.items', (context, _state, data) =>
      this.withRequest(context, data, async (request, actor) => {
        const page = Math.max(0, Math.min(MAX_BULK_ITEMS, Math.floor(Number(data.page) || 0)));
        const viewer = await this.viewerOf(context, request, actor);
        await answerInvoke(context, await this.deps.notifier.cardFor(request, viewer, { viewerTeamsId: actor.teamsId, itemsPage: page }));
        return '';
      }),
    );

    app.adaptiveCards.actionExecute<{ requestId?: string }>('request.refresh', (context, _state, data) =>
      this.withRequest(context, data, async (request, actor) => {
        // A user-specific view: answer the invoke ourselves so it is not shown to everyone.
        await answerInvoke(context, await this.deps.notifier.cardFor(request, await this.viewerOf(context, request, actor), { viewerTeamsId: actor.teamsId }));
        return '';
      }),
    );

    app.adaptiveCards.actionExecute<{ requestId?: string }>('request.approve', (context, _state, data) =>
      this.withRequest(context, data, async (request, actor) => {
        await this.noteApprover(context);
        const result = await this.deps.runner.approve(request.id, actor, tenantOf(context), whereOf(context), context.activity.replyToId);
        if (!result.ok) return this.refusal(context, request.id, actor, result.message);
        return this.deps.notifier.cardFor(result.value, EVERYONE);
      }),
    );

    app.adaptiveCards.actionExecute<{ requestId?: string; rejectReason?: string }>('request.reject', (context, _state, data) =>
      this.withRequest(context, data, async (request, actor) => {
        await this.noteApprover(context);
        const result = await this.deps.runner.reject(request.id, actor, tenantOf(context), capText(data.rejectReason), whereOf(context));
        if (!result.ok) return this.refusal(context, request.id, actor, result.message);
        return this.deps.notifier.cardFor(result.value, EVERYONE);
      }),
    );

    app.adaptiveCards.actionExecute<{ requestId?: string }>('request.cancel', (context, _state, data) =>
      this.withRequest(context, data, async (request, actor) => {
        const result = await this.deps.runner.cancel(request.id, actor, tenantOf(context), whereOf(context));
        if (!result.ok) return this.refusal(context, request.id, actor, result.message);
        return this.deps.notifier.cardFor(result.value, EVERYONE);
      }),
    );
  }

  /** `restore {id} [report-only|as-deleted] [reason]` typed in chat. */
  async restoreCommand(context: TurnContext, command: { id: string; kind?: KindId; reportOnly: boolean; reason: string; newUserPrincipalName?: string }): Promise<void> {
    const actor = await commandActor(context);
    if (!actor) return;
    await this.noteApprover(context);
    const created = await this.deps.requests.create({
      actor,
      ref: { kind: command.kind, id: command.id },
      reason: capText(command.reason),
      reportOnly: command.reportOnly,
      newUserPrincipalName: command.newUserPrincipalName,
      tenantId: tenantOf(context),
      conversation: TurnContext.getConversationReference(context.activity),
    });
    if (!created.ok && created.choices) return void (await send(context, chooseKindCard(command.id, created.choices, this.deps.view, 'item.restore')));
    if (!created.ok) return void (await context.sendActivity(await this.withRecreateOffer(command.id, created.message)));
    await this.publish(context, created.value);
  }

  /**
   * A restore that cannot be asked for because the item is no longer in the recycle bin: when
   * the bot has a stored version, the reply offers `recreate` and says what it costs.
   */
  private async withRecreateOffer(id: string, message: string): Promise<string> {
    const stored = await this.deps.requests.storedVersionOf(id).catch(() => undefined);
    if (!stored || !/^No deleted /.test(message)) return message;
    return `${message}\n\nThe bot has a stored copy of ${kindById(stored.kind).label} "${stored.name}" (version ${stored.version}, seen ${formatDate(new Date(stored.seenAt))}). Type \`recreate ${id}\` to create it again from that version, in report-only (\`recreate ${id} as-stored\` keeps its stored state). Its cost: ${RECREATE_COST}; named locations it used that are gone are created first.`;
  }

  /** `restore {id} {id} …` or `restore all {kind} deleted-by {upn} [since …]`: one request with many items. */
  async restoreBulkCommand(context: TurnContext, command: { bulk: BulkSelection; reportOnly: boolean; reason: string }): Promise<void> {
    const actor = await commandActor(context);
    if (!actor) return;
    await this.noteApprover(context);
    let refs: { id: string; kind?: KindId }[];
    if ('ids' in command.bulk) {
      const { kind } = command.bulk;
      refs = command.bulk.ids.map((id) => ({ id, kind }));
    } else {
      const picked = await this.deps.requests.deletedByActor(command.bulk.kind, command.bulk.deletedBy, command.bulk.sinceMs);
      if (!picked.ok) return void (await context.sendActivity(picked.message));
      if (picked.value.length === 0) return void (await context.sendActivity(`The audit log names ${command.bulk.deletedBy} as the deleter of no deleted item of that kind in that time.`));
      refs = picked.value.slice(0, MAX_BULK_ITEMS);
    }
    await this.createAndPublishBulk(context, actor, refs, command.reportOnly, command.reason);
  }

  /** One bulk request from refs already checked for format and kind, posted like any request. */
  async createAndPublishBulk(context: TurnContext, actor: Actor, refs: { id: string; kind?: KindId }[], reportOnly: boolean, reason: string): Promise<void> {
    const created = await this.deps.requests.createBulk({ actor, refs, reportOnly, reason: capText(reason), tenantId: tenantOf(context), conversation: TurnContext.getConversationReference(context.activity) });
    if (!created.ok) return void (await context.sendActivity(created.message));
    await this.publish(context, created.value);
  }

  /** `selftest [reason]`: an approver asks; another approver approves; the card then shows every step. */
  async selfTestCommand(context: TurnContext, reason: string): Promise<void> {
    const actor = await commandActor(context);
    if (!actor) return;
    await this.noteApprover(context);
    const created = await this.deps.requests.requestSelfTest({
      actor,
      reason: capText(reason),
      tenantId: tenantOf(context),
      conversation: TurnContext.getConversationReference(context.activity),
    });
    if (!created.ok) return void (await context.sendActivity(created.message));
    await this.publish(context, created.value);
  }

  /** Posts a new request's card where it was asked, remembers where it is for later updates, and lets approvers know. */
  async publish(context: TurnContext, request: ChangeRequest): Promise<void> {
    const sent = await send(context, await this.deps.notifier.cardFor(request, EVERYONE));
    if (sent?.id) await this.deps.requests.rememberCard(request.id, sent.id);
    await this.reachApprovers(context, request);
  }

  /** An invoke that created a request: the clicked card becomes the request's card where it was asked. */
  async adopt(context: TurnContext, request: ChangeRequest): Promise<AdaptiveCardJson> {
    if (context.activity.replyToId) await this.deps.requests.rememberCard(request.id, context.activity.replyToId);
    await this.reachApprovers(context, request);
    return this.deps.notifier.cardFor(request, EVERYONE);
  }

  /**
   * A request made outside the approvals conversation is posted there as the approval card (the
   * requester's card stays as the tracking copy), and approvers with a personal chat get a
   * notice. Without an approvals conversation, a requester in a personal chat is told that no
   * approver sees it yet.
   */
  private async reachApprovers(context: TurnContext, request: ChangeRequest): Promise<void> {
    const { approvals } = this.deps.notifier;
    const setting = await approvals.current();
    const here = baseConversationId(whereOf(context).conversationId);
    if (setting?.conversationId === here) return;
    if (setting) {
      const activityId = await this.deps.notifier.post(setting.reference, await this.deps.notifier.cardFor(request, EVERYONE), request.id);
      if (activityId) await this.deps.requests.rememberCopy(request.id, { conversation: setting.reference, activityId });
    } else if (context.activity.conversation?.conversationType === 'personal') {
      await context.sendActivity(NO_APPROVER_SEES_IT);
    }
    const notice = requestNoticeCard(request, this.deps.view);
    for (const contact of await approvals.approvers()) {
      if (!contact.personalChat || !viewFor(request, contact.aadObjectId, true).canDecide) continue;
      if (!(await this.deps.access.has(contact.aadObjectId, 'approver'))) continue;
      await this.deps.notifier.post(contact.personalChat, notice, request.id);
    }
  }

  /** `approvals [here|off]`: where approval cards go. Anyone with the operator role may ask; approvers change it. */
  async approvalsCommand(context: TurnContext, command: { change?: 'here' | 'off' }): Promise<void> {
    const actor = await commandActor(context);
    if (!actor) return;
    await this.noteApprover(context);
    const { approvals } = this.deps.notifier;
    const where = whereOf(context);
    if (command.change === 'here') {
      const reference = TurnContext.getConversationReference(context.activity);
      // Approval cards start their own thread at the top of the channel, whichever thread this was typed in.
      const topLevel = { ...reference, activityId: undefined, conversation: { ...reference.conversation, id: baseConversationId(where.conversationId) } };
      const set = await approvals.set(actor, where, topLevel);
      if (!set.ok) return void (await context.sendActivity(set.message));
      return void (await context.sendActivity(
        `This ${conversationWord(set.value.conversationType)} is now the approvals conversation: every restore or partner change request made elsewhere is posted here for approval, and its card is kept up to date. Type \`approvals off\` to stop.`,
      ));
    }
    if (command.change === 'off') {
      const cleared = await approvals.clear(actor, where);
      if (!cleared.ok) return void (await context.sendActivity(cleared.message));
      return void (await context.sendActivity(cleared.value
        ? 'The approvals conversation is cleared: requests are now posted only where they are asked. An approver can set one again with `approvals here`.'
        : 'No approvals conversation was set.'));
    }
    const setting = await approvals.current();
    if (!setting) return void (await context.sendActivity(`No approvals conversation is set, so requests are posted only where they are asked. ${SET_UP_HINT}`));
    const place = setting.conversationId === baseConversationId(where.conversationId) ? `this ${conversationWord(setting.conversationType)}` : `a ${conversationWord(setting.conversationType)} of the team`;
    await context.sendActivity(`Requests are posted for approval in ${place}, set by ${personName(setting.setBy)} at ${formatDate(new Date(setting.setAt))}.`);
  }

  async pendingCommand(context: TurnContext): Promise<void> {
    await this.noteApprover(context);
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

  private async viewerOf(context: TurnContext, request: ChangeRequest, actor: Actor): Promise<RequestViewer> {
    const isApprover = await this.deps.access.has(actor.aadObjectId, 'approver');
    if (isApprover) await this.rememberApprover(context, actor);
    return viewFor(request, actor.aadObjectId, isApprover);
  }

  /** Remembers the turn's user when they are an approver (see rememberApprover); browsing turns never come here, so they cost no store access. */
  private async noteApprover(context: TurnContext): Promise<void> {
    const actor = actorOf(context);
    try {
      if (actor && (await this.deps.access.has(actor.aadObjectId, 'approver'))) await this.rememberApprover(context, actor);
    } catch (error) {
      // Only card views and notices depend on it: the turn itself goes on.
      this.deps.logger.warn('approver.not_remembered', { error });
    }
  }

  /**
   * An approver seen in the request flow: their views of later cards refresh automatically on
   * every instance, and when seen in their personal chat they get notices of new requests there.
   */
  private async rememberApprover(context: TurnContext, actor: Actor): Promise<void> {
    const personal = context.activity.conversation?.conversationType === 'personal';
    const reference = personal ? { ...TurnContext.getConversationReference(context.activity), activityId: undefined } : undefined;
    await this.deps.notifier.approvals.rememberApprover(actor, reference);
  }

  /** A refused decision: the clicker keeps seeing the request, with the reason on it. */
  private async refusal(context: TurnContext, requestId: string, actor: Actor, message: string): Promise<AdaptiveCardJson | string> {
    const request = await this.deps.requests.get(requestId);
    if (!request) return message;
    await answerInvoke(context, await this.deps.notifier.cardFor(request, await this.viewerOf(context, request, actor), { note: message, viewerTeamsId: actor.teamsId }));
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
