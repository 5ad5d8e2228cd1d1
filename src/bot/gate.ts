import { ActivityTypes, type TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { AccessControl, Role } from '../core/access';
import { admit, type Gatekeeper } from '../core/gatekeeper';
import type { Logger } from '../log';
import { GraphFailure } from '../graph/errors';
import { describeError } from './views';
import { actorOf, claimedUserOf, reply, setActor, setTenant, UNKNOWN_USER, whereOf } from './turn';

/**
 * Runs before every route (like a Bolt middleware): refuses activities that are not Teams
 * activities of the configured tenant, names the user from the directory, and lets card
 * actions through only for operators. Every refusal is logged and audited.
 */

export const WRONG_TENANT = 'Sorry, this bot only serves the administrators of the tenant it is configured for.';

export interface GateDependencies {
  access: AccessControl;
  gatekeeper: Gatekeeper;
  allowedTenantId?: string;
  logger: Logger;
}

export function registerGate(app: Application<TurnState>, deps: GateDependencies): void {
  const { logger, gatekeeper } = deps;
  app.turn('beforeTurn', async (context) => {
    const { activity } = context;
    const claimed = claimedUserOf(context);
    logger.info('activity', {
      type: activity.type,
      name: activity.name,
      verb: cardVerb(context),
      conversationType: activity.conversation?.conversationType,
      conversationId: activity.conversation?.id,
      userId: claimed?.aadObjectId,
    });
    const admission = admit(
      { channelId: activity.channelId, conversationTenantId: activity.conversation?.tenantId, channelDataTenantId: activity.channelData?.tenant?.id },
      deps.allowedTenantId,
    );
    if (!admission.ok) {
      logger.warn('activity.refused', { reason: admission.reason, detail: admission.detail, type: activity.type });
      await gatekeeper.record('activity.refused', { claimedUserId: claimed?.aadObjectId, refusal: admission.detail, activity: activity.type, where: whereOf(context) });
      await reply(context, WRONG_TENANT);
      return false;
    }
    setTenant(context, admission.tenantId);
    if (claimed) setActor(context, await deps.access.identify(claimed));

    const verb = cardVerb(context);
    if (verb === undefined) return true;
    const { role, attempted } = CARD_ACTION_ROLES[verb] ?? { role: 'operator', attempted: 'use this button' };
    return requireRole(context, deps, role, attempted);
  });
}

/** Buttons that need more than the operator role; every other button needs an operator. */
const CARD_ACTION_ROLES: Record<string, { role: Role; attempted: string }> = {
  'request.approve': { role: 'approver', attempted: 'approve requests' },
  'request.reject': { role: 'approver', attempted: 'reject requests' },
};

/**
 * Everything past `help` reads or changes tenant data, so it needs at least the operator role,
 * checked before any Graph call on the user's behalf. Answers the user itself when refused.
 */
export async function requireRole(context: TurnContext, deps: Pick<GateDependencies, 'gatekeeper' | 'logger'>, role: Role, attempted: string): Promise<boolean> {
  const actor = actorOf(context);
  if (!actor) {
    deps.logger.warn('activity.refused', { reason: 'unknown-user', attempted });
    await deps.gatekeeper.record('access.denied', { attempted, refusal: 'no Entra object id on the activity', where: whereOf(context) });
    await reply(context, UNKNOWN_USER);
    return false;
  }
  let allowed;
  try {
    allowed = await deps.gatekeeper.authorize(actor, role, attempted, { where: whereOf(context) });
  } catch (error) {
    // Roles that cannot be checked are not granted: say why (often a missing permission).
    if (!(error instanceof GraphFailure)) throw error;
    deps.logger.warn('access.unverifiable', { userId: actor.aadObjectId, attempted, status: error.status, code: error.code });
    await reply(context, `I could not check your role, so I did nothing. ${describeError(error)}`);
    return false;
  }
  if (allowed.ok) return true;
  deps.logger.warn('access.denied', { userId: actor.aadObjectId, attempted });
  await reply(context, allowed.message);
  return false;
}

/** The verb of an Action.Execute click, or undefined for any other activity. */
function cardVerb(context: TurnContext): string | undefined {
  const { activity } = context;
  if (activity.type !== ActivityTypes.Invoke || activity.name !== 'adaptiveCard/action') return undefined;
  const verb = activity.value?.action?.verb;
  return typeof verb === 'string' ? verb : '';
}
