/**
 * Reading a JSON batch answer (POST /$batch) as Graph sends it: `{ responses: [{ id, status,
 * headers, body }] }`, in any order. Header names inside it are not normalised (Graph writes
 * "Content-Type", "Retry-After", "request-id"), so they are looked up without regard to case.
 */

export interface BatchItemAnswer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The inner responses by their id; entries without an id or a numeric status are ignored. */
export function batchAnswers(body: unknown): Map<string, BatchItemAnswer> {
  const answers = new Map<string, BatchItemAnswer>();
  const responses = isRecord(body) && Array.isArray(body.responses) ? body.responses : [];
  for (const raw of responses) {
    if (!isRecord(raw) || (typeof raw.id !== 'string' && typeof raw.id !== 'number') || typeof raw.status !== 'number') continue;
    const headers: Record<string, string> = {};
    if (isRecord(raw.headers)) for (const [name, value] of Object.entries(raw.headers)) if (typeof value === 'string') headers[name] = value;
    answers.set(String(raw.id), { id: String(raw.id), status: raw.status, headers, body: raw.body });
  }
  return answers;
}

export function headerOf(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(headers).find(([key]) => key.toLowerCase() === wanted)?.[1];
}

/** Graph's error body inside an inner response: `{ error: { code, message, innerError: { request-id } } }`. */
export function batchItemError(answer: BatchItemAnswer): { code?: string; message?: string; innerRequestId?: string } {
  const error = isRecord(answer.body) && isRecord(answer.body.error) ? answer.body.error : undefined;
  if (!error) return {};
  const inner = isRecord(error.innerError) ? error.innerError : undefined;
  const innerRequestId = inner?.['request-id'];
  return {
    code: typeof error.code === 'string' ? error.code : undefined,
    message: typeof error.message === 'string' ? error.message : undefined,
    innerRequestId: typeof innerRequestId === 'string' && innerRequestId ? innerRequestId : undefined,
  };
}

/**
 * The request-id to report for one item of a batch: the inner response's own `request-id`
 * header; else, for a failure, the request-id in its error body's innerError; else the request-id
 * of the outer $batch response. Graph does not promise inner request-ids, and the outer one is
 * what its support can trace the whole batch (and so this item) by: a fallback, not the item's own.
 */
export function batchItemRequestId(answer: BatchItemAnswer | undefined, outerRequestId: string | undefined): string | undefined {
  if (!answer) return outerRequestId;
  return headerOf(answer.headers, 'request-id') || batchItemError(answer).innerRequestId || outerRequestId;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
