import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { startSimClient, type SimClient } from './helpers';

/** The reads the bot names things with: other tenants, service principals, authentication strengths, per-object reads in a batch. */

const tenantInformation = (tenantId: string) => `/tenantRelationships/findTenantInformationByTenantId(tenantId='${tenantId}')`;
const BREAK_GLASS_1 = '0f7c6f1e-3b1a-4d2e-9a8b-5c6d7e8f9a01';
const FINANCE_APP = 'c7e9a1b3-5d2f-4f6a-8b0c-2e4a6c8e0b17';

describe('simulator: directory names', () => {
  let client: SimClient;
  before(async () => {
    client = await startSimClient();
  });
  after(async () => client.close());

  it('names a partner tenant, answers 404 for an unknown one and 400 for a malformed id', async () => {
    const known = await client.graph(tenantInformation(DEMO_IDS.livePartnerWithSync));
    assert.equal(known.status, 200);
    assert.equal(known.body.displayName, 'Tailspin Toys');
    assert.equal(known.body.tenantId, DEMO_IDS.livePartnerWithSync);
    assert.equal((await client.graph(tenantInformation('0e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a21'))).status, 404);
    assert.equal((await client.graph(tenantInformation('not-a-guid'))).status, 400);
    assert.equal((await client.graph("/tenantRelationships/findTenantInformationByDomainName(domainName='x')")).status, 400);
  });

  it('needs CrossTenantInformation.ReadBasic.All for tenant names and Application.Read.All for service principals', async () => {
    const limited = await startSimClient({ grantedRoles: ['Policy.Read.All'] });
    try {
      assert.equal((await limited.graph(tenantInformation(DEMO_IDS.livePartnerWithSync))).status, 403);
      assert.equal((await limited.graph('/servicePrincipals')).status, 403);
      assert.equal((await limited.graph('/policies/authenticationStrengthPolicies')).status, 200);
    } finally {
      await limited.close();
    }
  });

  it('finds a service principal by app id filter and by object id; lists authentication strengths', async () => {
    const byAppId = await client.graph(`/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${FINANCE_APP}'`)}&$select=id,displayName`);
    assert.equal(byAppId.status, 200);
    assert.deepEqual(byAppId.body.value.map((p: { displayName: string }) => p.displayName), ['Contoso Finance Portal']);
    const byId = await client.graph(`/servicePrincipals/${byAppId.body.value[0].id}`);
    assert.equal(byId.body.appId, FINANCE_APP);
    assert.equal((await client.graph('/servicePrincipals/12345678-aaaa-4bbb-8ccc-1234567890ab')).status, 404);
    const strengths = await client.graph('/policies/authenticationStrengthPolicies');
    assert.ok(strengths.body.value.some((s: { displayName: string }) => s.displayName === 'Phishing-resistant MFA'));
  });

  it('answers per-object reads of users and groups inside one $batch, 404 for a missing one', async () => {
    const reply = await client.graph('/$batch', {
      method: 'POST',
      body: {
        requests: [
          { id: '0', method: 'GET', url: `/users/${BREAK_GLASS_1}?$select=id,displayName,userPrincipalName` },
          { id: '1', method: 'GET', url: '/groups/5d0b9e3c-8a7f-4e6d-b2c1-9f8e7d6c5b4a?$select=id,displayName' },
          { id: '2', method: 'GET', url: '/users/12345678-aaaa-4bbb-8ccc-1234567890ab' },
        ],
      },
    });
    const byId = new Map<string, { status: number; body: Record<string, unknown> }>(reply.body.responses.map((r: { id: string }) => [r.id, r]));
    assert.equal(byId.get('0')?.body.userPrincipalName, 'bg1@contoso.onmicrosoft.com');
    assert.equal(byId.get('1')?.body.displayName, 'Break-glass accounts');
    assert.equal(byId.get('2')?.status, 404);
  });
});
