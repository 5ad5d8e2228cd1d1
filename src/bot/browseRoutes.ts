import type { TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import { MAX_SEARCH_CHARS, type Command, type ExampleIds } from '../core/commands';
import { KINDS, kindIdOf } from '../core/kinds';
import { isObjectId, RETENTION_DAYS, type KindId } from '../core/model';
import { describe, findDeleted, listDeleted, ListingSnapshots, type DeletedListing, type Lookup, type RecycleBin } from '../core/recycleBin';
import { isCurrent, MirrorBin } from '../core/mirror';
import type { DeletedItem } from '../core/model';
import type { AlertPoller } from '../core/alertPoller';
import type { SelfTestResult } from '../core/selfTest';
import { clip } from '../core/summaries';
import { GraphFailure } from '../graph/errors';
import type { GraphProbe } from '../graph/gateway';
import type { Logger } from '../log';
import type { AdaptiveCardJson } from './cards';
import { answerSafely, outOfDate, STALE_ITEM_BUTTON } from './guards';
import { send } from './turn';
import { chooseKindCard, describeError, detailsCard, failureCard, helpCard, kindsOf, listCard, statusCard, type ListQuery, type ReadSource, type ViewContext } from './views';

/**
 * Teams routes for reading: help, status, the recycle-bin list and item details. Nothing here
 * changes the tenant. Lists and details come from the poller's mirror while it is current (no
 * Graph call, so no Conditional Access budget) and from Graph otherwise or on Refresh.
 */

/** Where one read goes, and who deleted what as far as the mirror knows (kept even when it is stale). */
interface Reads {
  bin: RecycleBin;
  source: ReadSource;
  withDeleter: <T extends DeletedItem>(item: T) => T;
}

export interface BrowseRouteDependencies {
  recycleBin: RecycleBin;
  poller: Pick<AlertPoller, 'state' | 'mirror'>;
  alertPollSeconds: number;
  probeGraph: () => Promise<GraphProbe>;
  /** The last `selftest` result, from the state store. */
  lastSelfTest: () => Promise<SelfTestResult | undefined>;
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
    app.adaptiveCards.actionExecute<{ kind?: string; search?: string; page?: string | number; refresh?: boolean }>('list.page', async (context, _state, data) => {
      const kind = data.kind === 'all' || data.kind === 'everything' ? data.kind : !data.kind ? 'all' : kindIdOf(data.kind);
      if (!kind) return outOfDate(logger, 'list.page', 'That list button is out of date. Type `deleted` for a fresh list.');
      const query: ListQuery = { kind, search: typeof data.search === 'string' ? clip(data.search, MAX_SEARCH_CHARS) : '' };
      return answerSafely(logger, () => this.list(context, query, Number(data.page) || 0, data.refresh === true ? 'refresh' : 'page'));
    });

    app.adaptiveCards.actionExecute<{ kind?: string; id?: string; refresh?: boolean }>('item.show', async (context, _state, data) => {
      const kind = kindIdOf(data.kind);
      if (!kind || !isObjectId(data.id)) return outOfDate(logger, 'item.show', STALE_ITEM_BUTTON);
      const id = data.id;
      // Refresh replaces the details card it is on; Details on a list posts a new one.
      if (data.refresh === true) return answerSafely(logger, () => this.show(id, kind, true));
      return answerSafely(logger, async () => {
        await send(context, await this.show(id, kind, false));
        return 'Details posted below.';
      });
    });
  }

  async helpCommand(context: TurnContext): Promise<void> {
    await send(context, helpCard(this.deps.view, this.deps.helpExamples));
  }

  async deletedCommand(context: TurnContext, command: Extract<Command, { type: 'deleted' }>): Promise<void> {
    const kind = command.kinds.length === 1 ? command.kinds[0] : command.kinds.length === KINDS.length ? 'everything' : 'all';
    await send(context, await this.list(context, { kind, search: command.search }, 0, 'typed'));
  }

  async showCommand(context: TurnContext, command: Extract<Command, { type: 'show' }>): Promise<void> {
    await send(context, await this.show(command.id, command.kind, false));
  }

  async statusCommand(context: TurnContext): Promise<void> {
    const { deps } = this;
    const alerts = { pollSeconds: deps.alertPollSeconds, state: await deps.poller.state() };
    // Status must answer even when the store does not: the self-test line then says so.
    const selfTest = await deps.lastSelfTest().catch((error: unknown) => {
      deps.logger.warn('status.selftest_unreadable', { error });
      return 'unreadable' as const;
    });
    const facts = { mode: deps.mode, unauthenticatedBot: deps.unauthenticatedBot, configuredTenantId: deps.allowedTenantId, probe: await deps.probeGraph(), alerts, selfTest };
    await send(context, statusCard(facts, deps.view));
  }

  /**
   * The mirror while it is current, unless the user asked to refresh; Graph otherwise. Without
   * polling there is no mirror to read, so the store is not asked.
   */
  private async reads(refresh: boolean): Promise<Reads> {
    const { deps } = this;
    const deleters = await this.mirror();
    const withDeleter = <T extends DeletedItem>(item: T): T => ({ ...item, deletedBy: deleters?.deletedBy(item.kind, item.id) });
    if (deleters && !refresh && isCurrent(deleters.mirror, deps.alertPollSeconds, deps.view.now())) {
      return { bin: deleters, source: { live: false, asOf: new Date(deleters.mirror.completedAt) }, withDeleter };
    }
    return { bin: deps.recycleBin, source: { live: true }, withDeleter };
  }

  private async mirror(): Promise<MirrorBin | undefined> {
    const mirror = this.deps.alertPollSeconds > 0 ? await this.deps.poller.mirror() : undefined;
    return mirror && new MirrorBin(mirror, this.deps.recycleBin);
  }

  /** The mirror while it is current, for previews that need no Graph call (the Restore form). */
  async currentMirror(): Promise<MirrorBin | undefined> {
    const mirror = await this.mirror();
    return mirror && isCurrent(mirror.mirror, this.deps.alertPollSeconds, this.deps.view.now()) ? mirror : undefined;
  }

  /**
   * A typed `deleted` reads the mirror or lists afresh; Next / Previous read the mirror too, or
   * reuse the live listing their card came from while it is recent; Refresh always lists afresh.
   */
  private async list(context: TurnContext, query: ListQuery, page: number, how: 'typed' | 'page' | 'refresh'): Promise<AdaptiveCardJson> {
    const { view } = this.deps;
    const kinds = kindsOf(query);
    const key = JSON.stringify([context.activity.conversation?.id, query.kind, query.search]);
    const reads = await this.reads(how === 'refresh');
    const kept = how === 'page' && reads.source.live ? this.listingSnapshots.get(key) : undefined;
    if (kept) return listCard(kept, query, page, view);
    const listing = await listDeleted(reads.bin, kinds, query.search, view.now());
    // When every kind failed there is nothing to list: show the failure itself.
    if (listing.failures.length === kinds.length && listing.failures[0].error instanceof GraphFailure) {
      return failureCard(listing.failures[0].error, view);
    }
    const named: DeletedListing = { ...listing, items: listing.items.map(reads.withDeleter) };
    if (reads.source.live) this.listingSnapshots.put(key, named);
    return listCard(named, query, page, view, reads.source);
  }

  private async show(id: string, kind: KindId | undefined, refresh: boolean): Promise<AdaptiveCardJson | string> {
    const { view } = this.deps;
    let { bin, source, withDeleter } = await this.reads(refresh);
    let lookup: Lookup = await findDeleted(bin, id, kind, view.now());
    // An id the mirror does not know may have been deleted since the last cycle: ask Graph.
    if (lookup.found === 'none' && !source.live) {
      ({ bin, source, withDeleter } = await this.reads(true));
      lookup = await findDeleted(bin, id, kind, view.now());
    }
    if (lookup.found === 'several') return chooseKindCard(id, lookup.items, view);
    if (lookup.found === 'one') return detailsCard(await describe(bin, withDeleter(lookup.item), view.now()), view, source);
    const graphFailure = lookup.failures.find((f) => f.error instanceof GraphFailure)?.error as GraphFailure | undefined;
    if (graphFailure && lookup.failures.length === lookup.lookups) return failureCard(graphFailure, view);
    const warnings = lookup.failures.map((f) => `\n\n⚠️ ${describeError(f.error)}`).join('');
    return `No deleted item has the id ${id}. It may have been restored, purged after ${RETENTION_DAYS} days, or never deleted. Type \`deleted\` to see what is in the recycle bin.${warnings}`;
  }
}
