import { randomUUID } from 'node:crypto';
import { ActivityTypes, type TurnContext } from 'botbuilder';
import { Application, type TeamsAdapter, type TurnState } from '@microsoft/teams-ai';
import { isOpenCommand, parseCommand, PLACEHOLDER_IDS, type Command, type ExampleIds } from '../core/commands';
import type { RecycleBin } from '../core/recycleBin';
import type { AccessControl } from '../core/access';
import type { ChangeRequests } from '../core/requests';
import type { RequestRunner } from '../core/requestRunner';
import type { Gatekeeper } from '../core/gatekeeper';
import type { PartnerDirectory } from '../core/partnerChanges';
import type { AlertPoller } from '../core/alertPoller';
import type { DemoTenant } from '../core/demoTenant';
import { clip } from '../core/summaries';
import { GraphFailure } from '../graph/errors';
import type { GraphProbe } from '../graph/gateway';
import type { Logger } from '../log';
import { StoreUnavailableError } from '../store/port';
import { AlertRoutes } from './alertRoutes';
import { BrowseRoutes } from './browseRoutes';
import { registerGate, requireRole } from './gate';
import { commandActor, outOfDate, STORE_UNAVAILABLE } from './guards';
import { PartnerRoutes } from './partnerRoutes';
import { RequestRoutes, type TeamsRequestNotifier } from './requestRoutes';
import { reply, send } from './turn';
import { failureCard, type ViewContext } from './views';

import { HistoryRoutes } from './historyRoutes';
import type { ChangeHistory } from '../core/history';
/**
 * The Teams edge: teams-ai routes that translate activities into domain calls and
 * results into cards. Nothing here decides policy; it only asks the core and renders.
 */

