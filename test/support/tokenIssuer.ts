import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

/**
 * A local stand-in for the Bot Framework token service: OpenID metadata and a JWKS on
 * loopback, and RS256 tokens signed with its key the way the Bot Connector signs them.
 */

export interface TokenClaims {
  iss?: string;
  aud?: string;
  serviceurl?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
}

export class FakeTokenIssuer {
  readonly issuer = 'https://api.botframework.test';
  private readonly keyId = randomUUID();
  private readonly privateKey: KeyObject;
  private readonly publicJwk: Record<string, unknown>;

  private constructor(private readonly server: Server, readonly url: string) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: this.keyId, use: 'sig', alg: 'RS256' };
  }

  static async start(): Promise<FakeTokenIssuer> {
    let issuer: FakeTokenIssuer | undefined;
    const server = createServer((req, res) => {
      const body = req.url === '/openid' ? { issuer: issuer!.issuer, jwks_uri: `${issuer!.url}/keys`, id_token_signing_alg_values_supported: ['RS256'] } : req.url === '/keys' ? { keys: [issuer!.publicJwk] } : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = new FakeTokenIssuer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return issuer;
  }

  get metadataUrl(): string {
    return `${this.url}/openid`;
  }

  /** A signed token; `signingKey` other than the issuer's gives one whose signature does not verify. */
  token(claims: TokenClaims, signingKey: KeyObject = this.privateKey): string {
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = claims.expiresIn ?? 3600;
    const payload = { iss: claims.iss ?? this.issuer, aud: claims.aud, serviceurl: claims.serviceurl, iat: now - 60, nbf: now - 60, exp: now + expiresIn };
    const header = { alg: 'RS256', typ: 'JWT', kid: this.keyId };
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const signed = `${encode(header)}.${encode(payload)}`;
    return `${signed}.${sign('sha256', Buffer.from(signed), signingKey).toString('base64url')}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
