import type { TokenCredential } from '@azure/identity';
import { TeamsAdapter } from '@microsoft/teams-ai';
import type { Config } from './config';
import { createBotApplication } from './bot/app';
import { startBotServer, type BotServer } from './bot/server';
import { createCredential } from './graph/credential';
import { GraphGateway } from './graph/gateway';
import type { Logger } from './log';
import { startGraphSimulator, type GraphSimulator } from './simulator';

/**
 * Wires the product together: Graph gateway, Teams adapter, routes and HTTP server.
 * In demo mode it first starts the Graph simulator and points the same gateway at it,
 * so demo and tenant mode share every line of Graph client code.
 */

export interface Product {
  bot: BotServer;
  gateway: GraphGateway;
  simulator?: GraphSimulator;
  stop(): Promise<void>;
}

export interface ProductOverrides {
  /** Use this simulator instead of starting one (tests share a simulator with the bot). */
  simulator?: GraphSimulator;
  now?: () => Date;
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

  const app = createBotApplication({
    adapter,
    botAppId: config.bot?.appId,
    recycleBin: gateway,
    probeGraph: () => gateway.probe(),
    mode: config.mode,
    allowedTenantId: config.allowedTenantId,
    logger,
    now: overrides.now,
  });
  const bot = await startBotServer({ app, adapter, port: config.port, logger });
  logger.info('bot.listening', { url: `${bot.url}/api/messages`, mode: config.mode });

  return {
    bot,
    gateway,
    simulator,
    async stop() {
      await bot.close();
      await gateway.close();
      if (ownsSimulator) await simulator?.close();
    },
  };
}
