/**
 * Named location (ipNamedLocation / countryNamedLocation) → sections of facts.
 */
import type { DetailSection, GraphObject } from '../model';
import {
  attempt,
  buildSections,
  either,
  enumName,
  formatDate,
  record,
  records,
  section,
  strings,
  summariseList,
  text,
} from './format';
import { countryName } from './vocabulary';

type LocationType = 'ip' | 'country' | 'unknown';

/** Reads the type from `@odata.type`, falling back to which properties are present. */
function locationType(raw: GraphObject): LocationType {
  const odata = text(raw['@odata.type'])?.toLowerCase() ?? '';
  if (odata.endsWith('ipnamedlocation')) return 'ip';
  if (odata.endsWith('countrynamedlocation')) return 'country';
  if (Array.isArray(raw.ipRanges)) return 'ip';
  if (Array.isArray(raw.countriesAndRegions)) return 'country';
  return 'unknown';
}

const TYPE_WORDS: Record<LocationType, string | undefined> = {
  ip: 'IP ranges',
  country: 'Countries/regions',
  unknown: undefined,
};

const LOOKUP_METHODS: Record<string, string> = {
  clientipaddress: 'IP address',
  authenticatorappgps: 'GPS coordinates (Authenticator)',
};

function ranges(value: unknown): string[] {
  // iPv4CidrRange / iPv6CidrRange carry cidrAddress; the older iPv4Range has lower/upper.
  const out: string[] = [];
  for (const range of records(value)) {
    const cidr = text(range.cidrAddress);
    if (cidr) out.push(cidr);
    else {
      const lower = text(range.lowerAddress);
      const upper = text(range.upperAddress);
      if (lower && upper) out.push(`${lower} – ${upper}`);
    }
  }
  return [...new Set(out)];
}

function overview(raw: GraphObject, type: LocationType): DetailSection | undefined {
  return section('Named location', [
    ['Type', TYPE_WORDS[type]],
    ['Created', formatDate(raw.createdDateTime)],
    ['Last modified', formatDate(raw.modifiedDateTime)],
    ['Location ID', text(raw.id)],
  ]);
}

function ipDetails(raw: GraphObject): DetailSection | undefined {
  return section('IP ranges', [
    ['Trusted location', either(raw.isTrusted, 'Yes', 'No')],
    ['Ranges', summariseList(ranges(raw.ipRanges), { noun: ['range', 'ranges'] })],
  ]);
}

function countryDetails(raw: GraphObject): DetailSection | undefined {
  const countries = strings(raw.countriesAndRegions).map(countryName);
  const method = enumName(raw.countryLookupMethod);
  return section('Countries/regions', [
    ['Countries/regions', summariseList(countries, { noun: ['country/region', 'countries/regions'], max: 8, keep: 5 })],
    ['Unknown countries/regions', either(raw.includeUnknownCountriesAndRegions, 'Included', 'Not included')],
    ['Lookup method', method === undefined ? undefined : LOOKUP_METHODS[method] ?? text(raw.countryLookupMethod)],
  ]);
}

/** A named location in words: what kind, which ranges or countries, trusted or not. */
export function summariseNamedLocation(raw: GraphObject): DetailSection[] {
  const location = record(raw) ?? {};
  const type = attempt(() => locationType(location), 'unknown' as LocationType);
  return buildSections([
    () => overview(location, type),
    () => (type === 'ip' ? ipDetails(location) : undefined),
    () => (type === 'country' ? countryDetails(location) : undefined),
    // An untyped location may still carry a trust flag worth showing.
    () => (type === 'unknown' ? section('Details', [['Trusted location', either(location.isTrusted, 'Yes', 'No')]]) : undefined),
  ]);
}