export interface BotDependencies {
  adapter: TeamsAdapter;
  botAppId?: string;
  recycleBin: RecycleBin;
  requests: ChangeRequests;
  runner: RequestRunner;
  requestNotifier: TeamsRequestNotifier;
  access: AccessControl;
  gatekeeper: Gatekeeper;
  poller: AlertPoller;
  /** Stored versions of live objects (history, diff, revert). */
  history: ChangeHistory;
  alertPollSeconds: number;
  partners: PartnerDirectory;
  probeGraph: () => Promise<GraphProbe>;
  mode: 'demo' | 'tenant';
  /** The simulated tenant, in demo mode only: `demo delete` is refused without it. */
  demoTenant?: DemoTenant;
  /** Ids of real items for help's examples (demo mode); placeholders when absent. */
  helpExamples?: ExampleIds;
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

/** One handler per command type: a command without a handler does not compile. */
type CommandHandlers = { [K in Command['type']]: (context: TurnContext, command: Extract<Command, { type: K }>) => Promise<void> };

export function createBotApplication(deps: BotDependencies): { app: Application<TurnState> } {
  const { logger } = deps;
  const view: ViewContext = { footer: cardFooter(deps.mode, deps.unauthenticatedBot), now: deps.now ?? (() => new Date()) };
  const app = new Application<TurnState>({
    adapter: deps.adapter,
    botAppId: deps.botAppId,
    // No route keeps turn state, so none is stored: without a storage teams-ai reads and writes nothing.
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

  const browseRoutes = new BrowseRoutes({
    recycleBin: deps.recycleBin,
    poller: deps.poller,
    alertPollSeconds: deps.alertPollSeconds,
    probeGraph: deps.probeGraph,
    lastSelfTest: () => deps.requests.lastSelfTest(),
    mode: deps.mode,
    unauthenticatedBot: deps.unauthenticatedBot,
    allowedTenantId: deps.allowedTenantId,
    logger,
    view,
    helpExamples: deps.helpExamples ?? PLACEHOLDER_IDS,
  });
  browseRoutes.register(app);
  const requestRoutes = new RequestRoutes({
    currentMirror: () => browseRoutes.currentMirror(),
    runner: deps.runner,
    notifier: deps.requestNotifier,
    requests: deps.requests,
    access: deps.access,
    logger,
    view,
  });
  requestRoutes.register(app);
  const alertRoutes = new AlertRoutes({ poller: deps.poller, requests: deps.requests, requestCards: requestRoutes, logger, pollSeconds: deps.alertPollSeconds });
  alertRoutes.register(app);
  const partnerRoutes = new PartnerRoutes({ partners: deps.partners, requests: deps.requests, requestCards: requestRoutes, view, logger });
  partnerRoutes.register(app);
  const historyRoutes = new HistoryRoutes({ history: deps.history, requests: deps.requests, requestCards: requestRoutes, logger, view });
  historyRoutes.register(app);

  const commands: CommandHandlers = {
    help: (context) => browseRoutes.helpCommand(context),
    deleted: (context, command) => browseRoutes.deletedCommand(context, command),
    show: (context, command) => browseRoutes.showCommand(context, command),
    status: (context) => browseRoutes.statusCommand(context),
    restore: (context, command) => ('bulk' in command ? requestRoutes.restoreBulkCommand(context, command) : requestRoutes.restoreCommand(context, command)),
    selftest: (context, command) => requestRoutes.selfTestCommand(context, command.reason),
    pending: (context) => requestRoutes.pendingCommand(context),
    audit: (context, command) => requestRoutes.auditCommand(context, command.count),
    cancel: (context, command) => requestRoutes.cancelCommand(context, command.requestId),
    approvals: (context, command) => requestRoutes.approvalsCommand(context, command),
    alerts: (context, command) => alertRoutes.alertsCommand(context, command),
    partners: (context, command) => partnerRoutes.partnersCommand(context, command.search),
    partner: (context, command) => partnerRoutes.partnerCommand(context, command),
    demo: (context, command) => demoDelete(context, command.target),
    history: (context, command) => historyRoutes.historyCommand(context, command.target),
    diff: (context, command) => historyRoutes.diffCommand(context, command),
    revert: (context, command) => historyRoutes.revertCommand(context, command),
    recreate: (context, command) => historyRoutes.recreateCommand(context, command),
  };
  // TypeScript cannot correlate a union value with the handler of its own member; the map's type guarantees they match.
  const runCommand = (context: TurnContext, command: Command) => (commands[command.type] as (context: TurnContext, command: Command) => Promise<void>)(context, command);

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
    if (!isOpenCommand(command) && !(await requireRole(context, { gatekeeper: deps.gatekeeper, logger }, 'operator', `run \`${command.type}\``))) return;
    await guarded(context, () => runCommand(context, command));
  });

  // Registered last: buttons from an older build or a forged invoke get an answer, not an error.
  app.adaptiveCards.actionExecute(/.*/, async (context) => outOfDate(logger, String(context.activity.value?.action?.verb).slice(0, 40), 'That button is out of date. Type `help` to see what I can do now.'));

  app.error(async (context, error) => {
    const reference = randomUUID();
    logger.error('turn.error', { reference, error });
    // The gate audits refusals before any route runs, so an unreachable store surfaces here too.
    await reply(context, error instanceof StoreUnavailableError ? STORE_UNAVAILABLE : `Something went wrong on my side (reference ${reference}). Nothing was changed.`);
  });

  /** `demo delete`: lets a walkthrough trigger a deletion alert; a real tenant is never touched. */
  async function demoDelete(context: TurnContext, target: string): Promise<void> {
    if (!deps.demoTenant) return void (await context.sendActivity('`demo delete` works only in demo mode. This bot is connected to a real tenant, so nothing was deleted.'));
    const actor = await commandActor(context);
    if (!actor) return;
    const result = deps.demoTenant.deleteLive(target, actor);
    logger.info('demo.delete', { target: clip(target, 80), ok: result.ok });
    await context.sendActivity(result.ok ? result.value : result.message);
  }

  /** Runs a message handler; Graph failures become a card, anything else a friendly line. */
  async function guarded(context: TurnContext, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof GraphFailure) return void (await send(context, failureCard(error, view)));
      if (error instanceof StoreUnavailableError) return void (await context.sendActivity(STORE_UNAVAILABLE));
      throw error;
    }
  }

  return { app };
}
