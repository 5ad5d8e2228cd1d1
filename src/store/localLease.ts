import type { LeaderLease } from './port';

/** The embedded store's lease: one process, so it leads until stopped. */
export function startLocalLease(): LeaderLease {
  let stopped = false;
  return {
    isLeader: () => !stopped,
    stop: async () => {
      stopped = true;
    },
  };
}
