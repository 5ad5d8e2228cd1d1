import { randomBytes, randomUUID } from 'node:crypto';
import { DEMO_APP_DISPLAY_NAME, DEMO_SERVICE_PRINCIPAL_ID, GRAPH_APP_ID, GRAPH_RESOURCE } from './constants';
import type { HttpResult } from './http';
import { decodeJwt, publicJwk, signJwt, verifyJwt, type JwtClaims, type SigningKey } from './jwt';

/**
 * A fake Entra ID token authority (login.microsoftonline.com) for one tenant and one app
 * registration: OpenID discovery, JWKS, instance discovery, and the client-credentials
 * token endpoint (client secret or client assertion). Errors mimic Entra's AADSTS bodies.
 */

export interface AuthorityConfig {
  tenantId: string;
  /** Domain accepted in place of the tenant id (e.g. contoso.onmicrosoft.com). */
  tenantDomain: string;
  clientId: string;
  clientSecret: string;
  grantedRoles: readonly string[];
  signingKey: SigningKey;
  /** Origin this authority is served on, known once the server listens. */
  origin: () => string;
}

export type TokenCheck = { ok: true; claims: JwtClaims } | { ok: false; message: string };

const TOKEN_LIFETIME_SECONDS = 3600;
const JSON_TYPE = 'application/json; charset=utf-8';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Scopes MSAL may add that are not resources. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const MULTI_TENANT_ALIASES = new Set(['common', 'organizations']);

export class FakeAuthority {
  constructor(private readonly config: AuthorityConfig) {}

  /** Audiences Graph accepts: the real Graph resource and the simulator's own origin. */
  private acceptedAudiences(): Set<string> {
    const origin = this.config.origin();
    return new Set([GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID, origin, `${origin}/`]);
  }

  /** Answers an authority request, or undefined when the path is not an authority path. */
  handle(method: string, url: URL, form: URLSearchParams): HttpResult | undefined {
    const segments = url.pathname.split('/').filter(Boolean);
    const [tenant, ...rest] = segments;
    if (!tenant) return undefined;
    const route = rest.join('/').toLowerCase();

    if (method === 'GET' && route === 'discovery/instance') return this.instanceDiscovery(url);
    if (method === 'GET' && (route === 'v2.0/.well-known/openid-configuration' || route === '.well-known/openid-configuration')) {
      return this.knownTenant(tenant, true) ? this.openIdConfiguration(tenant, route.startsWith('v2.0')) : this.unknownTenant(tenant, 'invalid_tenant');
    }
    if (method === 'GET' && (route === 'discovery/v2.0/keys' || route === 'discovery/keys')) {
      return this.knownTenant(tenant, true) ? this.keys() : this.unknownTenant(tenant, 'invalid_tenant');
    }
    if (route === 'oauth2/v2.0/token') {
      if (method !== 'POST') return entraError(405, 'invalid_request', 900561, 'AADSTS900561: The endpoint only accepts POST requests.');
      return this.knownTenant(tenant, false) ? this.token(form) : this.unknownTenant(tenant, 'invalid_request');
    }
    return undefined;
  }

  private knownTenant(tenant: string, allowMultiTenantAlias: boolean): boolean {
    const lower = tenant.toLowerCase();
    if (allowMultiTenantAlias && MULTI_TENANT_ALIASES.has(lower)) return true;
    return lower === this.config.tenantId.toLowerCase() || lower === this.config.tenantDomain.toLowerCase();
  }

  private unknownTenant(tenant: string, error: string): HttpResult {
    return entraError(
      400,
      error,
      90002,
      `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }

  private openIdConfiguration(tenant: string, v2: boolean): HttpResult {
    const origin = this.config.origin();
    const tenantPart = MULTI_TENANT_ALIASES.has(tenant.toLowerCase()) ? '{tenantid}' : this.config.tenantId;
    const base = `${origin}/${tenant}`;
    const suffix = v2 ? '/v2.0' : '';
    return {
      status: 200,
      headers: { 'content-type': JSON_TYPE },
      body: {
        token_endpoint: `${base}/oauth2${suffix}/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery${suffix}/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: v2 ? `${origin}/${tenantPart}/v2.0` : `https://sts.windows.net/${tenantPart}/`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        authorization_endpoint: `${base}/oauth2${suffix}/authorize`,
        device_authorization_endpoint: `${base}/oauth2${suffix}/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2${suffix}/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'oid'],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      },
    };
  }

  private keys(): HttpResult {
    return {
      status: 200,
      headers: { 'content-type': JSON_TYPE },
      body: { keys: [publicJwk(this.config.signingKey, `https://sts.windows.net/${this.config.tenantId}/`)] },
    };
  }

