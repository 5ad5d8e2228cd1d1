import type { Actor } from '../core/access';
import type { DemoTenant } from '../core/demoTenant';
import type { GraphObject, KindId } from '../core/model';
import type { Outcome } from '../core/outcome';
import type { GraphSimulator } from '../simulator';

/** What `demo delete` may delete: the kinds an admin deletes by hand (a sync policy goes with its partner's removal). */
const DELETABLE: { kind: KindId; label: string; key: (item: GraphObject) => string }[] = [
  { kind: 'ca', label: 'Conditional Access policy', key: (item) => String(item.id) },
  { kind: 'locations', label: 'named location', key: (item) => String(item.id) },
  { kind: 'partners', label: 'cross-tenant partner configuration', key: (item) => String(item.tenantId) },
];

/** `demo delete` over the simulator: deletes like an admin in the Entra admin center would, audit record included. */
export function simulatedDemoTenant(simulator: GraphSimulator): DemoTenant {
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
