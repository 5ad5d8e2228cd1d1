import type { TokenCredential } from '@azure/identity';
import type { Config } from './config';

/** How long the alert poller's lease lasts; another instance takes over within two of these. */
const POLL_LEASE_SECONDS = 20;
import { createBotApplication } from './bot/app';
import { startBotServer, type BotServer } from './bot/server';
import { createCredential } from './graph/credential';
import { GraphGateway } from './graph/gateway';
import type { Logger } from './log';
import { DEMO_IDS, startGraphSimulator, type GraphSimulator } from './simulator';
import { AccessControl, type AccessPolicy } from './core/access';
import { Gatekeeper } from './core/gatekeeper';
import { ChangeRequests } from './core/requests';
import { readFileSync } from 'node:fs';
import { createAzureStateStore, createFileStateStore, startBlobLease, startLocalLease, type LeaderLease, type StateStore } from './store';
import type { GraphSettings } from './config';
import { TeamsRequestNotifier } from './bot/requestRoutes';
import { RequestRunner } from './core/requestRunner';
import { ApprovalsConversation } from './core/approvalsConversation';
import { AlertPoller } from './core/alertPoller';
import { TeamsAlertNotifier } from './bot/alertRoutes';
import { cardFooter } from './bot/app';
import { createChannelAdapter } from './bot/adapter';
import type { EnvelopeRules } from './bot/envelope';
import type { ExampleIds } from './core/commands';
import { simulatedDemoTenant } from './demo/simulatedTenant';

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
  runner: RequestRunner;
  poller: AlertPoller;
  stop(): Promise<void>;
}

export interface ProductOverrides {
  /** Use this simulator instead of starting one (tests share a simulator with the bot). */
  simulator?: GraphSimulator;
  now?: () => Date;
  /** Use this store instead of the file store under STATE_DIR. */
  store?: StateStore;
  /**
   * False: no poll timer, cycles run only when the caller asks; ALERT_POLL_SECONDS still says how
   * long the mirror of the recycle bins counts as current (tests drive cycles this way).
   */
  pollTimer?: boolean;
}

