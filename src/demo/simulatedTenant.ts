import type { Actor, AccessPolicy } from '../core/access';
import type { ExampleIds } from '../core/commands';
import type { DemoTenant } from '../core/demoTenant';
import type { GraphObject, KindId } from '../core/model';
import type { Outcome } from '../core/outcome';
import type { Logger } from '../log';
import { DEMO_IDS, startGraphSimulator, type GraphSimulator } from '../simulator';

/**
 * Demo mode's side of the wiring: the Graph simulator with its seeded tenant, and what the
 * bot shows and allows there. Loaded only in demo mode (and by tests that bring a simulator),
 * so a tenant-mode bot never loads the simulator's code.
 */
export interface SimulatedGraph {
  simulator: GraphSimulator;
  /** Help's examples: items the seeded tenant holds, so every example works as typed. */
  exampleIds: ExampleIds;
  /** Without configured roles, the simulated tenant's operator and approver groups. */
  accessPolicy(configured: AccessPolicy): AccessPolicy;
  /** `demo delete`. */
  tenant: DemoTenant;
  /** Stops the simulator if it was started here. */
  close(): Promise<void>;
}

export async function connectSimulatedGraph(logger: Logger, given: GraphSimulator | undefined): Promise<SimulatedGraph> {
  const simulator = given ?? (await startGraphSimulator({ log: (entry) => logger.debug('simulator.request', entry) }));
  logger.warn('demo.mode', { message: 'DEMO MODE: Graph is the in-process simulator with a seeded tenant; no real tenant is read or changed.', graph: simulator.url });
  return {
    simulator,
    exampleIds: {
      deletedPolicy: DEMO_IDS.caPolicyWithDeletedLocation,
      livePartner: DEMO_IDS.livePartnerWithSync,
      partnerSearch: DEMO_IDS.livePartnerWithSync.slice(0, 8),
      liveItem: DEMO_IDS.liveMfaPolicy,
    },
    accessPolicy(configured) {
      const set = configured.approverIds.length > 0 || configured.approverGroupId || configured.operatorIds.length > 0 || configured.operatorGroupId;
      return set ? configured : { operatorIds: [], approverIds: [], operatorGroupId: DEMO_IDS.operatorsGroup, approverGroupId: DEMO_IDS.approversGroup };
    },
    tenant: simulatedDemoTenant(simulator),
    close: async () => {
      if (!given) await simulator.close();
    },
  };
}

/** What `demo delete` may delete: the kinds an admin deletes by hand (a sync policy goes with its partner's removal). */
const DELETABLE: { kind: KindId; label: string; key: (item: GraphObject) => string }[] = [
  { kind: 'ca', label: 'Conditional Access policy', key: (item) => String(item.id) },
  { kind: 'locations', label: 'named location', key: (item) => String(item.id) },
  { kind: 'partners', label: 'cross-tenant partner configuration', key: (item) => String(item.tenantId) },
];

/** `demo delete` over the simulator: deletes like an admin in the Entra admin center would, audit record included. */
function simulatedDemoTenant(simulator: GraphSimulator): DemoTenant {
  const { tenant } = simulator;
  return {
    deleteLive(idOrName: string, by: Actor): Outcome<string> {
      const wanted = idOrName.trim().replace(/^\{|\}$/g, '').toLowerCase();
      const matches = DELETABLE.flatMap((spec) =>
        tenant
          .live(spec.kind)
          .filter((item) => spec.key(item).toLowerCase() === wanted || String(item.displayName ?? '').toLowerCase() === wanted)
          .map((item) => ({ spec, item, key: spec.key(item), name: String(item.displayName ?? spec.key(item)) })),
      );
      if (matches.length === 0) return { ok: false, message: `Nothing live in the demo tenant has the id or name "${idOrName}". Type \`partners\` for live partners, or use a policy or location id from the README's walkthrough.` };
      if (matches.length > 1) return { ok: false, message: `Several live items match "${idOrName}": ${matches.map((m) => `${m.spec.label} ${m.key}`).join(', ')}. Give the id.` };
      const [{ spec, key, name }] = matches;
      const user = tenant.findUser(by.aadObjectId);
      try {
        tenant.deleteLive(spec.kind, key, { user: { id: by.aadObjectId, userPrincipalName: String(user?.userPrincipalName ?? by.name), displayName: by.name } });
      } catch (error) {
        return { ok: false, message: `The demo tenant refused to delete the ${spec.label} "${name}": ${(error as Error).message}` };
      }
      return { ok: true, value: `Deleted the ${spec.label} "${name}" (${key}) in the demo tenant, as you. It is in the recycle bin now (\`deleted\`), and conversations with alerts on get an alert at the next check.` };
    },
  };
}
