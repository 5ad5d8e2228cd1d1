/**
 * The shape checks an inbound Bot Framework activity must pass before the adapter sees it,
 * so that a malformed request is a 400 with a reason instead of an exception deep in a turn.
 */

export interface EnvelopeRules {
  /**
   * Which serviceUrls may be plain http: any (anonymous bot: demos, the Agents Playground),
   * loopback only (a local test channel) or none (a bot behind real Bot Framework auth).
   */
  httpServiceUrl: 'any' | 'loopback' | 'never';
}

export type EnvelopeCheck = { ok: true } | { ok: false; reason: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function checkEnvelope(body: unknown, rules: EnvelopeRules): EnvelopeCheck {
  const problem = findProblem(body, rules);
  return problem ? { ok: false, reason: problem } : { ok: true };
}

function findProblem(body: unknown, rules: EnvelopeRules): string | undefined {
  if (!isObject(body)) return 'body is not a JSON object';
  if (!nonEmptyString(body.type)) return 'type missing';
  if (!nonEmptyString(body.channelId)) return 'channelId missing';
  const serviceUrlProblem = checkServiceUrl(body.serviceUrl, rules);
  if (serviceUrlProblem) return serviceUrlProblem;
  if (!isObject(body.conversation) || !nonEmptyString(body.conversation.id)) return 'conversation.id missing';
  if (!isObject(body.from) || !nonEmptyString(body.from.id)) return 'from.id missing';
  if (body.from.aadObjectId !== undefined && typeof body.from.aadObjectId !== 'string') return 'from.aadObjectId is not a string';
  if (body.recipient !== undefined && !isObject(body.recipient)) return 'recipient is not an object';
  if (body.text !== undefined && typeof body.text !== 'string') return 'text is not a string';
  if (body.type === 'invoke' && body.name === 'adaptiveCard/action') {
    const action = isObject(body.value) ? body.value.action : undefined;
    if (!isObject(action) || typeof action.verb !== 'string') return 'value.action.verb missing';
  }
  return undefined;
}

function checkServiceUrl(value: unknown, rules: EnvelopeRules): string | undefined {
  if (!nonEmptyString(value)) return 'serviceUrl missing';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'serviceUrl is not a URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return 'serviceUrl is not http(s)';
  if (rules.httpServiceUrl === 'any' || (rules.httpServiceUrl === 'loopback' && LOOPBACK_HOSTS.has(url.hostname))) return undefined;
  return 'serviceUrl must be https';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
