import { randomUUID } from 'node:crypto';
import { ActivityTypes, type Storage, type TurnContext } from 'botbuilder';
import { Application, type TeamsAdapter, type TurnState } from '@microsoft/teams-ai';
import { isOpenCommand, MAX_SEARCH_CHARS, parseCommand, type Command } from '../core/commands';
import { KINDS, kindIdOf } from '../core/kinds';
import type { KindId } from '../core/model';
import { describe, findDeleted, listDeleted, ListingSnapshots, type RecycleBin } from '../core/recycleBin';
import type { AccessControl } from '../core/access';
import type { ChangeRequests } from '../core/requests';
import { StoreUnavailableError } from '../store';
import { RequestRoutes, type TeamsRequestNotifier } from './requestRoutes';
import type { RequestRunner } from '../core/requestRunner';
import { reply, send } from './turn';
import { registerGate, requireOperator } from './gate';
import type { Gatekeeper } from '../core/gatekeeper';
import { isObjectId } from '../core/model';
import { clip } from '../core/summaries';
import { AlertRoutes } from './alertRoutes';
import { PartnerRoutes } from './partnerRoutes';
import type { PartnerDirectory } from '../core/partnerChanges';
import type { AlertPoller } from '../core/alertPoller';
import { answerSafely, outOfDate, STALE_ITEM_BUTTON, STORE_UNAVAILABLE } from './guards';
import { GraphFailure } from '../graph/errors';
import type { GraphProbe } from '../graph/gateway';
import type { Logger } from '../log';
import type { AdaptiveCardJson } from './cards';
import { chooseKindCard, describeError, detailsCard, failureCard, helpCard, listCard, statusCard, type ListQuery, type ViewContext } from './views';

/**
 * The Teams edge: teams-ai routes that translate activities into domain calls and
 * results into cards. Nothing here decides policy; it only asks the core and renders.
 */

export interface BotDependencies {
  adapter: TeamsAdapter;
  botAppId?: string;
  /** teams-ai turn state storage (Azure Blobs when state is shared). */
  turnStorage?: Storage;
  recycleBin: RecycleBin;
  requests: ChangeRequests;
  runner: RequestRunner;
  requestNotifier: TeamsRequestNotifier;
  access: AccessControl;
  gatekeeper: Gatekeeper;
  poller: AlertPoller;
  alertPollSeconds: number;
  partners: PartnerDirectory;
  probeGraph: () => Promise<GraphProbe>;
  mode: 'demo' | 'tenant';
  /** Tenant mode with ALLOW_UNAUTHENTICATED_BOT: every card says so. */
  unauthenticatedBot: boolean;
  /** When set, activities from any other tenant are refused (always set in tenant mode). */
  allowedTenantId?: string;
  logger: Logger;
  now?: () => Date;
}

export const DEMO_FOOTER = 'Demo mode: this tenant is simulated. Nothing here reads or changes a real tenant.';
export const UNAUTHENTICATED_FOOTER =
  'UNAUTHENTICATED: ALLOW_UNAUTHENTICATED_BOT=true, so this bot does not check that requests come from Teams and anyone who reaches it can act as any user. For a local test only.';

/** The line at the foot of every card, so that a simulated tenant or a bot without authentication is never out of sight. */
export function cardFooter(mode: 'demo' | 'tenant', unauthenticatedBot: boolean): string {
  if (mode === 'demo') return DEMO_FOOTER;
  return unauthenticatedBot ? UNAUTHENTICATED_FOOTER : '';
}

