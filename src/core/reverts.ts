import type { GraphObject } from './model';
import type { TrackedKindId } from './trackedKinds';

/** Port: writes to live objects and fresh reads of them (src/graph implements it). Writes return the Graph request-id. */
export interface LiveWriter {
  /** PATCH (PUT for identity-sync policies) of the given properties. */
  writeLive(kind: TrackedKindId, key: string, body: GraphObject): Promise<{ requestId?: string }>;
  createLive(kind: 'ca' | 'locations', body: GraphObject): Promise<{ item: GraphObject; requestId?: string }>;
  /** The live object as a history cycle reads it, or undefined when it does not exist. */
  readLiveObject(kind: TrackedKindId, key: string): Promise<GraphObject | undefined>;
}
