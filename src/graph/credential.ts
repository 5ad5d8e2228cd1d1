import { Agent } from 'node:https';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import type { GraphCredentialConfig } from '../config';
import { trustedContext } from './trust';

export interface CredentialOptions {
  authorityHost?: string;
  /** A private CA to trust in addition to the system store (the simulator's authority). */
  trustedCaPem?: string;
}

/** The app-only credential for Graph, from the standard AZURE_* settings. */
export function createCredential(config: GraphCredentialConfig, options: CredentialOptions = {}): TokenCredential {
  const common: TokenCredentialOptions & { disableInstanceDiscovery?: boolean } = {
    authorityHost: options.authorityHost,
    additionalPolicies: options.trustedCaPem ? [{ policy: trustCaPolicy(options.trustedCaPem), position: 'perCall' }] : undefined,
  };
  // Instance discovery asks the public cloud about the authority; a private authority cannot answer it.
  if (options.trustedCaPem) common.disableInstanceDiscovery = true;
  switch (config.type) {
    case 'secret':
      return new ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret, common);
    case 'certificate':
      return new ClientCertificateCredential(config.tenantId, config.clientId, { certificatePath: config.certificatePath }, common);
    case 'managedIdentity':
      return config.clientId ? new ManagedIdentityCredential({ ...common, clientId: config.clientId }) : new ManagedIdentityCredential(common);
  }
}

/** Adds a CA to the trust store of the credential's HTTP pipeline only; TLS checks stay on. */
function trustCaPolicy(pem: string) {
  const agent = new Agent({ secureContext: trustedContext(pem), keepAlive: true });
  return {
    name: 'trustPrivateCa',
    sendRequest: (request: { agent?: unknown }, next: (request: never) => Promise<never>) => {
      request.agent = agent;
      return next(request as never);
    },
  };
}

export interface TokenClaims {
  tenantId?: string;
  appId?: string;
  roles: string[];
  expiresOn?: Date;
}

/** Reads (does not verify) the claims of our own access token, to report granted roles. */
export function readTokenClaims(accessToken: string): TokenClaims {
  const payload = accessToken.split('.')[1];
  if (!payload) return { roles: [] };
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      tenantId: typeof claims.tid === 'string' ? claims.tid : undefined,
      appId: typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : undefined,
      roles: Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [],
      expiresOn: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined,
    };
  } catch {
    return { roles: [] };
  }
}
