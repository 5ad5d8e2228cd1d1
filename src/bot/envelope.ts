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
  // teams-ai reads recipient.id on every turn (and mention removal on every message): without it the turn throws.
  if (!isObject(body.recipient) || !nonEmptyString(body.recipient.id)) return 'recipient.id missing';
  if (body.text !== undefined && typeof body.text !== 'string') return 'text is not a string';
  const mistyped = mistypedReferenceField(body);
  if (mistyped) return `${mistyped} has the wrong type`;
  const entitiesProblem = checkEntities(body.entities, body.type === 'message' && typeof body.text !== 'string');
  if (entitiesProblem) return entitiesProblem;
  if (body.type === 'invoke') {
    // The only invoke the bot serves; any other would get botbuilder's 501 Not Implemented.
    if (body.name !== 'adaptiveCard/action') return 'invoke not supported';
    const action = isObject(body.value) ? body.value.action : undefined;
    if (!isObject(action) || typeof action.verb !== 'string') return 'value.action.verb missing';
  }
  return undefined;
}

/**
 * Every reply copies the inbound conversation reference (activity id, locale, from, recipient,
 * conversation), and botbuilder's serializer throws on a field of the wrong type, after the turn
 * ran: a 500 instead of a reply. So those fields must have their schema types.
 */
function mistypedReferenceField(body: Record<string, unknown>): string | undefined {
  const strings: [string, unknown][] = [['id', body.id], ['locale', body.locale], ['replyToId', body.replyToId]];
  for (const [name, account] of [['from', body.from], ['recipient', body.recipient], ['conversation', body.conversation]] as const) {
    if (!isObject(account)) continue;
    for (const field of ['id', 'name', 'role', 'aadObjectId', 'conversationType', 'tenantId']) strings.push([`${name}.${field}`, account[field]]);
    if (account.isGroup !== undefined && typeof account.isGroup !== 'boolean') return `${name}.isGroup`;
  }
  return strings.find(([, value]) => value !== undefined && value !== null && typeof value !== 'string')?.[0];
}

/** Mention removal walks the entities: each must be an object with a type, a mention must name who it mentions. */
function checkEntities(entities: unknown, messageWithoutText: boolean): string | undefined {
  if (entities === undefined) return undefined;
  if (!Array.isArray(entities)) return 'entities is not an array';
  for (const entity of entities) {
    if (!isObject(entity) || typeof entity.type !== 'string') return 'an entity has no type';
    if (entity.type.toLowerCase() === 'mention' && (!isObject(entity.mentioned) || typeof entity.text !== 'string')) return 'a mention entity is malformed';
    // Removing the bot's mention edits the text: a message that mentions but has no text would throw there.
    if (entity.type.toLowerCase() === 'mention' && messageWithoutText) return 'a mention in a message without text';
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
