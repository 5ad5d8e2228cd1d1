import { generate } from 'selfsigned';

export interface TlsMaterial {
  /** PEM of the private CA clients must trust explicitly. */
  caCertPem: string;
  /** Server certificate (signed by the CA) for localhost and 127.0.0.1, and its key. */
  certPem: string;
  keyPem: string;
}

/**
 * A private CA plus a server certificate signed by it. A separate CA (rather than one
 * self-signed leaf) keeps OpenSSL's chain checks happy in every client.
 * RSA generation costs about half a second, so one set is shared per process.
 */
let cached: Promise<TlsMaterial> | undefined;

export function tlsMaterial(): Promise<TlsMaterial> {
  cached ??= createTlsMaterial().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function createTlsMaterial(): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const notAfterDate = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'Graph Simulator Test CA (not trusted anywhere)' }], {
    algorithm: 'sha256',
    keySize: 2048,
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    algorithm: 'sha256',
    keySize: 2048,
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { caCertPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
