import type { Actor } from './access';
import type { Outcome } from './outcome';

/**
 * Port: the simulated tenant behind demo mode, for commands that only make sense there
 * (src/demo implements it over the simulator; in tenant mode there is none).
 */
export interface DemoTenant {
  /**
   * Deletes the live CA policy, named location or partner configuration with this id (a
   * partner's tenant id) or display name, recording `by` as the deleter in the audit log.
   * Says what was deleted, or why nothing was.
   */
  deleteLive(idOrName: string, by: Actor): Outcome<string>;
}
