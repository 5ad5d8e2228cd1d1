/** A failure that maps onto a Graph error response (status + code + message). */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export const badRequest = (message: string): GraphError => new GraphError(400, 'BadRequest', message);

export const notFound = (key: string): GraphError =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const conflict = (message: string): GraphError => new GraphError(409, 'Conflict', message);

export const segmentNotFound = (segment: string): GraphError =>
  badRequest(`Resource not found for the segment '${segment}'.`);

/** The directory (users, groups) answers bad input with Request_BadRequest, not BadRequest. */
export const directoryBadRequest = (message: string): GraphError => new GraphError(400, 'Request_BadRequest', message);

/** What the directory answers for an object id that is not a GUID (e.g. GET /groups/{name}). */
export const invalidObjectId = (id: string): GraphError => directoryBadRequest(`Invalid object identifier '${id}'.`);
