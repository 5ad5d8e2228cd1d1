import type { AddressInfo } from 'node:net';
import * as restify from 'restify';
import type { Application, TeamsAdapter, TurnState } from '@microsoft/teams-ai';
import type { Logger } from '../log';

export interface BotServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** POST /api/messages for Bot Framework activities, GET /healthz for probes. */
export async function startBotServer(options: {
  app: Application<TurnState>;
  adapter: TeamsAdapter;
  port: number;
  host?: string;
  logger: Logger;
}): Promise<BotServer> {
  const { app, adapter, logger } = options;
  const server = restify.createServer({ name: 'entra-recycle-bin-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024 }));
  server.post('/api/messages', async (req, res) => {
    try {
      await adapter.process(req, res, (context) => app.run(context).then(() => undefined));
    } catch (error) {
      logger.error('http.messages.error', { error });
      if (!res.headersSent) res.send(500);
    }
  });
  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    next();
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
