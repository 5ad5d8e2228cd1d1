import type { PartnerConfiguration } from '../core/partnerSettings';
import { editForm, partnerSummary } from '../core/partnerSettings';
import { pageOf } from '../core/recycleBin';
import { summarisePartner, summariseSyncPartner } from '../core/summaries';
import { clip } from '../core/summaries';
import { renderCard, type AdaptiveCardJson } from './cards';
import { pageRangeText, type ViewContext } from './views';

/** Cards for live cross-tenant partner configurations. */

export function partnersCard(partners: PartnerConfiguration[], search: string, requestedPage: number, ctx: ViewContext): AdaptiveCardJson {
  const page = pageOf(partners, requestedPage);
  return renderCard('partnersList', {
    footer: ctx.footer,
    title: search ? `Partner configurations matching "${clip(search, 60)}"` : 'Cross-tenant partner configurations',
    subtitle: page.total === 0 ? 'None' : pageRangeText(page),
    emptyText: search ? `No partner configuration matches "${clip(search, 60)}".` : 'This tenant has no partner-specific configurations: every organization gets the default settings.',
    rows: page.rows.map(({ partner, sync }) => {
      const tenantId = String(partner.tenantId ?? '');
      const flags = [partner.isServiceProvider === true && 'service provider', partner.isInMultiTenantOrganization === true && 'in your multi-tenant organization', sync && 'identity sync configured']
        .filter(Boolean)
        .join(' · ');
      return { tenantId, name: clip(partnerName(partner), 160), flags: flags || 'partner', summary: clip(partnerSummary({ partner, sync }), 300) };
    }),
    hasPrevious: page.index > 0,
    hasNext: page.index + 1 < page.count,
    previousPage: page.index - 1,
    nextPage: page.index + 1,
    search,
  });
}

/** The organisation's name where Graph gave one, else the tenant id (which the details show in any case). */
const partnerName = (partner: PartnerConfiguration['partner']): string =>
  typeof partner.displayName === 'string' && partner.displayName ? partner.displayName : String(partner.tenantId ?? '');

export function partnerCard(configuration: PartnerConfiguration, ctx: ViewContext): AdaptiveCardJson {
  const sections = [...summarisePartner(configuration.partner), ...(configuration.sync ? summariseSyncPartner(configuration.sync) : [])];
  return renderCard('partner', {
    footer: ctx.footer,
    name: clip(partnerName(configuration.partner), 160),
    tenantId: String(configuration.partner.tenantId ?? ''),
    sections: sections.map((section) => ({ title: section.title, facts: section.facts.map((f) => ({ label: clip(f.label, 60), value: clip(f.value, 300) })) })),
  });
}

export function partnerEditCard(configuration: PartnerConfiguration, ctx: ViewContext): AdaptiveCardJson {
  const fields = editForm(configuration);
  return renderCard('partnerEdit', {
    footer: ctx.footer,
    tenantId: String(configuration.partner.tenantId ?? ''),
    toggles: fields.filter((f) => f.control === 'toggle'),
    choices: fields.filter((f) => f.control === 'choice'),
  });
}