export async function startProduct(config: Config, logger: Logger, overrides: ProductOverrides = {}): Promise<Product> {
  const graph = await connectGraph(config, logger, overrides.simulator);
  const { simulator, credential, trustedCaPem } = graph;
  const graphSettings = graph.settings;

  const gateway = new GraphGateway({ settings: graphSettings, credential, logger, trustedCaPem });
  const adapter = createChannelAdapter(config.bot);
  if (config.unauthenticatedBot) {
    logger.error('bot.unauthenticated', { message: 'ALLOW_UNAUTHENTICATED_BOT=true in tenant mode: inbound requests are NOT authenticated, so anyone who reaches /api/messages can act as any user against the real tenant. For a local test only.' });
  } else if (!config.bot) {
    logger.warn('bot.anonymous', { message: 'BOT_ID is not set: inbound requests are not authenticated. Acceptable only in demo mode.' });
  }
  const view = { footer: cardFooter(config.mode, config.unauthenticatedBot), now: overrides.now ?? (() => new Date()) };

  const state = await openState(config, credential, logger, overrides.store);
  const { store } = state;
  const access = new AccessControl(accessPolicy(config, simulator), gateway, overrides.now);
  const gatekeeper = new Gatekeeper({ access, store, now: overrides.now, log: (event, fields) => logger.warn(event, fields) });
  const requests = new ChangeRequests({
    store,
    bin: gateway,
    writer: gateway,
    partners: gateway,
    audit: gateway,
    access,
    gatekeeper,
    homeTenantId: simulator?.tenantId ?? config.allowedTenantId,
    settings: config.approvals,
    now: overrides.now,
    log: (event, fields) => logger.warn(event, fields),
  });
  const poller = new AlertPoller({
    store,
    bin: gateway,
    writer: gateway,
    audit: gateway,
    ownDeletions: requests,
    notifier: new TeamsAlertNotifier(adapter, config.bot?.appId, view, config.alertMassDeleteThreshold),
    log: (event, fields) => logger.info(event, fields),
    now: overrides.now,
  });
  const approvals = new ApprovalsConversation({ store, gatekeeper, now: overrides.now });
  const requestNotifier = new TeamsRequestNotifier({ adapter, botAppId: config.bot?.appId, view, logger, approvals });
  const claim = { leaseMs: config.requestClaimSeconds * 1000, renewEveryMs: (config.requestClaimSeconds * 1000) / 3 };
  const runner = new RequestRunner({ requests, notifier: requestNotifier, restored: poller, claim, now: overrides.now, log: (event, fields) => logger.warn(event, fields) });
  const { app } = createBotApplication({
    poller,
    alertPollSeconds: config.alertPollSeconds,
    partners: gateway,
    adapter,
    botAppId: config.bot?.appId,
    recycleBin: gateway,
    requests,
    runner,
    requestNotifier,
    access,
    gatekeeper,
    probeGraph: () => gateway.probe(),
    mode: config.mode,
    helpExamples: config.mode === 'demo' ? DEMO_EXAMPLE_IDS : undefined,
    demoTenant: config.mode === 'demo' && simulator ? simulatedDemoTenant(simulator) : undefined,
    unauthenticatedBot: config.unauthenticatedBot,
    allowedTenantId: config.allowedTenantId,
    logger,
    now: overrides.now,
  });
  const sweep = async () => {
    for (const request of await runner.sweep()) logger.warn('request.recovered', { requestId: request.id, state: request.state });
  };
  // A change that was running when its instance stopped is completed from what Graph shows.
  await sweep();
  const bot = await startBotServer({ app, adapter, envelope: envelopeRules(config), port: config.port, logger });
  logger.info('bot.listening', { url: `${bot.url}/api/messages`, mode: config.mode, state: state.description });

  const pollTimer = config.alertPollSeconds > 0 && overrides.pollTimer !== false ? startPolling(poller, state.pollLease, config.alertPollSeconds * 1000, logger) : undefined;
  const sweepTimer = repeat(config.requestSweepSeconds * 1000, config.requestSweepSeconds * 1000, sweep, (error) => logger.warn('requests.sweep_failed', { error }));
  let stopped = false;
  return {
    bot,
    gateway,
    simulator,
    store,
    runner,
    poller,
    async stop() {
      if (stopped) return;
      stopped = true;
      pollTimer?.stop();
      sweepTimer.stop();
      await poller.idle();
      await state.pollLease.stop();
      await bot.close();
      await runner.idle();
      await store.close();
      await gateway.close();
      if (graph.ownsSimulator) await simulator?.close();
    },
  };
}

/**
 * A bot behind Bot Framework auth only talks to https connectors; a local test channel
 * (its token issuer on loopback) may use a loopback one; an anonymous bot any.
 */
function envelopeRules(config: Config): EnvelopeRules {
  if (!config.bot) return { httpServiceUrl: 'any' };
  const issuer = config.bot.channelAuth ? new URL(config.bot.channelAuth.openIdMetadataUrl) : undefined;
  const localChannel = issuer?.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
  return { httpServiceUrl: localChannel ? 'loopback' : 'never' };
}

/** Help's examples in demo mode: items the seeded tenant holds, so every example works as typed. */
const DEMO_EXAMPLE_IDS: ExampleIds = {
  deletedPolicy: DEMO_IDS.caPolicyWithDeletedLocation,
  livePartner: DEMO_IDS.livePartnerWithSync,
  partnerSearch: DEMO_IDS.livePartnerWithSync.slice(0, 8),
  liveItem: DEMO_IDS.liveMfaPolicy,
};

/** Demo mode without configured roles uses the simulated tenant's operator and approver groups. */
function accessPolicy(config: Config, simulator: GraphSimulator | undefined): AccessPolicy {
  const { access } = config;
  const configured = access.approverIds.length > 0 || access.approverGroupId || access.operatorIds.length > 0 || access.operatorGroupId;
  if (configured || !simulator) return access;
  return { operatorIds: [], approverIds: [], operatorGroupId: DEMO_IDS.operatorsGroup, approverGroupId: DEMO_IDS.approversGroup };
}

