import { GraphError } from '@microsoft/microsoft-graph-client';
import { GraphConnectionError, GraphTimeoutError } from './transport';

/**
 * A Graph failure as a user should see it: what failed, Graph's error code, the
 * request-id to quote to Microsoft support, and the fix when we know it.
 */
export class GraphFailure extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string,
    readonly requestId: string | undefined,
    readonly detail: string,
    readonly hint: string | undefined,
  ) {
    super(`${operation} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${detail}`);
    this.name = 'GraphFailure';
  }
}

export interface FailureContext {
  /** "list deleted Conditional Access policies", in words a user reads. */
  operation: string;
  /** The application permission this call needs, for the 403 hint. */
  permission: string;
}

export function toGraphFailure(error: unknown, context: FailureContext): GraphFailure {
  if (error instanceof GraphFailure) return error;
  const { operation, permission } = context;
  // The Graph client re-wraps errors thrown inside the middleware chain, keeping the name as `code`.
  const name = (error as { code?: unknown; name?: string })?.code ?? (error as Error)?.name;
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof GraphTimeoutError || name === 'GraphTimeoutError') {
    return new GraphFailure(operation, 0, 'Timeout', undefined, message, 'Graph may be degraded; try again in a minute.');
  }
  if (error instanceof GraphConnectionError || name === 'GraphConnectionError') {
    return new GraphFailure(operation, 0, 'ConnectionFailed', undefined, message, 'Check the network path to GRAPH_BASE_URL.');
  }
  if (error instanceof GraphError || isGraphErrorLike(error)) {
    const e = error as GraphError;
    const status = e.statusCode ?? 0;
    if (status === -1 || status === 0) return tokenFailure(error, operation);
    const requestId = e.requestId ?? e.headers?.get?.('request-id') ?? undefined;
    const code = e.code ?? `HTTP${status}`;
    return new GraphFailure(operation, status, code, requestId ?? undefined, e.message || 'no message', hintFor(status, permission));
  }
  return tokenFailure(error, operation);
}

function hintFor(status: number, permission: string): string | undefined {
  if (status === 403) return `The bot's app registration is missing the application permission ${permission} (or admin consent for it). Grant it in Entra ID > App registrations > API permissions, then grant admin consent.`;
  if (status === 401) return 'Graph rejected the bot\'s token: check AZURE_TENANT_ID, AZURE_CLIENT_ID and the secret or certificate.';
  if (status === 404) return 'It may have been restored or permanently deleted since the list was shown. Run `deleted` again.';
  if (status === 429) return 'Graph is throttling requests (Conditional Access allows 1 request per second per tenant, shared by every app). Try again in a minute.';
  if (status === 503 || status === 504 || status === 502) return 'Graph is temporarily unavailable. Try again shortly.';
  return undefined;
}

/** Token acquisition errors from @azure/identity carry AADSTS codes in their message. */
function tokenFailure(error: unknown, operation: string): GraphFailure {
  const message = error instanceof Error ? error.message : String(error);
  const aadsts = /AADSTS\d+/.exec(message)?.[0];
  const name = error instanceof Error ? error.name : 'Error';
  const isCredential = /Credential|Authentication/i.test(name) || aadsts !== undefined;
  const firstLine = message.split('\n')[0].slice(0, 300);
  return new GraphFailure(
    operation,
    0,
    aadsts ?? (isCredential ? 'TokenAcquisitionFailed' : name),
    undefined,
    firstLine,
    isCredential ? 'The bot could not get a Graph token: check AZURE_TENANT_ID, AZURE_CLIENT_ID, the secret or certificate, and AZURE_AUTHORITY_HOST.' : undefined,
  );
}

function isGraphErrorLike(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'statusCode' in error && 'code' in error;
}
