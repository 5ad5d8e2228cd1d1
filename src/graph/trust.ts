import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/**
 * One TLS context per extra CA: the system store plus that CA. Building it parses every
 * root certificate (tens of milliseconds), so it is built once and shared by every
 * connection, instead of once per connection as a `ca` option on an agent would.
 */
const contexts = new Map<string, SecureContext>();

export function trustedContext(caPem: string): SecureContext {
  let context = contexts.get(caPem);
  if (!context) {
    context = createSecureContext({ ca: [...rootCertificates, caPem] });
    contexts.set(caPem, context);
  }
  return context;
}
