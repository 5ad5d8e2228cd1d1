import { randomUUID } from 'node:crypto';
import { cardText, type Card } from '../test/support/botHarness';
import type { GraphSimulator } from '../src/simulator';
import type { KindId } from '../src/core/model';
// The simulator's default page size, which the bot gets because it sends no $top.
import { DEFAULT_PAGE_SIZE } from '../src/simulator/odata';

/** Tenant content the benchmarks create, and reading what the bot answered. */

/** A deleted IP named location nothing depends on: restorable without dependencies. */
export function addDeletedLocation(simulator: GraphSimulator, label: string): string {
  const raw = simulator.tenant.addDeleted('locations', {
    '@odata.type': '#microsoft.graph.ipNamedLocation',
    id: randomUUID(),
    displayName: `Bench office ${label}`,
    isTrusted: false,
    ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }],
  });
  return String(raw.id);
}

/** A live CA policy nobody depends on, to be deleted by the benchmark. */
export function addLivePolicy(simulator: GraphSimulator, name: string): string {
  const created = simulator.tenant.addLive('ca', {
    displayName: name,
    state: 'enabled',
    conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  });
  return String(created.id);
}

/** The request id an approval card names. */
export function requestIdOf(card: Card | undefined): string {
  const id = /Restore request (R-[2-9A-Z]{7})/.exec(cardText(card))?.[1];
  if (!id) throw new Error(`not an approval card: ${cardText(card).slice(0, 300)}`);
  return id;
}

/** Fewest list requests that return every deleted item of these kinds: ⌈n / page size⌉ each, at least one. */
export function minimumListCalls(simulator: GraphSimulator, kinds: readonly KindId[]): number {
  return kinds.reduce((sum, kind) => sum + Math.max(1, Math.ceil(simulator.tenant.deleted(kind).length / DEFAULT_PAGE_SIZE)), 0);
}