/** Polls on a fixed period while this instance holds the poll lease; a failed cycle is tried again next time. */
function startPolling(poller: AlertPoller, lease: LeaderLease, periodMs: number, logger: Logger): { stop(): void } {
  return repeat(periodMs, Math.min(periodMs, 2000), async () => {
    if (!lease.isLeader()) return;
    const report = await poller.runCycle();
    if (report.baseline || report.appeared || report.sent || report.updated) logger.info('alerts.cycle', { ...report });
  }, (error) => logger.warn('alerts.cycle_failed', { error }));
}

/** Runs `work` every periodMs after the previous run ends (the first after firstMs); a failed run is reported and tried again next time. */
function repeat(periodMs: number, firstMs: number, work: () => Promise<void>, failed: (error: unknown) => void): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    try {
      await work();
    } catch (error) {
      failed(error);
    }
    if (!stopped) timer = setTimeout(tick, periodMs);
  };
  timer = setTimeout(tick, firstMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

interface GraphConnection {
  settings: GraphSettings;
  credential: TokenCredential;
  trustedCaPem?: string;
  simulator?: GraphSimulator;
  ownsSimulator: boolean;
}

/**
 * The Graph endpoint and credential. In demo mode (or with a test's simulator) that is the
 * simulator and its authority, reached through the same client code as a real tenant.
 */
async function connectGraph(config: Config, logger: Logger, given: GraphSimulator | undefined): Promise<GraphConnection> {
  if (config.mode === 'tenant' && !given) {
    const trustedCaPem = config.graphCaFile ? readFileSync(config.graphCaFile, 'utf8') : undefined;
    const credential = createCredential(config.credential!, { authorityHost: config.graph.authorityHost, trustedCaPem });
    return { settings: config.graph, credential, trustedCaPem, ownsSimulator: false };
  }
  const simulator = given ?? (await startGraphSimulator({ log: (entry) => logger.debug('simulator.request', entry) }));
  const trustedCaPem = simulator.caCertPem;
  const credential = createCredential(
    { type: 'secret', tenantId: simulator.tenantId, clientId: simulator.clientId, clientSecret: simulator.clientSecret },
    { authorityHost: simulator.authorityHost, trustedCaPem },
  );
  logger.warn('demo.mode', { message: 'DEMO MODE: Graph is the in-process simulator with a seeded tenant; no real tenant is read or changed.', graph: simulator.url });
  return {
    settings: { ...config.graph, baseUrl: simulator.url, authorityHost: simulator.authorityHost },
    credential,
    trustedCaPem,
    simulator,
    ownsSimulator: !given,
  };
}

interface StateConnection {
  store: StateStore;
  /** Only the holder polls for deletions. */
  pollLease: LeaderLease;
  description: string;
}

/** The embedded file store, or Azure Storage shared by every instance when configured. */
async function openState(config: Config, credential: TokenCredential, logger: Logger, given: StateStore | undefined): Promise<StateConnection> {
  const azure = config.azureState;
  if (given || !azure) {
    return { store: given ?? (await createFileStateStore(config.stateDir)), pollLease: startLocalLease(), description: given ? 'given' : `files under ${config.stateDir}` };
  }
  const account = azure.connectionString ? { connectionString: azure.connectionString } : { accountUrl: azure.accountUrl, credential };
  const store = await createAzureStateStore({ ...account, container: azure.container });
  const pollLease = await startBlobLease({
    ...account,
    container: azure.container,
    blobName: 'leases/alert-poller',
    durationSeconds: POLL_LEASE_SECONDS,
    onChange: (leader: boolean) => logger.info(leader ? 'lease.acquired' : 'lease.lost', { lease: 'alert-poller' }),
    log: (event: string, fields: Record<string, unknown>) => logger.debug(event, fields),
  });
  return { store, pollLease, description: `Azure Storage container ${azure.container}` };
}
