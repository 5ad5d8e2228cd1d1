import assert from 'node:assert/strict';
import { OrganisationNames } from '../../src/core/organisationNames';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';

function directory(names: Record<string, string>, failing: string[] = []) {
  const asked: string[] = [];
  return {
    asked,
    organisationName: async (tenantId: string) => {
      asked.push(tenantId);
      if (failing.includes(tenantId)) throw new Error('403');
      return names[tenantId];
    },
  };
}

describe('organisation names', () => {
  it('names partners that Graph sent without a name, copying them and keeping names Graph sent', async () => {
    const names = new OrganisationNames(directory({ [A]: 'Fabrikam', [B]: 'Other' }));
    const input = [{ tenantId: A }, { tenantId: B, displayName: 'Woodgrove Bank' }];
    const named = await names.named(input);
    assert.deepEqual(named, [{ tenantId: A, displayName: 'Fabrikam' }, { tenantId: B, displayName: 'Woodgrove Bank' }]);
    assert.deepEqual(input[0], { tenantId: A }, 'the input is not changed');
  });

  it('asks once per tenant within a day, and again after it', async () => {
    let now = 0;
    const source = directory({ [A]: 'Fabrikam' });
    const names = new OrganisationNames(source, { nowMs: () => now });
    await names.named([{ tenantId: A }, { tenantId: A.toUpperCase() }]);
    await names.nameOf(A);
    assert.equal(source.asked.length, 1);
    now = 24 * 60 * 60_000 + 1;
    await names.nameOf(A);
    assert.equal(source.asked.length, 2);
  });

  it('a failed lookup leaves the tenant id and is not retried for five minutes', async () => {
    let now = 0;
    const source = directory({ [B]: 'Northwind' }, [A]);
    const names = new OrganisationNames(source, { nowMs: () => now });
    assert.deepEqual(await names.named([{ tenantId: A }, { tenantId: B }]), [{ tenantId: A }, { tenantId: B, displayName: 'Northwind' }]);
    await names.named([{ tenantId: A }]);
    assert.equal(source.asked.filter((id) => id === A).length, 1);
    now = 5 * 60_000 + 1;
    await names.named([{ tenantId: A }]);
    assert.equal(source.asked.filter((id) => id === A).length, 2);
  });

  it('starts a bounded number of lookups per listing, a few at a time', async () => {
    let running = 0;
    let peak = 0;
    const names = new OrganisationNames(
      {
        organisationName: async (id) => {
          peak = Math.max(peak, ++running);
          await new Promise((resolve) => setTimeout(resolve, 1));
          running--;
          return `Org ${id.slice(-2)}`;
        },
      },
      { maxLookupsPerListing: 5, parallel: 2 },
    );
    const partners = Array.from({ length: 12 }, (_, i) => ({ tenantId: `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}` }));
    const named = await names.named(partners);
    assert.equal(named.filter((p) => 'displayName' in p).length, 5);
    assert.equal(peak, 2);
  });
});
