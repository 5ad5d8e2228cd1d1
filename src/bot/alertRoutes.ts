import { ActivityTypes, CardFactory, MessageFactory, TurnContext, type ConversationReference } from 'botbuilder';
import type { Application, TeamsAdapter, TurnState } from '@microsoft/teams-ai';
import type { AlertCard, AlertNotifier, AlertPoller, Delivery } from '../core/alertPoller';
import { kindById } from '../core/kinds';
import { trackedKind, type TrackedKindId } from '../core/trackedKinds';
import type { KindId } from '../core/model';
import type { ChangeRequests } from '../core/requests';
import type { Logger } from '../log';
import { alertCard, massDeletion } from './alertViews';
import type { RequestRoutes } from './requestRoutes';
import { outOfDate, withActor } from './guards';
import { changeAlertCard } from './historyViews';
import { inConversation } from './proactive';
import { commandActor } from './guards';
import { formatDate, personName, type ViewContext } from './views';

/**
 * Teams side of deletion alerts: the `alerts` command, remembering where the bot is
 * installed, and posting/updating alert cards proactively.
 */

/** Errors after which a conversation will never accept the bot's messages again. */
const GONE_CODES = ['BotNotInConversationRoster', 'BotDisabledByAdmin', 'MessageWritesBlocked', 'ConversationNotFound'];

/** A channel message's conversation id carries ";messageid=…"; subscriptions belong to the channel. */
export function conversationKey(reference: Partial<ConversationReference>): string {
  return (reference.conversation?.id ?? '').split(';')[0];
}

/** Teams allows a bot about 7 messages per second per conversation; stay under it. */
const MIN_SEND_GAP_MS = 200;

export class TeamsAlertNotifier implements AlertNotifier {
  private readonly nextSlot = new Map<string, number>();

  constructor(
    private readonly adapter: TeamsAdapter,
    private readonly botAppId: string | undefined,
    private readonly view: ViewContext,
    private readonly massThreshold = 10,
  ) {}

  send(reference: unknown, alert: AlertCard): Promise<Delivery> {
    return this.deliver(reference, async (context) => {
      const sent = await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(this.cardOf(alert))));
      return sent?.id;
    });
  }

  update(reference: unknown, activityId: string, alert: AlertCard): Promise<Delivery> {
    return this.deliver(reference, async (context) => {
      await context.updateActivity({ id: activityId, type: ActivityTypes.Message, attachments: [CardFactory.adaptiveCard(this.cardOf(alert))] });
      return activityId;
    });
  }

  private cardOf(alert: AlertCard) {
    return alert.changes ? changeAlertCard(alert, this.view) : alertCard(alert, this.view, this.massThreshold);
  }

  private async deliver(reference: unknown, work: (context: TurnContext) => Promise<string | undefined>): Promise<Delivery> {
    const channelReference = { ...(reference as Partial<ConversationReference>) };
    // A proactive message starts a new post, not a reply to the message that subscribed.
    delete channelReference.activityId;
    if (channelReference.conversation) channelReference.conversation = { ...channelReference.conversation, id: conversationKey(channelReference) };
    await this.pace(conversationKey(channelReference));
    try {
      return { ok: true, activityId: await inConversation(this.adapter, this.botAppId, channelReference, work) };
    } catch (error) {
      const e = error as { statusCode?: number; code?: string; message?: string; body?: unknown };
      const text = `${e.code ?? ''} ${e.message ?? ''} ${JSON.stringify(e.body ?? '')}`;
      const code = GONE_CODES.find((c) => text.includes(c));
      if (e.statusCode === 403 || e.statusCode === 404 || code) {
        return { ok: false, gone: true, reason: `${e.statusCode ?? ''} ${code ?? 'Forbidden'}`.trim() };
      }
      return { ok: false, gone: false, reason: `${e.statusCode ?? ''} ${e.message ?? 'send failed'}`.trim().slice(0, 200) };
    }
  }

  private async pace(key: string): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot.get(key) ?? 0);
    this.nextSlot.set(key, slot + MIN_SEND_GAP_MS);
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}

export class AlertRoutes {
  constructor(
    private readonly deps: { poller: AlertPoller; requests: ChangeRequests; requestCards: RequestRoutes; logger: Logger; pollSeconds: number; massThreshold?: number },
  ) {}

