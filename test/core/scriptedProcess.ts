import type { StateStore } from '../../src/store/port';
import type { PartnerDirectory } from '../../src/core/partnerChanges';
import type { SelfTestGraph } from '../../src/core/selfTest';

/**
 * Pieces the in-process crash tests share: a scripted process dies by never answering again,
 * and the ports a test's change never uses hang, so a call to one shows as a timeout.
 */

/** A call that never answers: what a dead process (or an unexpected port call) looks like. */
export const hang = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** `store` as one process reaches it: every call goes through `alive`, which hangs once the process is dead. */
export function storeOfProcess(store: StateStore, alive: <T>(work: () => Promise<T>) => Promise<T>): StateStore {
  return new Proxy(store, {
    get: (target, property: keyof StateStore) => {
      const member = target[property];
      return typeof member === 'function' ? (...args: unknown[]) => alive(() => (member as (...a: unknown[]) => Promise<unknown>).apply(target, args)) : member;
    },
  });
}

/** Partner changes, for tests of restores: listing finds no partner, writes never happen. */
export const UNUSED_PARTNERS: Omit<PartnerDirectory, 'organisationName'> = {
  listPartners: async () => [],
  getPartner: async () => undefined,
  getPartnerSync: async () => undefined,
  createPartner: () => hang(),
  patchPartner: () => hang(),
  putPartnerSync: () => hang(),
  deletePartnerSync: () => hang(),
  deletePartner: () => hang(),
};

/** The self-test's Graph calls, for tests of other changes (the self-test has its own scripted tenant). */
export const UNUSED_SELF_TEST_GRAPH: SelfTestGraph = {
  create: () => hang(),
  deleteLive: () => hang(),
  readLive: () => hang(),
  readDeleted: () => hang(),
  restore: () => hang(),
  purge: () => hang(),
  readAudit: () => hang(),
  liveNamed: () => hang(),
};