export function createBotApplication(deps: BotDependencies): { app: Application<TurnState> } {
  const { logger } = deps;
  const now = deps.now ?? (() => new Date());
  const view: ViewContext = { footer: cardFooter(deps.mode, deps.unauthenticatedBot) };
  const listingSnapshots = new ListingSnapshots();
  const app = new Application<TurnState>({
    adapter: deps.adapter,
    botAppId: deps.botAppId,
    storage: deps.turnStorage,
    startTypingTimer: false,
    removeRecipientMention: true,
  });

  registerGate(app, { access: deps.access, gatekeeper: deps.gatekeeper, allowedTenantId: deps.allowedTenantId, logger });

  app.conversationUpdate('membersAdded', async (context) => {
    const botId = context.activity.recipient?.id;
    if (context.activity.membersAdded?.some((member) => member.id === botId)) {
      await context.sendActivity('Hi! I list soft-deleted Entra policies (Conditional Access, named locations, cross-tenant partners) and explain them. Type `help` to see what I can do.');
    }
  });

  app.activity(ActivityTypes.Message, async (context) => {
    const parsed = parseCommand(typeof context.activity.text === 'string' ? context.activity.text : '');
    logger.info('command', { parsed: parsed.ok ? parsed.command.type : parsed.problem });
    if (!parsed.ok) {
      if (parsed.problem === 'empty') return void (await context.sendActivity('Type `help` to see what I can do.'));
      if (parsed.problem === 'invalid') return void (await context.sendActivity(`${parsed.message}\n\nUsage: \`${parsed.usage}\``));
      const guess = parsed.suggestion ? ` Did you mean \`${parsed.suggestion}\`?` : '';
      return void (await context.sendActivity(`I don't know "${clip(parsed.word, 40)}".${guess} Type \`help\` for everything I can do.`));
    }
    const { command } = parsed;
    if (!isOpenCommand(command) && !(await requireOperator(context, { gatekeeper: deps.gatekeeper, logger }, `run \`${command.type}\``))) return;
    await guarded(context, () => runCommand(context, command));
  });

  app.adaptiveCards.actionExecute<{ kind?: string; search?: string; page?: string | number }>('list.page', async (context, _state, data) => {
    const kind = data.kind === 'all' || !data.kind ? 'all' : kindIdOf(data.kind);
    if (!kind) return outOfDate(logger, 'list.page', 'That list button is out of date. Type `deleted` for a fresh list.');
    const query: ListQuery = { kind, search: typeof data.search === 'string' ? clip(data.search, MAX_SEARCH_CHARS) : '' };
    return answerSafely(logger, () => buildList(context, query, Number(data.page) || 0, 'snapshot'));
  });

  app.adaptiveCards.actionExecute<{ kind?: string; id?: string }>('item.show', async (context, _state, data) => {
    const kind = kindIdOf(data.kind);
    if (!kind || !isObjectId(data.id)) return outOfDate(logger, 'item.show', STALE_ITEM_BUTTON);
    const id = data.id;
    return answerSafely(logger, async () => {
      await send(context, await buildShow(id, kind));
      return 'Details posted below.';
    });
  });

  const requestRoutes = new RequestRoutes({
    runner: deps.runner,
    notifier: deps.requestNotifier,
    requests: deps.requests,
    access: deps.access,
    logger,
    view,
  });
  requestRoutes.register(app);
  const alertRoutes = new AlertRoutes({ poller: deps.poller, requests: deps.requests, logger, pollSeconds: deps.alertPollSeconds });
  alertRoutes.register(app);
  const partnerRoutes = new PartnerRoutes({ partners: deps.partners, requests: deps.requests, requestRoutes, view, logger });
  partnerRoutes.register(app);

  // Registered last: buttons from an older build or a forged invoke get an answer, not an error.
  app.adaptiveCards.actionExecute(/.*/, async (context) => outOfDate(logger, String(context.activity.value?.action?.verb).slice(0, 40), 'That button is out of date. Type `help` to see what I can do now.'));

  app.error(async (context, error) => {
    const reference = randomUUID();
    logger.error('turn.error', { reference, error });
    // Turn state is read before any route runs, so an unreachable store surfaces here too.
    await reply(context, error instanceof StoreUnavailableError ? STORE_UNAVAILABLE : `Something went wrong on my side (reference ${reference}). Nothing was changed.`);
  });

  async function runCommand(context: TurnContext, command: Command): Promise<unknown> {
    switch (command.type) {
      case 'help':
        return send(context, helpCard(view));
      case 'deleted': {
        const kind = command.kinds.length === 1 ? command.kinds[0] : 'all';
        return send(context, await buildList(context, { kind, search: command.search }, 0, 'fresh'));
      }
      case 'show':
        return send(context, await buildShow(command.id, command.kind));
      case 'status':
        return send(
          context,
          statusCard({ mode: deps.mode, unauthenticatedBot: deps.unauthenticatedBot, configuredTenantId: deps.allowedTenantId, probe: await deps.probeGraph(), alerts: { pollSeconds: deps.alertPollSeconds, state: await deps.poller.state() } }, view),
        );
      case 'restore':
        return requestRoutes.restoreCommand(context, command);
      case 'pending':
        return requestRoutes.pendingCommand(context);
      case 'audit':
        return requestRoutes.auditCommand(context, command.count);
      case 'cancel':
        return requestRoutes.cancelCommand(context, command.requestId);
      case 'alerts':
        return alertRoutes.alertsCommand(context, command);
      case 'partners':
        return partnerRoutes.partnersCommand(context, command.search);
      case 'partner':
        return partnerRoutes.partnerCommand(context, command);
    }
  }

  /** A typed `deleted` lists afresh; Next / Previous reuse that listing while it is recent. */
  async function buildList(context: TurnContext, query: ListQuery, page: number, source: 'fresh' | 'snapshot'): Promise<AdaptiveCardJson> {
    const kinds = query.kind === 'all' ? KINDS.map((k) => k.id) : [query.kind];
    const key = JSON.stringify([context.activity.conversation?.id, query.kind, query.search]);
    const kept = source === 'snapshot' ? listingSnapshots.get(key) : undefined;
    if (kept) return listCard(kept, query, page, view);
    const listing = await listDeleted(deps.recycleBin, kinds, query.search, now());
    // When every kind failed there is nothing to list: show the failure itself.
    if (listing.failures.length === kinds.length && listing.failures[0].error instanceof GraphFailure) {
      return failureCard(listing.failures[0].error, view);
    }
    listingSnapshots.put(key, listing);
    return listCard(listing, query, page, view);
  }

  async function buildShow(id: string, kind: KindId | undefined): Promise<AdaptiveCardJson | string> {
    const lookup = await findDeleted(deps.recycleBin, id, kind, now());
    if (lookup.found === 'several') return chooseKindCard(id, lookup.items, view);
    if (lookup.found === 'one') return detailsCard(await describe(deps.recycleBin, lookup.item, now()), view);
    const graphFailure = lookup.failures.find((f) => f.error instanceof GraphFailure)?.error as GraphFailure | undefined;
    if (graphFailure && lookup.failures.length === (kind ? 1 : KINDS.length)) return failureCard(graphFailure, view);
    const warnings = lookup.failures.map((f) => `\n\n⚠️ ${describeError(f.error)}`).join('');
    return `No deleted item has the id ${id}. It may have been restored, purged after 30 days, or never deleted. Type \`deleted\` to see what is in the recycle bin.${warnings}`;
  }

  /** Runs a message handler; Graph failures become a card, anything else a friendly line. */
  async function guarded(context: TurnContext, work: () => Promise<unknown>): Promise<unknown> {
    try {
      await work();
    } catch (error) {
      if (error instanceof GraphFailure) return send(context, failureCard(error, view));
      if (error instanceof StoreUnavailableError) return void (await context.sendActivity(STORE_UNAVAILABLE));
      throw error;
    }
  }

  return { app };
}