  register(app: Application<TurnState>): void {
    // One click, one request: the items come from the stored alert (never from card data), those the actor deleted that are still in the recycle bin.
    app.adaptiveCards.actionExecute<{ alertId?: string }>('alert.restoreAll', (context, _state, data) =>
      withActor(context, this.deps.logger, async (actor) => {
        const alert = typeof data.alertId === 'string' && /^[0-9a-f-]{36}$/i.test(data.alertId) ? await this.deps.poller.alert(data.alertId) : undefined;
        if (!alert) return outOfDate(this.deps.logger, 'alert.restoreAll', 'That alert is out of date (everything in it has left the recycle bin). Type `deleted` to see what is there.');
        const mass = massDeletion(alert, 0);
        if (!mass) return 'Nothing on that alert is still in the recycle bin with a known deleter.';
        await this.deps.requestCards.createAndPublishBulk(context, actor, mass.items.map((item) => ({ kind: item.kind, id: item.key })), true, `mass deletion by ${mass.actor}`);
        return `Asked for approval to restore the ${mass.items.length} items ${mass.actor} deleted: see the request below.`;
      }),
    );

    app.activity(ActivityTypes.InstallationUpdate, async (context) => {
      const reference = TurnContext.getConversationReference(context.activity);
      const key = conversationKey(reference);
      if (context.activity.action?.startsWith('remove')) {
        await this.deps.poller.forget(key);
        this.deps.logger.info('bot.uninstalled', { conversationKey: key });
      } else {
        // Installing remembers where the bot lives; only `alerts on` subscribes.
        await this.deps.poller.remember(key, reference);
        this.deps.logger.info('bot.installed', { conversationKey: key });
      }
    });
  }

  async alertsCommand(context: TurnContext, command: { change?: 'on' | 'off'; kinds: KindId[]; changeKinds?: TrackedKindId[] }): Promise<void> {
    const reference = TurnContext.getConversationReference(context.activity);
    const key = conversationKey(reference);
    if (command.change) {
      const actor = await commandActor(context);
      if (!actor) return;
      if (command.change === 'off') {
        const removed = await this.deps.poller.unsubscribe(key);
        return void (await context.sendActivity(removed ? 'Alerts are off for this conversation (deletions and changes).' : 'This conversation was not subscribed to alerts.'));
      }
      await this.deps.poller.subscribe(key, reference, command.kinds, actor, command.changeKinds);
      const state = await this.deps.poller.state();
      const baseline = state.baselineAt
        ? 'Items already in the recycle bin are not alerted; only deletions from now on.'
        : 'The first check records what is already in the recycle bin as a baseline and alerts on nothing old.';
      const changes = command.changeKinds ? ` Changes too (new, changed and switched-off objects) for ${changeKindList(command.changeKinds)}, with Revert.` : '';
      return void (await context.sendActivity(`Alerts are on for ${kindList(command.kinds)}.${changes} ${baseline}${this.deps.pollSeconds === 0 ? ' Note: polling is turned off on this bot (ALERT_POLL_SECONDS=0).' : ''}`));
    }
    const [subscription, state] = await Promise.all([this.deps.poller.subscription(key), this.deps.poller.state()]);
    const lines = [
      subscription
        ? subscription.enabled
          ? `This conversation gets alerts for deletions of ${kindList(subscription.kinds)}${subscription.changeKinds ? ` and for changes to ${changeKindList(subscription.changeKinds)}` : ' (not for changes: `alerts on changes` adds them)'} (since ${formatDate(new Date(subscription.subscribedAt))}, set by ${personName(subscription.subscribedBy)}).`
          : `Alerts for this conversation are disabled: ${subscription.disabledReason}. Type \`alerts on\` to try again.`
        : 'This conversation gets no alerts. Type `alerts on` to subscribe.',
      this.deps.pollSeconds === 0 ? 'Polling is turned off on this bot (ALERT_POLL_SECONDS=0).' : `The bot checks every ${this.deps.pollSeconds} s.`,
      state.lastCycleAt ? `Last check: ${formatDate(new Date(state.lastCycleAt))}.` : 'No check has run yet.',
      state.baselineAt ? `Baseline recorded ${formatDate(new Date(state.baselineAt))}: items deleted before that are not alerted.` : 'The first check will record a baseline and alert on nothing old.',
    ];
    if (state.lastError) lines.push(`The last check failed (${state.lastError}); it is retried on the next one.`);
    if (!state.auditAvailable) lines.push('Who deleted an item is unknown: the bot lacks AuditLog.Read.All.');
    await context.sendActivity(lines.join('\n\n'));
  }
}

function changeKindList(kinds: TrackedKindId[]): string {
  return kinds.map((k) => trackedKind(k).plural).join(', ');
}

function kindList(kinds: KindId[]): string {
  return kinds.map((k) => kindById(k).plural).join(', ');
}
