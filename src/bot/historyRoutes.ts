import { TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { ChangeHistory, HistoryIndex } from '../core/history';
import { isObjectId } from '../core/model';
import { builtInStrengthRefusal } from '../core/reverts';
import type { ChangeRequests } from '../core/requests';
import { capText } from '../core/requests';
import { trackedKind, trackedKindIdOf } from '../core/trackedKinds';
import type { Logger } from '../log';
import type { AdaptiveCardJson } from './cards';
import { commandActor, outOfDate, withActor } from './guards';
import { diffCard, historyCard, versionCard, type HistoryRow } from './historyViews';
import type { RequestRoutes } from './requestRoutes';
import { send, tenantOf } from './turn';
import type { ViewContext } from './views';

/** `history`, `diff`, `revert` and the History / Details / Revert buttons of change alerts. */

const STALE = 'That button is out of date. Type `history {id}` to see the object\'s versions now.';
const HISTORY_ROWS = 10;

export class HistoryRoutes {
  constructor(
    private readonly deps: {
      history: ChangeHistory;
      requests: ChangeRequests;
      requestCards: Pick<RequestRoutes, 'adopt' | 'publish'>;
      logger: Logger;
      view: ViewContext;
    },
  ) {}

  register(app: Application<TurnState>): void {
    app.adaptiveCards.actionExecute<{ kind?: string; id?: string }>('history.show', (context, _state, data) =>
      withActor(context, this.deps.logger, async () => {
        const index = await this.indexOf(data);
        return index ? this.historyOf(index) : outOfDate(this.deps.logger, 'history.show', STALE);
      }),
    );
    app.adaptiveCards.actionExecute<{ kind?: string; id?: string; version?: string }>('history.version', (context, _state, data) =>
      withActor(context, this.deps.logger, async () => {
        const index = await this.indexOf(data);
        const version = index && (await this.deps.history.version(index.kind, index.key, Number(data.version)));
        if (!index || !version) return outOfDate(this.deps.logger, 'history.version', STALE);
        const kind = trackedKind(index.kind);
        return versionCard(index, version, kind.summarise(version.object, await this.deps.history.namesFor(index.kind, version.object)), this.deps.view);
      }),
    );
    // The Recreate button of a failed restore (Entra refused it): report-only, as `recreate {id}` asks by default.
    app.adaptiveCards.actionExecute<{ id?: string }>('history.recreate', (context, _state, data) =>
      withActor(context, this.deps.logger, async (actor) => {
        if (!isObjectId(data.id)) return outOfDate(this.deps.logger, 'history.recreate', STALE);
        const created = await this.deps.requests.requestRecreate({
          actor,
          reason: '',
          tenantId: tenantOf(context),
          conversation: TurnContext.getConversationReference(context.activity),
          recreate: { id: data.id, reportOnly: true },
        });
        if (!created.ok) return created.message;
        await this.deps.requestCards.publish(context, created.value);
        return `Recreate request ${created.value.id} is posted for approval.`;
      }),
    );
    app.adaptiveCards.actionExecute<{ kind?: string; id?: string; version?: string }>('history.revert', (context, _state, data) =>
      withActor(context, this.deps.logger, async (actor) => {
        const index = await this.indexOf(data);
        if (!index) return outOfDate(this.deps.logger, 'history.revert', STALE);
        const version = Number(data.version);
        const created = await this.deps.requests.requestRevert({
          actor,
          reason: '',
          tenantId: tenantOf(context),
          conversation: TurnContext.getConversationReference(context.activity),
          revert: { kind: index.kind, id: index.key, version: Number.isInteger(version) && version > 0 ? version : undefined },
        });
        if (!created.ok) return created.message;
        await this.deps.requestCards.publish(context, created.value);
        return `Revert request ${created.value.id} is posted for approval.`;
      }),
    );
  }

  /** `recreate {id} [report-only|as-stored] [reason]`. */
  async recreateCommand(context: TurnContext, command: { id: string; reportOnly: boolean; reason: string }): Promise<void> {
    const actor = await commandActor(context);
    if (!actor) return;
    const created = await this.deps.requests.requestRecreate({
      actor,
      reason: capText(command.reason),
      tenantId: tenantOf(context),
      conversation: TurnContext.getConversationReference(context.activity),
      recreate: { id: command.id, reportOnly: command.reportOnly },
    });
    if (!created.ok) return void (await context.sendActivity(created.message));
    await this.deps.requestCards.publish(context, created.value);
  }

  async historyCommand(context: TurnContext, target: string): Promise<void> {
    const found = await this.deps.history.find(target);
    if (found.length === 0) return void (await context.sendActivity(`The bot has no history of anything with the id or name "${target.slice(0, 80)}". History starts with the first check after the bot started (\`alerts\` shows when that was).`));
    if (found.length > 1) {
      const names = found.slice(0, 10).map((index) => `- ${index.name} (${trackedKind(index.kind).label}, \`${index.key}\`)`);
      return void (await context.sendActivity(`Several objects match "${target.slice(0, 80)}": give the id.\n\n${names.join('\n')}`));
    }
    await send(context, await this.historyOf(found[0]));
  }

  async diffCommand(context: TurnContext, command: { id: string; from?: number; to?: number }): Promise<void> {
    const [index, ...others] = await this.deps.history.find(command.id);
    if (!index) return void (await context.sendActivity(`The bot has no history of ${command.id}.`));
    if (others.length > 0) return void (await context.sendActivity(`${command.id} names ${others.length + 1} objects (a partner and its sync policy share a tenant id); \`history ${command.id}\` lists both.`));
    const numbers = index.versions.map((v) => v.n);
    const to = command.to ?? numbers[numbers.length - 1];
    const from = command.from ?? numbers[numbers.indexOf(to) - 1];
    if (from === undefined) return void (await context.sendActivity(`${index.name} has only one stored version (v${to}): nothing to compare.`));
    const lines = await this.deps.history.describe(index.kind, index.key, from, to);
    if (!lines) return void (await context.sendActivity(`Version ${!numbers.includes(from) ? from : to} of ${index.name} is not stored (kept: ${numbers.map((n) => `v${n}`).join(', ')}).`));
    await send(context, diffCard(index, from, to, lines.length > 0 ? lines : ['No difference in content.'], this.deps.view));
  }

  async revertCommand(context: TurnContext, command: { id: string; version?: number; reason: string }): Promise<void> {
    const actor = await commandActor(context);
    if (!actor) return;
    const candidates = await this.deps.history.find(command.id);
    if (candidates.length === 0) {
      const builtIn = await this.deps.requests.builtInStrength(command.id);
      return void (await context.sendActivity(builtIn ? builtInStrengthRefusal(builtIn) : `The bot has no history of ${command.id}.`));
    }
    // A partner and its sync policy share the tenant id: the partner configuration is meant unless only the sync policy changed.
    const index = candidates.find((c) => c.kind !== 'sync' && c.versions.length > 1) ?? candidates.find((c) => c.versions.length > 1) ?? candidates[0];
    const created = await this.deps.requests.requestRevert({
      actor,
      reason: capText(command.reason),
      tenantId: tenantOf(context),
      conversation: TurnContext.getConversationReference(context.activity),
      revert: { kind: index.kind, id: index.key, version: command.version },
    });
    if (!created.ok) return void (await context.sendActivity(created.message));
    await this.deps.requestCards.publish(context, created.value);
  }

  private async indexOf(data: { kind?: string; id?: string }): Promise<HistoryIndex | undefined> {
    const kind = trackedKindIdOf(data.kind);
    if (!kind || !(isObjectId(data.id) || (kind === 'default' && data.id === 'default'))) return undefined;
    return this.deps.history.index(kind, data.id!);
  }

  private async historyOf(index: HistoryIndex): Promise<AdaptiveCardJson> {
    const newestFirst = [...index.versions].reverse().slice(0, HISTORY_ROWS + 1);
    const rows: HistoryRow[] = [];
    for (let i = 0; i < Math.min(newestFirst.length, HISTORY_ROWS); i++) {
      const meta = newestFirst[i];
      const previous = newestFirst[i + 1];
      const lines = previous ? ((await this.deps.history.describe(index.kind, index.key, previous.n, meta.n)) ?? []) : [];
      rows.push({ version: meta.n, seenAt: meta.seenAt, actor: meta.actor, change: meta.change === 'baseline' ? 'first seen by the bot' : meta.change, lines });
    }
    if (index.versions.length > HISTORY_ROWS) rows.push(...index.versions.slice(0, index.versions.length - HISTORY_ROWS).reverse().map((v) => ({ version: v.n, seenAt: v.seenAt, actor: v.actor, change: v.change, lines: [] })));
    return historyCard(index, rows, this.deps.view);
  }
}
