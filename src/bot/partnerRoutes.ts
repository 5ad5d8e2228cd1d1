import { TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { Actor } from '../core/access';
import { isObjectId } from '../core/model';
import { MAX_SEARCH_CHARS, type Command } from '../core/commands';
import { clip } from '../core/summaries';
import { commandActor, outOfDate, withActor } from './guards';
import type { Logger } from '../log';
import type { PartnerChangeInput, PartnerDirectory } from '../core/partnerChanges';
import { settingsFromForm, type PartnerConfiguration } from '../core/partnerSettings';
import { capText, type ChangeRequests } from '../core/requests';
import type { AdaptiveCardJson } from './cards';
import { partnerCard, partnerEditCard, partnersCard } from './partnerViews';
import type { RequestRoutes } from './requestRoutes';
import { send, tenantOf } from './turn';
import type { ViewContext } from './views';

/**
 * Teams routes for live cross-tenant partner configurations. Reading is for operators;
 * every change becomes a request in the same approval flow as restores.
 */
export class PartnerRoutes {
  constructor(
    private readonly deps: {
      partners: PartnerDirectory;
      requests: ChangeRequests;
      /** A partner change is a request: its approval card is posted like any other. */
      requestCards: Pick<RequestRoutes, 'adopt' | 'publish'>;
      view: ViewContext;
      logger: Logger;
    },
  ) {}

  register(app: Application<TurnState>): void {
    app.adaptiveCards.actionExecute<{ search?: string; page?: string | number }>('partners.page', (context, _state, data) =>
      withActor(context, this.deps.logger, async () => this.list(typeof data.search === 'string' ? clip(data.search, MAX_SEARCH_CHARS) : '', Number(data.page) || 0)),
    );
    app.adaptiveCards.actionExecute<{ tenantId?: string }>('partner.show', (context, _state, data) =>
      this.withPartner(context, data.tenantId, async (configuration) => {
        await send(context, partnerCard(configuration, this.deps.view));
        return 'Details posted below.';
      }),
    );
    app.adaptiveCards.actionExecute<{ tenantId?: string }>('partner.edit', (context, _state, data) =>
      this.withPartner(context, data.tenantId, async (configuration) => {
        await send(context, partnerEditCard(configuration, this.deps.view));
        return 'Change what you need in the form below.';
      }),
    );
    app.adaptiveCards.actionExecute<Record<string, unknown> & { tenantId?: string; reason?: string }>('partner.submit', (context, _state, data) =>
      this.withPartner(context, data.tenantId, async (configuration, tenantId, actor) => {
        const settings = settingsFromForm(data, configuration);
        if (settings.length === 0) return 'Nothing was changed in the form, so there is nothing to approve.';
        const created = await this.request(context, actor, { type: 'set', tenantId, settings }, capText(data.reason));
        return typeof created === 'string' ? created : this.deps.requestCards.adopt(context, created);
      }),
    );
  }

  async partnersCommand(context: TurnContext, search: string): Promise<void> {
    await send(context, await this.list(search, 0));
  }

  async partnerCommand(context: TurnContext, command: Extract<Command, { type: 'partner' }>): Promise<void> {
    let change: PartnerChangeInput;
    switch (command.action) {
      case 'show':
      case 'edit': {
        const configuration = await this.configuration(command.tenantId);
        if (!configuration) return void (await context.sendActivity(noConfiguration(command.tenantId)));
        return void (await send(context, command.action === 'show' ? partnerCard(configuration, this.deps.view) : partnerEditCard(configuration, this.deps.view)));
      }
      case 'add':
        change = { type: 'add', tenantId: command.tenantId, serviceProvider: command.serviceProvider };
        break;
      case 'set':
        change = { type: 'set', tenantId: command.tenantId, settings: command.settings };
        break;
      case 'remove':
        change = { type: 'remove', tenantId: command.tenantId };
        break;
    }
    const actor = await commandActor(context);
    if (!actor) return;
    const created = await this.request(context, actor, change, capText(command.reason));
    if (typeof created === 'string') return void (await context.sendActivity(created));
    await this.deps.requestCards.publish(context, created);
  }

  private async request(context: TurnContext, actor: Actor, change: PartnerChangeInput, reason: string) {
    const created = await this.deps.requests.requestPartnerChange({ actor, change, reason, tenantId: tenantOf(context), conversation: TurnContext.getConversationReference(context.activity) });
    return created.ok ? created.value : created.message;
  }

  private async list(search: string, page: number): Promise<AdaptiveCardJson> {
    const needle = search.trim().toLowerCase();
    const partners = (await this.deps.partners.listPartners())
      .filter((partner) => !needle || [partner.tenantId, partner.displayName].some((v) => typeof v === 'string' && v.toLowerCase().includes(needle)))
      .sort((a, b) => String(a.tenantId).localeCompare(String(b.tenantId)));
    return partnersCard(partners.map((partner) => ({ partner })), search, page, this.deps.view);
  }

  private async configuration(tenantId: string): Promise<PartnerConfiguration | undefined> {
    const partner = await this.deps.partners.getPartner(tenantId);
    return partner ? { partner, sync: await this.deps.partners.getPartnerSync(tenantId) } : undefined;
  }

  private withPartner(
    context: TurnContext,
    tenantId: unknown,
    work: (configuration: PartnerConfiguration, tenantId: string, actor: Actor) => Promise<AdaptiveCardJson | string>,
  ): Promise<AdaptiveCardJson | string> {
    return withActor(context, this.deps.logger, async (actor) => {
      if (!isObjectId(tenantId)) return outOfDate(this.deps.logger, 'partner', 'That button is out of date. Type `partners` for a fresh list.');
      const configuration = await this.configuration(tenantId);
      if (!configuration) return noConfiguration(tenantId);
      return work(configuration, tenantId, actor);
    });
  }
}

const noConfiguration = (tenantId: string) => `${tenantId} has no partner configuration (it gets the default settings). Use \`partner add ${tenantId}\` to create one.`;
