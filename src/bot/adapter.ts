import { CallerIdConstants, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import { TeamsAdapter } from '@microsoft/teams-ai';
import type { BotIdentity } from '../config';

/** Azure public cloud values botbuilder uses when no channel endpoint is configured. */
const PUBLIC_CLOUD = {
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  CallerId: CallerIdConstants.PublicAzureChannel,
};

/** The request's token was missing or not valid for this bot; `reason` is for the log only. */
export class UnauthenticatedRequest extends Error {
  constructor(readonly reason: string) {
    super('unauthenticated request');
    this.name = 'UnauthenticatedRequest';
  }
}

/**
 * The Teams adapter, authenticating apart from running the turn so that the HTTP edge can
 * tell a rejected token (401) from a failed turn. Without an identity it is anonymous.
 */
export class ChannelAdapter extends TeamsAdapter {
  async serve(activity: Activity, authHeader: string, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    let authenticated;
    try {
      authenticated = await this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
    } catch (error) {
      // botbuilder throws its AuthenticationError for most failures, but a bad signature surfaces as jsonwebtoken's error.
      throw new UnauthenticatedRequest(error instanceof Error ? error.message : String(error));
    }
    return this.processActivity(authenticated, activity, logic);
  }
}

export function createChannelAdapter(bot: BotIdentity | undefined): ChannelAdapter {
  if (!bot) return new ChannelAdapter({});
  const identity = {
    MicrosoftAppId: bot.appId,
    MicrosoftAppPassword: bot.password,
    MicrosoftAppType: bot.type,
    MicrosoftAppTenantId: bot.tenantId,
  };
  if (!bot.channelAuth) return new ChannelAdapter(identity);
  // Once one endpoint is given botbuilder takes every endpoint from the options, so the rest keep their public-cloud values.
  return new ChannelAdapter({
    ...identity,
    ...PUBLIC_CLOUD,
    ToBotFromChannelOpenIdMetadataUrl: bot.channelAuth.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: bot.channelAuth.tokenIssuer,
  });
}
