import type { AddressInfo } from 'node:net';
import * as restify from 'restify';
import type { Activity } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from '../log';
import { UnauthenticatedRequest, type ChannelAdapter } from './adapter';
import { checkEnvelope, type EnvelopeRules } from './envelope';

export interface BotServer {
  url: string;
  port: number;
  /**
   * Stops taking turns: new activities get 503 (Bot Framework's channel retries them, reaching
   * another instance), /healthz says so to the load balancer, and it resolves once the
   * turns already started have been answered and the listener is closed.
   */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * POST /api/messages for Bot Framework activities, GET /healthz for probes. Every refusal
 * is a short JSON body and a log line; no exception text ever reaches the caller.
 */
export async function startBotServer(options: {
  app: Application<TurnState>;
  adapter: ChannelAdapter;
  envelope: EnvelopeRules;
  port: number;
  host?: string;
  logger: Logger;
}): Promise<BotServer> {
  const { app, adapter, logger } = options;
  const server = restify.createServer({ name: 'entra-recycle-bin-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES }));
  // The body parser's own refusals (too large, not JSON) would otherwise answer with restify's message.
  server.on('restifyError', (req: restify.Request, _res: restify.Response, error: any, callback: () => void) => {
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    const reason = status === 413 ? 'body larger than 1 MB' : status < 500 ? 'body is not valid JSON' : 'internal error';
    if (status < 500) logger.warn('http.activity.rejected', { status, reason, path: req.path() });
    else logger.error('http.error', { status, error });
    error.toJSON = () => ({ error: status < 500 ? `bad activity: ${reason}` : reason });
    callback();
  });

  let draining = false;
  server.post('/api/messages', async (req, res) => {
    if (draining) {
      res.header('Retry-After', '1');
      res.send(503, { error: 'shutting down' });
      return;
    }
    const check = checkEnvelope(req.body, options.envelope);
    if (!check.ok) {
      logger.warn('http.activity.rejected', { status: 400, reason: check.reason });
      res.send(400, { error: `bad activity: ${check.reason}` });
      return;
    }
    const activity = withDates(req.body);
    try {
      const invokeResponse = await adapter.serve(activity, String(req.headers.authorization ?? ''), (context) => app.run(context).then(() => undefined));
      res.send(invokeResponse?.status ?? 200, invokeResponse?.body);
    } catch (error) {
      if (error instanceof UnauthenticatedRequest) {
        logger.warn('http.auth.rejected', { status: 401, reason: error.reason, channelId: activity.channelId, serviceUrl: activity.serviceUrl });
        res.send(401, { error: 'unauthorized' });
        return;
      }
      logger.error('http.messages.error', { error });
      if (!res.headersSent) res.send(500, { error: 'internal error' });
    }
  });
  server.get('/healthz', (_req, res, next) => {
    if (draining) res.send(503, { status: 'shutting down' });
    else res.send(200, { status: 'ok' });
    next();
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => {
      draining = true;
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same normalisation botbuilder's own HTTP entry point applies: ISO date strings become Dates. */
function withDates(body: Record<string, any>): Activity {
  const activity = body as Activity & Record<string, any>;
  for (const [field, raw] of [['timestamp', 'rawTimestamp'], ['localTimestamp', 'rawLocalTimestamp'], ['expiration', 'rawExpiration']] as const) {
    if (typeof activity[field] === 'string') {
      activity[raw] = activity[field];
      activity[field] = new Date(activity[field]);
    }
  }
  return activity;
}
