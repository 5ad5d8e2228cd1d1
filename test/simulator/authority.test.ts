import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { ClientCertificateCredential, ClientSecretCredential, type ClientSecretCredentialOptions } from '@azure/identity';
import { fetch } from 'undici';
import { generate } from 'selfsigned';
import { DEFAULT_GRANTED_ROLES, DEMO_TENANT_DOMAIN } from '../../src/simulator';
import { createSigningKey, signJwt, verifyJwt } from '../../src/simulator/jwt';
import { jwtPayload, postToken, startSimClient, type SimClient } from './helpers';

type PipelinePolicy = NonNullable<ClientSecretCredentialOptions['additionalPolicies']>[number]['policy'];

/** Makes @azure/identity trust the simulator's CA for its own requests only. */
function trustCa(ca: string): { policy: PipelinePolicy; agent: HttpsAgent } {
  const agent = new HttpsAgent({ ca });
  return {
    agent,
    policy: {
      name: 'trustSimulatorCa',
      sendRequest: (request, next) => {
        request.agent = agent;
        return next(request);
      },
    },
  };
}

describe('simulator: fake Entra authority', () => {
  let client: SimClient;
  before(async () => {
    client = await startSimClient();
  });
  after(async () => client.close());

  it('issues an RS256 app token shaped like Entra for client credentials', async () => {
    const { sim, dispatcher } = client;
    const reply = await postToken(sim, dispatcher);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.token_type, 'Bearer');
    assert.equal(reply.body.expires_in, 3599);
    assert.equal(reply.body.ext_expires_in, 3599);
    const token = String(reply.body.access_token);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    assert.equal(header.alg, 'RS256');
    const claims = jwtPayload(token);
    assert.equal(claims.aud, 'https://graph.microsoft.com');
    assert.equal(claims.iss, `https://sts.windows.net/${sim.tenantId}/`);
    assert.equal(claims.tid, sim.tenantId);
    assert.equal(claims.appid, sim.clientId);
    assert.equal(claims.app_displayname, 'Entra Recycle Bin Bot (demo)');
    assert.equal(claims.idtyp, 'app');
    assert.deepEqual(claims.roles, [...DEFAULT_GRANTED_ROLES]);
    assert.equal((claims.exp as number) - (claims.iat as number), 3600);
    assert.equal(claims.nbf, claims.iat);
  });

  it('rejects a wrong client secret with 401 invalid_client (AADSTS7000215)', async () => {
    const reply = await postToken(client.sim, client.dispatcher, { client_secret: 'not-the-secret' });
    assert.equal(reply.status, 401);
    assert.equal(reply.body.error, 'invalid_client');
    assert.match(String(reply.body.error_description), /^AADSTS7000215: Invalid client secret provided/);
  });

  it('rejects an unknown client id, an unknown tenant and a scope without /.default', async () => {
    const unknownClient = await postToken(client.sim, client.dispatcher, { client_id: '11111111-2222-3333-4444-555555555555' });
    assert.equal(unknownClient.status, 400);
    assert.equal(unknownClient.body.error, 'unauthorized_client');

    const unknownTenant = await postToken(client.sim, client.dispatcher, {}, 'ffffffff-0000-0000-0000-000000000000');
    assert.equal(unknownTenant.status, 400);
    assert.equal(unknownTenant.body.error, 'invalid_request');
    assert.match(String(unknownTenant.body.error_description), /^AADSTS90002: Tenant 'ffffffff-0000-0000-0000-000000000000' not found/);

    const badScope = await postToken(client.sim, client.dispatcher, { scope: 'https://graph.microsoft.com/Policy.Read.All' });
    assert.equal(badScope.status, 400);
    assert.equal(badScope.body.error, 'invalid_scope');
  });

  it('accepts the tenant domain in place of the tenant id', async () => {
    const reply = await postToken(client.sim, client.dispatcher, {}, DEMO_TENANT_DOMAIN);
    assert.equal(reply.status, 200);
  });

  it('accepts a well-formed client assertion from the app, and rejects one from another issuer', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const assertion = (issuer: string): string => {
      const now = Math.floor(Date.now() / 1000);
      const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
      const input = `${encode({ alg: 'RS256', typ: 'JWT', x5t: 'AAAA' })}.${encode({
        aud: `${client.sim.authorityHost}/${client.sim.tenantId}/oauth2/v2.0/token`,
        iss: issuer,
        sub: issuer,
        jti: 'test',
        nbf: now,
        exp: now + 600,
      })}`;
      return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
    };
    const send = async (issuer: string) => {
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.sim.clientId,
        scope: 'https://graph.microsoft.com/.default',
        client_assertion: assertion(issuer),
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      });
      const response = await fetch(`${client.sim.authorityHost}/${client.sim.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body,
        dispatcher: client.dispatcher,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const good = await send(client.sim.clientId);
    assert.equal(good.status, 200);
    assert.equal(jwtPayload(String(good.body.access_token)).appidacr, '2');
    const bad = await send('someone-else');
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_client');
  });

  it('serves OpenID discovery with jwks_uri, and JWKS that verifies issued tokens', async () => {
    const { sim, dispatcher } = client;
    const config = (await (
      await fetch(`${sim.authorityHost}/${sim.tenantId}/v2.0/.well-known/openid-configuration`, { dispatcher })
    ).json()) as Record<string, string>;
    assert.equal(config.token_endpoint, `${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`);
    assert.equal(config.jwks_uri, `${sim.authorityHost}/${sim.tenantId}/discovery/v2.0/keys`);
    assert.ok(config.issuer && config.authorization_endpoint);

    const jwks = (await (await fetch(config.jwks_uri, { dispatcher })).json()) as { keys: { kid: string; n: string; e: string }[] };
    const token = await client.token();
    const kid = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
    const jwk = jwks.keys.find((key) => key.kid === kid);
    assert.ok(jwk, 'token kid is published');
    const { createPublicKey, createVerify } = await import('node:crypto');
    const publicKey = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
    const [header, payload, signature] = token.split('.');
    assert.ok(createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature, 'base64url')));

    const unknown = await fetch(`${sim.authorityHost}/not-a-tenant/v2.0/.well-known/openid-configuration`, { dispatcher });
    assert.equal(unknown.status, 400);
  });

  it('works with @azure/identity ClientSecretCredential (CA trusted per request, TLS checks on)', async () => {
    const { sim } = client;
    const { policy, agent } = trustCa(sim.caCertPem);
    try {
      const options = { authorityHost: sim.authorityHost, disableInstanceDiscovery: true, additionalPolicies: [{ policy, position: 'perCall' as const }] };
      const credential = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, options);
      const accessToken = await credential.getToken('https://graph.microsoft.com/.default');
      assert.equal(jwtPayload(accessToken.token).appid, sim.clientId);
      assert.ok(accessToken.expiresOnTimestamp > Date.now() + 50 * 60 * 1000);

      const reply = await client.graph('/identity/conditionalAccess/deletedItems/policies?$top=1', { token: accessToken.token });
      assert.equal(reply.status, 200);

      const wrong = new ClientSecretCredential(sim.tenantId, sim.clientId, 'wrong-secret', options);
      await assert.rejects(wrong.getToken('https://graph.microsoft.com/.default'), /AADSTS7000215/);
    } finally {
      agent.destroy();
    }
  });

  it('refuses TLS to a client that does not trust the simulator CA', async () => {
    await assert.rejects(fetch(`${client.sim.authorityHost}/${client.sim.tenantId}/v2.0/.well-known/openid-configuration`));
  });

  it('works with @azure/identity ClientCertificateCredential (client assertion)', async () => {
    const { sim } = client;
    const certificate = await generate([{ name: 'commonName', value: 'recycle-bin-bot' }], { keySize: 2048, algorithm: 'sha256' });
    const { policy, agent } = trustCa(sim.caCertPem);
    try {
      const credential = new ClientCertificateCredential(
        sim.tenantId,
        sim.clientId,
        { certificate: `${certificate.private}\n${certificate.cert}` },
        { authorityHost: sim.authorityHost, disableInstanceDiscovery: true, additionalPolicies: [{ policy, position: 'perCall' }] },
      );
      const accessToken = await credential.getToken('https://graph.microsoft.com/.default');
      assert.equal(jwtPayload(accessToken.token).appidacr, '2');
    } finally {
      agent.destroy();
    }
  });

  it('rejects expired and foreign-signed tokens (jwt unit)', async () => {
    const key = await createSigningKey();
    const other = await createSigningKey();
    const now = Math.floor(Date.now() / 1000);
    const expired = signJwt(key, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    assert.deepEqual(verifyJwt(key, expired), { ok: false, reason: 'Lifetime validation failed, the token is expired.' });
    const foreign = signJwt(other, { exp: now + 3600 });
    assert.equal(verifyJwt(key, foreign).ok, false);
    assert.equal(verifyJwt(key, signJwt(key, { exp: now + 3600 })).ok, true);
  });
});
