import type { TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import { MAX_SEARCH_CHARS, type Command, type ExampleIds } from '../core/commands';
import { KINDS, kindIdOf } from '../core/kinds';
import { isObjectId, RETENTION_DAYS, type KindId } from '../core/model';
import { describe, findDeleted, listDeleted, ListingSnapshots, type RecycleBin } from '../core/recycleBin';
import type { AlertPoller } from '../core/alertPoller';
import { clip } from '../core/summaries';
import { GraphFailure } from '../graph/errors';
import type { GraphProbe } from '../graph/gateway';
import type { Logger } from '../log';
import type { AdaptiveCardJson } from './cards';
import { answerSafely, outOfDate, STALE_ITEM_BUTTON } from './guards';
import { send } from './turn';
import { chooseKindCard, describeError, detailsCard, failureCard, helpCard, listCard, statusCard, type ListQuery, type ViewContext } from './views';

/** Teams routes for reading: help, status, the recycle-bin list and item details. Nothing here changes the tenant. */

export interface BrowseRouteDependencies {
  recycleBin: RecycleBin;
  poller: Pick<AlertPoller, 'state'>;
  alertPollSeconds: number;
  probeGraph: () => Promise<GraphProbe>;
  mode: 'demo' | 'tenant';
  unauthenticatedBot: boolean;
  allowedTenantId?: string;
  logger: Logger;
  view: ViewContext;
  /** The ids help examples name (see ExampleIds). */
  helpExamples: ExampleIds;
}

export class BrowseRoutes {
  private readonly listingSnapshots = new ListingSnapshots();

  constructor(private readonly deps: BrowseRouteDependencies) {}

  register(app: Application<TurnState>): void {
    const { logger } = this.deps;
    app.adaptiveCards.actionExecute<{ kind?: string; search?: string; page?: string | number }>('list.page', async (context, _state, data) => {
      const kind = data.kind === 'all' || !data.kind ? 'all' : kindIdOf(data.kind);
      if (!kind) return outOfDate(logger, 'list.page', 'That list button is out of date. Type `deleted` for a fresh list.');
      const query: ListQuery = { kind, search: typeof data.search === 'string' ? clip(data.search, MAX_SEARCH_CHARS) : '' };
      return answerSafely(logger, () => this.list(context, query, Number(data.page) || 0, 'snapshot'));
    });

    app.adaptiveCards.actionExecute<{ kind?: string; id?: string }>('item.show', async (context, _state, data) => {
      const kind = kindIdOf(data.kind);
      if (!kind || !isObjectId(data.id)) return outOfDate(logger, 'item.show', STALE_ITEM_BUTTON);
      const id = data.id;
      return answerSafely(logger, async () => {
        await send(context, await this.show(id, kind));
        return 'Details posted below.';
      });
    });
  }

  async helpCommand(context: TurnContext): Promise<void> {
    await send(context, helpCard(this.deps.view, this.deps.helpExamples));
  }

  async deletedCommand(context: TurnContext, command: Extract<Command, { type: 'deleted' }>): Promise<void> {
    const kind = command.kinds.length === 1 ? command.kinds[0] : 'all';
    await send(context, await this.list(context, { kind, search: command.search }, 0, 'fresh'));
  }

  async showCommand(context: TurnContext, command: Extract<Command, { type: 'show' }>): Promise<void> {
    await send(context, await this.show(command.id, command.kind));
  }

  async statusCommand(context: TurnContext): Promise<void> {
    const { deps } = this;
    const alerts = { pollSeconds: deps.alertPollSeconds, state: await deps.poller.state() };
    await send(context, statusCard({ mode: deps.mode, unauthenticatedBot: deps.unauthenticatedBot, configuredTenantId: deps.allowedTenantId, probe: await deps.probeGraph(), alerts }, deps.view));
  }

  /** A typed `deleted` lists afresh; Next / Previous reuse that listing while it is recent. */
  private async list(context: TurnContext, query: ListQuery, page: number, source: 'fresh' | 'snapshot'): Promise<AdaptiveCardJson> {
    const { view } = this.deps;
    const kinds = query.kind === 'all' ? KINDS.map((k) => k.id) : [query.kind];
    const key = JSON.stringify([context.activity.conversation?.id, query.kind, query.search]);
    const kept = source === 'snapshot' ? this.listingSnapshots.get(key) : undefined;
    if (kept) return listCard(kept, query, page, view);
    const listing = await listDeleted(this.deps.recycleBin, kinds, query.search, view.now());
    // When every kind failed there is nothing to list: show the failure itself.
    if (listing.failures.length === kinds.length && listing.failures[0].error instanceof GraphFailure) {
      return failureCard(listing.failures[0].error, view);
    }
    this.listingSnapshots.put(key, listing);
    return listCard(listing, query, page, view);
  }

  private async show(id: string, kind: KindId | undefined): Promise<AdaptiveCardJson | string> {
    const { recycleBin, view } = this.deps;
    const lookup = await findDeleted(recycleBin, id, kind, view.now());
    if (lookup.found === 'several') return chooseKindCard(id, lookup.items, view);
    if (lookup.found === 'one') return detailsCard(await describe(recycleBin, lookup.item, view.now()), view);
    const graphFailure = lookup.failures.find((f) => f.error instanceof GraphFailure)?.error as GraphFailure | undefined;
    if (graphFailure && lookup.failures.length === (kind ? 1 : KINDS.length)) return failureCard(graphFailure, view);
    const warnings = lookup.failures.map((f) => `\n\n⚠️ ${describeError(f.error)}`).join('');
    return `No deleted item has the id ${id}. It may have been restored, purged after ${RETENTION_DAYS} days, or never deleted. Type \`deleted\` to see what is in the recycle bin.${warnings}`;
  }
}
