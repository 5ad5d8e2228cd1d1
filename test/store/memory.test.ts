import assert from 'node:assert/strict';
import { createMemoryStateStore, StoreUnavailableError } from '../../src/store';
import { describeStateStoreContract } from './contract';

describeStateStoreContract('memory', async () => {
  const store = createMemoryStateStore();
  return { store, cleanup: () => store.close() };
});

describe('memory state store', () => {
  it('stores are independent of each other', async () => {
    const a = createMemoryStateStore();
    const b = createMemoryStateStore();
    await a.put('requests/r1', 1);
    await a.appendAudit({ at: new Date().toISOString(), action: 'x' });
    assert.equal(await b.get('requests/r1'), undefined);
    assert.deepEqual(await b.readAudit({ limit: 10 }), []);
  });

  it('rejects calls after close with StoreUnavailableError, like the file store', async () => {
    const store = createMemoryStateStore();
    await store.close();
    await assert.rejects(store.get('requests/r1'), (error: unknown) => error instanceof StoreUnavailableError && error.code === 'ECLOSED');
    await assert.rejects(store.put('requests/r1', 1), StoreUnavailableError);
    await assert.rejects(store.appendAudit({ at: new Date().toISOString(), action: 'x' }), StoreUnavailableError);
  });
});