  /** What MSAL asks when instance discovery is on: this host is its own only alias. */
  private instanceDiscovery(url: URL): HttpResult {
    const host = new URL(this.config.origin()).host;
    return {
      status: 200,
      headers: { 'content-type': JSON_TYPE },
      body: {
        tenant_discovery_endpoint: `${this.config.origin()}/${this.config.tenantId}/v2.0/.well-known/openid-configuration`,
        'api-version': url.searchParams.get('api-version') ?? '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
    };
  }

  private token(form: URLSearchParams): HttpResult {
    const grantType = form.get('grant_type');
    if (grantType !== 'client_credentials') {
      return entraError(400, 'unsupported_grant_type', 70003, `AADSTS70003: The app requested an unsupported grant type '${grantType ?? ''}'.`);
    }
    const clientId = form.get('client_id') ?? '';
    if (clientId.toLowerCase() !== this.config.clientId.toLowerCase()) {
      return entraError(
        400,
        'unauthorized_client',
        700016,
        `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${this.config.tenantId}'. ` +
          'This can happen if the application has not been installed by the administrator of the tenant.',
      );
    }
    const credential = this.checkClientCredential(form);
    if (!credential.ok) return credential.error;

    const resources = (form.get('scope') ?? '').split(/\s+/).filter((scope) => scope && !OIDC_SCOPES.has(scope));
    if (resources.length !== 1 || !resources[0].endsWith('/.default')) {
      return entraError(
        400,
        'invalid_scope',
        1002012,
        `AADSTS1002012: The provided value for scope ${form.get('scope') ?? ''} is not valid. Client credential flows must have a ` +
          'scope value with /.default suffixed to the resource identifier (application ID URI).',
      );
    }
    const audience = resources[0].slice(0, -'/.default'.length);
    if (!this.acceptedAudiences().has(audience)) {
      return entraError(
        400,
        'invalid_resource',
        500011,
        `AADSTS500011: The resource principal named ${audience} was not found in the tenant named ${this.config.tenantId}.`,
      );
    }
    const accessToken = this.issueToken(audience, credential.viaCertificate);
    return {
      status: 200,
      headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store, no-cache' },
      body: {
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME_SECONDS - 1,
        ext_expires_in: TOKEN_LIFETIME_SECONDS - 1,
        access_token: accessToken,
      },
    };
  }

  private checkClientCredential(form: URLSearchParams): { ok: true; viaCertificate: boolean } | { ok: false; error: HttpResult } {
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (secret === this.config.clientSecret) return { ok: true, viaCertificate: false };
      return {
        ok: false,
        error: entraError(
          401,
          'invalid_client',
          7000215,
          'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, ' +
            `not the client secret ID, for a secret added to app '${this.config.clientId}'.`,
        ),
      };
    }
    if (assertion !== null) {
      if (form.get('client_assertion_type') !== JWT_BEARER) {
        return { ok: false, error: entraError(400, 'invalid_request', 50027, 'AADSTS50027: Invalid client_assertion_type.') };
      }
      // No certificate is registered here: any well-formed, unexpired assertion from the app is accepted.
      const decoded = decodeJwt(assertion);
      const claims = decoded?.payload;
      const fromClient = claims && claims.iss === this.config.clientId && claims.sub === this.config.clientId;
      const unexpired = claims && (typeof claims.exp !== 'number' || claims.exp > Date.now() / 1000);
      if (!decoded || typeof decoded.header.alg !== 'string' || !fromClient || !unexpired) {
        return {
          ok: false,
          error: entraError(401, 'invalid_client', 700027, 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application, or the assertion is invalid.'),
        };
      }
      return { ok: true, viaCertificate: true };
    }
    return {
      ok: false,
      error: entraError(
        401,
        'invalid_client',
        7000218,
        "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      ),
    };
  }

  /** Signs an app-only access token the way Entra shapes v1 Graph tokens. */
  issueToken(audience: string = GRAPH_RESOURCE, viaCertificate = false, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): string {
    const now = Math.floor(Date.now() / 1000);
    const issuer = `https://sts.windows.net/${this.config.tenantId}/`;
    return signJwt(this.config.signingKey, {
      aud: audience,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: now + lifetimeSeconds,
      aio: randomBytes(24).toString('base64'),
      app_displayname: DEMO_APP_DISPLAY_NAME,
      appid: this.config.clientId,
      appidacr: viaCertificate ? '2' : '1',
      idp: issuer,
      idtyp: 'app',
      oid: DEMO_SERVICE_PRINCIPAL_ID,
      rh: `0.${randomBytes(16).toString('base64url')}.`,
      roles: [...this.config.grantedRoles],
      sub: DEMO_SERVICE_PRINCIPAL_ID,
      tenant_region_scope: 'EU',
      tid: this.config.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
      wids: ['0997a1d0-0d1d-4acb-b408-d5ca73121e90'],
    });
  }

  /** Validates a bearer token for Graph: signature, lifetime, audience and tenant. */
  validateAccessToken(token: string): TokenCheck {
    if (!token) return { ok: false, message: 'Access token is empty.' };
    const verified = verifyJwt(this.config.signingKey, token);
    if (!verified.ok) return { ok: false, message: verified.reason };
    const { aud, tid } = verified.claims;
    if (typeof aud !== 'string' || !this.acceptedAudiences().has(aud)) {
      return { ok: false, message: 'Access token validation failure. Invalid audience.' };
    }
    if (tid !== this.config.tenantId) return { ok: false, message: 'Access token validation failure. Invalid tenant.' };
    return { ok: true, claims: verified.claims };
  }
}

function entraError(status: number, error: string, code: number, description: string): HttpResult {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    status,
    headers: { 'content-type': JSON_TYPE },
    body: {
      error,
      error_description: `${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}
