import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { AzureStateSettings, Config } from './config';

/** How long the alert poller's lease lasts; another instance takes over within two of these. */
const POLL_LEASE_SECONDS = 20;
import { createBotApplication } from './bot/app';
import { startBotServer, type BotServer } from './bot/server';
import { createCredential } from './graph/credential';
import { GraphGateway } from './graph/gateway';
import type { Logger } from './log';
import type { GraphSimulator } from './simulator';
import type { SimulatedGraph } from './demo/simulatedTenant';
import { AccessControl } from './core/access';
import { Gatekeeper } from './core/gatekeeper';
import { ChangeRequests } from './core/requests';
import { readFileSync } from 'node:fs';
import { createFileStateStore } from './store/file';
import { startLocalLease } from './store/localLease';
import type { LeaderLease, StateStore } from './store/port';
import type { GraphSettings } from './config';
import { TeamsRequestNotifier } from './bot/requestRoutes';
import { RequestRunner, type RequestNotifier } from './core/requestRunner';
import { countFinishedRequest, inSpan } from './telemetry';
import { ApprovalsConversation } from './core/approvalsConversation';
import { AlertPoller } from './core/alertPoller';
import { ChangeHistory } from './core/history';
import { TeamsAlertNotifier } from './bot/alertRoutes';
import { cardFooter } from './bot/app';
import { createChannelAdapter } from './bot/adapter';
import type { EnvelopeRules } from './bot/envelope';

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
  history: ChangeHistory;
  /**
   * Graceful stop: no new turns or polls, then up to graceMs (SHUTDOWN_GRACE_SECONDS) for the
   * turns and executions under way; what is still running then is handed over through its claim.
   */
  stop(graceMs?: number): Promise<void>;
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
  const { demo, credential, trustedCaPem } = graph;
  const simulator = demo?.simulator;
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
  const access = new AccessControl(demo?.accessPolicy(config.access) ?? config.access, gateway, overrides.now);
  const gatekeeper = new Gatekeeper({ access, store, now: overrides.now, log: (event, fields) => logger.warn(event, fields) });
  const history: ChangeHistory = new ChangeHistory({
    store,
    live: gateway,
    audit: gateway,
    names: gateway,
    // Asked at run time, once the requests exist: a change the bot made for an approved request is labelled with it.
    ownChanges: { changedBy: (item): ReturnType<ChangeRequests['changedBy']> => requests.changedBy(item) },
    retentionDays: config.historyRetentionDays,
    now: overrides.now,
    log: (event, fields) => logger.info(event, fields),
  });
  const requests: ChangeRequests = new ChangeRequests({
    store,
    bin: gateway,
    writer: gateway,
    partners: gateway,
    selfTestGraph: gateway,
    audit: gateway,
    history,
    live: gateway,
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
    history,
    ownDeletions: requests,
    notifier: new TeamsAlertNotifier(adapter, config.bot?.appId, view, config.alertMassDeleteThreshold),
    log: (event, fields) => logger.info(event, fields),
    now: overrides.now,
  });
  const approvals = new ApprovalsConversation({ store, gatekeeper, now: overrides.now });
  const requestNotifier = new TeamsRequestNotifier({ adapter, botAppId: config.bot?.appId, view, logger, approvals });
  const claim = { leaseMs: config.requestClaimSeconds * 1000, renewEveryMs: (config.requestClaimSeconds * 1000) / 3 };
  const runner = new RequestRunner({ requests, notifier: countingOutcomes(requestNotifier), restored: poller, claim, now: overrides.now, log: (event, fields) => logger.warn(event, fields) });
  const { app } = createBotApplication({
    poller,
    history,
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
    helpExamples: config.mode === 'demo' ? demo?.exampleIds : undefined,
    demoTenant: config.mode === 'demo' ? demo?.tenant : undefined,
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
    history,
    async stop(graceMs = config.shutdownGraceSeconds * 1000) {
      if (stopped) return;
      stopped = true;
      pollTimer?.stop();
      sweepTimer.stop();
      // Turns already started are answered and approved changes run on, for as long as the grace allows.
      const finished = Promise.allSettled([bot.close(), poller.idle(), runner.idle()]).then(() => true);
      let deadline: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([finished, new Promise<false>((resolve) => (deadline = setTimeout(() => resolve(false), graceMs)))]);
      clearTimeout(deadline);
      if (!inTime) {
        // Their claims stop being renewed and lapse; another instance's sweep completes them from what Graph shows.
        logger.warn('shutdown.handover', { requests: runner.executing(), claimSeconds: config.requestClaimSeconds, graceSeconds: graceMs / 1000 });
      }
      await state.pollLease.stop();
      await store.close();
      await gateway.close();
      await demo?.close();
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

/** Polls on a fixed period while this instance holds the poll lease; a failed cycle is tried again next time. */
function startPolling(poller: AlertPoller, lease: LeaderLease, periodMs: number, logger: Logger): { stop(): void } {
  return repeat(periodMs, Math.min(periodMs, 2000), async () => {
    if (!lease.isLeader()) return;
    const report = await inSpan('alerts.poll_cycle', async (span) => {
      const result = await poller.runCycle();
      span.setAttributes({ 'alerts.baseline': result.baseline, 'alerts.appeared': result.appeared, 'alerts.sent': result.sent, 'alerts.updated': result.updated });
      return result;
    });
    if (report.baseline || report.appeared || report.sent || report.updated) logger.info('alerts.cycle', { ...report });
  }, (error) => logger.warn('alerts.cycle_failed', { error }));
}

/** The notifier, counting each request that ends by action and outcome (Application Insights, when on). */
function countingOutcomes(notifier: RequestNotifier): RequestNotifier {
  return {
    cardChanged: (request) => notifier.cardChanged(request),
    requestFinished: (request) => {
      countFinishedRequest(request.action.type, request.state);
      return notifier.requestFinished(request);
    },
  };
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
  /** Demo mode (or a test's simulator): the simulator and what the bot shows and allows there. */
  demo?: SimulatedGraph;
}

/**
 * The Graph endpoint and credential. In demo mode (or with a test's simulator) that is the
 * simulator and its authority, reached through the same client code as a real tenant; the
 * simulator's code is loaded only then.
 */
async function connectGraph(config: Config, logger: Logger, given: GraphSimulator | undefined): Promise<GraphConnection> {
  if (config.mode === 'tenant' && !given) {
    const trustedCaPem = config.graphCaFile ? readFileSync(config.graphCaFile, 'utf8') : undefined;
    const credential = createCredential(config.credential!, { authorityHost: config.graph.authorityHost, trustedCaPem });
    return { settings: config.graph, credential, trustedCaPem };
  }
  // require, not import(): loaded on demand, and the same under tsx (tests) and compiled.
  const { connectSimulatedGraph } = require('./demo/simulatedTenant') as typeof import('./demo/simulatedTenant');
  const demo = await connectSimulatedGraph(logger, given);
  const { simulator } = demo;
  const credential = createCredential(
    { type: 'secret', tenantId: simulator.tenantId, clientId: simulator.clientId, clientSecret: simulator.clientSecret },
    { authorityHost: simulator.authorityHost, trustedCaPem: simulator.caCertPem },
  );
  return { settings: { ...config.graph, baseUrl: simulator.url, authorityHost: simulator.authorityHost }, credential, trustedCaPem: simulator.caCertPem, demo };
}

interface StateConnection {
  store: StateStore;
  /** Only the holder polls for deletions. */
  pollLease: LeaderLease;
  description: string;
}

/** The embedded file store, or Azure Storage shared by every instance when configured (its SDK loaded only then). */
async function openState(config: Config, credential: TokenCredential, logger: Logger, given: StateStore | undefined): Promise<StateConnection> {
  const azure = config.azureState;
  if (given || !azure) {
    return { store: given ?? (await createFileStateStore(config.stateDir)), pollLease: startLocalLease(), description: given ? 'given' : `files under ${config.stateDir}` };
  }
  const { createAzureStateStore } = require('./store/azure') as typeof import('./store/azure');
  const { startBlobLease } = require('./store/lease') as typeof import('./store/lease');
  const account = azure.connectionString ? { connectionString: azure.connectionString } : { accountUrl: azure.accountUrl, credential: storageCredential(azure, credential) };
  const store = await createAzureStateStore({ ...account, container: azure.container });
  const pollLease = await startBlobLease({
    ...account,
    container: azure.container,
    blobName: 'leases/alert-poller',
    durationSeconds: POLL_LEASE_SECONDS,
    onChange: (leader: boolean) => logger.info(leader ? 'lease.acquired' : 'lease.lost', { lease: 'alert-poller' }),
    log: (event: string, fields: Record<string, unknown>) => logger.debug(event, fields),
  });
  const signIn = azure.connectionString ? '' : azure.managedIdentityClientId ? ` (managed identity ${azure.managedIdentityClientId})` : ' (Graph credential)';
  return { store, pollLease, description: `Azure Storage container ${azure.container}${signIn}` };
}

/**
 * Who signs in to the state account: the user-assigned managed identity the configuration names
 * (by default the bot's, when the bot is one), else the Graph credential.
 */
function storageCredential(azure: AzureStateSettings, graphCredential: TokenCredential): TokenCredential {
  return azure.managedIdentityClientId ? new ManagedIdentityCredential({ clientId: azure.managedIdentityClientId }) : graphCredential;
}
