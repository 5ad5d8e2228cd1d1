import type { StateStore } from '../../src/store/port';
import type { PartnerDirectory } from '../../src/core/partnerChanges';
import type { SelfTestGraph } from '../../src/core/selfTest';
import { DirectoryNames } from '../../src/core/directoryNames';
import type { GraphObject, ItemRef, KindId } from '../../src/core/model';
import type { RecycleBin, RecycleBinWriter } from '../../src/core/recycleBin';

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

/** The read side of a scripted tenant's recycle bins (`kind/id` keys), as one process reaches it through `alive`; `tenant` is read at each call. */
export function scriptedReads(
  tenantOf: () => { deleted: Map<string, GraphObject>; live: Map<string, GraphObject> },
  alive: <T>(work: () => Promise<T>) => Promise<T>,
): Pick<RecycleBin, 'listDeleted' | 'getDeleted' | 'getDeletedDirectoryObject' | 'directoryNames'> & Pick<RecycleBinWriter, 'getLive'> {
  return {
    listDeleted: (kind: KindId) => alive(async () => [...tenantOf().deleted.entries()].filter(([key]) => key.startsWith(`${kind}/`)).map(([, raw]) => raw)),
    getDeleted: (kind: KindId, id: string) => alive(async () => tenantOf().deleted.get(`${kind}/${id}`)),
    getDeletedDirectoryObject: (id: string) =>
      alive(async () => {
        const entry = [...tenantOf().deleted.entries()].find(([key]) => key.startsWith('users/') && key.endsWith(`/${id}`));
        return entry && { kind: 'users' as const, raw: entry[1] };
      }),
    getLive: (ref: ItemRef) => alive(async () => tenantOf().live.get(`${ref.kind}/${ref.id}`)),
    directoryNames: async () => new DirectoryNames(),
  };
}
