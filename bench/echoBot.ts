import { ActivityTypes } from 'botbuilder';
import { Application, type TurnState } from '@microsoft/teams-ai';
import { createChannelAdapter } from '../src/bot/adapter';
import { startBotServer, type BotServer } from '../src/bot/server';
import type { Logger } from '../src/log';

/**
 * The floor: a bot that only echoes the text, built from the same pieces as the product
 * (the channel adapter, a teams-ai Application with the product's options, startBotServer's
 * restify server) and driven through the same harness and fake connector. Whatever a
 * command costs above this is the bot's own work.
 */
export async function startEchoBot(logger: Logger): Promise<BotServer> {
  const adapter = createChannelAdapter(undefined);
  const app = new Application<TurnState>({ adapter, startTypingTimer: false, removeRecipientMention: true });
  app.activity(ActivityTypes.Message, async (context) => {
    await context.sendActivity(context.activity.text ?? '');
  });
  return startBotServer({ app, adapter, envelope: { httpServiceUrl: 'any' }, port: 0, host: '127.0.0.1', logger });
}
