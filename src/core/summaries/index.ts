/**
 * Turns raw Graph objects into DetailSections (label/value facts) for detail cards.
 * Pure and lenient: any property may be missing or malformed, and nothing here throws.
 *
 *   format.ts            shared readers and formatters (lists, yes/no, dates, sections)
 *   vocabulary.ts        names for role ids, app ids and country codes
 *   conditionalAccess.ts CA policies and the named locations they reference
 *   namedLocation.ts     IP and country named locations
 *   crossTenant.ts       cross-tenant access partners and identity-sync partners
 */
export { directoryReferencesOf, namedLocationsReferencedBy, summariseConditionalAccessPolicy } from './conditionalAccess';
export { summariseNamedLocation } from './namedLocation';
export { summarisePartner, summariseSyncPartner } from './crossTenant';
export { capitalise, clip, formatDate, summariseList } from './format';
export { hadTeam, summariseAdministrativeUnit, summariseApplication, summariseGroup, summariseServicePrincipal, summariseUser } from './directory';
