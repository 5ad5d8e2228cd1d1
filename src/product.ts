import type { TokenCredential } from '@azure/identity';
import { TeamsAdapter } from '@microsoft/teams-ai';
import type { Config } from './config';
import { createBotApplication } from './bot/app';
import { startBotServer, type BotServer } from './bot/server';
import { createCredential } from './graph/credential';
import { GraphGateway } from './graph/gateway';
import type { Logger } from './log';
import { DEMO_IDS, startGraphSimulator, type GraphSimulator } from './simulator';
import { AccessControl, type AccessPolicy } from './core/access';
import { ChangeRequests } from './core/requests';
import { createFileStateStore, type StateStore } from './store';
import type { RequestRoutes } from './bot/requestRoutes';
import { AlertPoller } from './core/alertPoller';
import { TeamsAlertNotifier } from './bot/alertRoutes';
import { DEMO_FOOTER } from './bot/app';

/**
 * Wires the product together: Graph gateway, Teams adapter, routes and HTTP server.
 * In demo mode it first starts the Graph simulator and points the same gateway at it,
 * so demo and tenant mode share every line of Graph client code.
 */

export interface Product {
  bot: BotServer;
  gateway: GraphGateway;
  simulator?: GraphSimulator;
  store: StateStore;
  requestRoutes: RequestRoutes;
  poller: AlertPoller;
  stop(): Promise<void>;
}

export interface ProductOverrides {
  /** Use this simulator instead of starting one (tests share a simulator with the bot). */
  simulator?: GraphSimulator;
  now?: () => Date;
  /** Use this store instead of the file store under STATE_DIR. */
  store?: StateStore;
}

export async function startProduct(config: Config, logger: Logger, overrides: ProductOverrides = {}): Promise<Product> {
  let simulator: GraphSimulator | undefined;
  let ownsSimulator = false;
  let graphSettings = config.graph;
  let credential: TokenCredential;
  let trustedCaPem: string | undefined;

  if (config.mode === 'demo' || overrides.simulator) {
    simulator = overrides.simulator;
    if (!simulator) {
      simulator = await startGraphSimulator({ log: (entry) => logger.debug('simulator.request', entry) });
      ownsSimulator = true;
    }
    trustedCaPem = simulator.caCertPem;
    graphSettings = { ...config.graph, baseUrl: simulator.url, authorityHost: simulator.authorityHost };
    credential = createCredential(
      { type: 'secret', tenantId: simulator.tenantId, clientId: simulator.clientId, clientSecret: simulator.clientSecret },
      { authorityHost: simulator.authorityHost, trustedCaPem },
    );
    logger.warn('demo.mode', { message: 'DEMO MODE: Graph is the in-process simulator with a seeded tenant; no real tenant is read or changed.', graph: simulator.url });
  } else {
    credential = createCredential(config.credential!, { authorityHost: config.graph.authorityHost });
  }

  const gateway = new GraphGateway({ settings: graphSettings, credential, logger, trustedCaPem });
  const adapter = config.bot
    ? new TeamsAdapter({
        MicrosoftAppId: config.bot.appId,
        MicrosoftAppPassword: config.bot.password,
        MicrosoftAppType: config.bot.type,
        MicrosoftAppTenantId: config.bot.tenantId,
      })
    : new TeamsAdapter({});
  if (!config.bot) logger.warn('bot.anonymous', { message: 'BOT_ID is not set: inbound requests are not authenticated. Acceptable only for local demos and tests.' });

  const store = overrides.store ?? (await createFileStateStore(config.stateDir));
  const access = new AccessControl(accessPolicy(config, simulator), gateway, overrides.now);
  const requests = new ChangeRequests({
    store,
    bin: gateway,
    writer: gateway,
    partners: gateway,
    access,
    homeTenantId: simulator?.tenantId ?? config.allowedTenantId,
    settings: config.approvals,
    now: overrides.now,
  });
  const poller = new AlertPoller({
    store,
    bin: gateway,
    writer: gateway,
    audit: gateway,
    notifier: new TeamsAlertNotifier(adapter, config.bot?.appId, { footer: config.mode === 'demo' ? DEMO_FOOTER : '' }),
    log: (event, fields) => logger.info(event, fields),
    now: overrides.now,
  });
  const { app, requestRoutes } = createBotApplication({
    poller,
    alertPollSeconds: config.alertPollSeconds,
    partners: gateway,
    adapter,
    botAppId: config.bot?.appId,
    recycleBin: gateway,
    requests,
    access,
    probeGraph: () => gateway.probe(),
    mode: config.mode,
    allowedTenantId: config.allowedTenantId,
    logger,
    now: overrides.now,
  });
  // A restore that was running when the process stopped is closed from Graph's answer, never re-run.
  for (const request of await requests.recoverInterrupted()) {
    logger.warn('request.recovered', { requestId: request.id, state: request.state });
    await requestRoutes.updateCard(request);
  }
  const bot = await startBotServer({ app, adapter, port: config.port, logger });
  logger.info('bot.listening', { url: `${bot.url}/api/messages`, mode: config.mode, stateDir: overrides.store ? undefined : config.stateDir });

  const pollTimer = config.alertPollSeconds > 0 ? startPolling(poller, config.alertPollSeconds * 1000, logger) : undefined;
  let stopped = false;
  return {
    bot,
    gateway,
    simulator,
    store,
    requestRoutes,
    poller,
    async stop() {
      if (stopped) return;
      stopped = true;
      pollTimer?.stop();
      await poller.idle();
      await bot.close();
      await requestRoutes.idle();
      await store.close();
      await gateway.close();
      if (ownsSimulator) await simulator?.close();
    },
  };
}

/** Demo mode without configured roles uses the simulated tenant's operator and approver groups. */
function accessPolicy(config: Config, simulator: GraphSimulator | undefined): AccessPolicy {
  const { access } = config;
  const configured = access.approverIds.length > 0 || access.approverGroupId || access.operatorIds.length > 0 || access.operatorGroupId;
  if (configured || !simulator) return access;
  return { operatorIds: [], approverIds: [], operatorGroupId: DEMO_IDS.operatorsGroup, approverGroupId: DEMO_IDS.approversGroup };
}

/** Polls on a fixed period; a failed cycle is logged and simply tried again next time. */
function startPolling(poller: AlertPoller, periodMs: number, logger: Logger): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    try {
      const report = await poller.runCycle();
      if (report.baseline || report.appeared || report.sent || report.updated) logger.info('alerts.cycle', { ...report });
    } catch (error) {
      logger.warn('alerts.cycle_failed', { error });
    }
    if (!stopped) timer = setTimeout(tick, periodMs);
  };
  timer = setTimeout(tick, Math.min(periodMs, 2000));
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
