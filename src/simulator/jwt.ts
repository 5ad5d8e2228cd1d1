import { createHash, createSign, createVerify, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';

/** Minimal RS256 JWT support: enough to issue and check the simulator's own tokens. */

export type JwtClaims = Record<string, unknown>;

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>(
    (resolve, reject) =>
      generateKeyPair('rsa', { modulusLength: 2048 }, (error, pub, priv) =>
        error ? reject(error) : resolve({ privateKey: priv, publicKey: pub }),
      ),
  );
  // Entra key ids look like base64url thumbprints; derive one from the public key.
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const kid = createHash('sha1').update(der).digest('base64url');
  return { kid, privateKey, publicKey };
}

/**
 * A signing key of its own for each simulator, without waiting ~150 ms for RSA key
 * generation each time: a spare is generated in the background for the next caller.
 */
let spareKey: Promise<SigningKey> | undefined;

export function takeSigningKey(): Promise<SigningKey> {
  const key = spareKey ?? createSigningKey();
  spareKey = createSigningKey();
  spareKey.catch(() => {
    spareKey = undefined;
  });
  return key;
}

/** The key as a JWKS entry, the shape Entra's discovery/keys endpoint serves. */
export function publicJwk(key: SigningKey, issuer: string): JsonWebKey {
  const { n, e } = key.publicKey.export({ format: 'jwk' });
  return { kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n, e, issuer };
}

const encodeSegment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signJwt(key: SigningKey, claims: JwtClaims): string {
  const header = { typ: 'JWT', alg: 'RS256', x5t: key.kid, kid: key.kid };
  const signingInput = `${encodeSegment(header)}.${encodeSegment(claims)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

export interface DecodedJwt {
  header: JwtClaims;
  payload: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

/** Splits and parses a compact JWT without checking anything; undefined when malformed. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isRecord(header) || !isRecord(payload)) return undefined;
    return {
      header,
      payload,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return undefined;
  }
}

export type VerifyResult = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

/** Checks signature, algorithm and lifetime (nbf/exp, in seconds since the epoch). */
export function verifyJwt(key: SigningKey, token: string, nowSeconds = Date.now() / 1000): VerifyResult {
  const decoded = decodeJwt(token);
  if (!decoded) return { ok: false, reason: 'IDX14100: JWT is not well formed.' };
  if (decoded.header.alg !== 'RS256') return { ok: false, reason: 'Access token validation failure. Invalid algorithm.' };
  const validSignature = createVerify('RSA-SHA256')
    .update(decoded.signingInput)
    .verify(key.publicKey, decoded.signature);
  if (!validSignature) return { ok: false, reason: 'Access token validation failure. Invalid signature.' };
  const { exp, nbf } = decoded.payload;
  if (typeof exp !== 'number' || exp <= nowSeconds) return { ok: false, reason: 'Lifetime validation failed, the token is expired.' };
  if (typeof nbf === 'number' && nbf > nowSeconds + 300) return { ok: false, reason: 'Lifetime validation failed, the token is not yet valid.' };
  return { ok: true, claims: decoded.payload };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
