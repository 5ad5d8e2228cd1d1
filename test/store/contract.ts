/**
 * The behaviour every StateStore adapter must have. Each adapter's test file calls
 * describeStateStoreContract with a factory that returns a fresh, empty store.
 */
import assert from 'node:assert/strict';
import { AuditEntry, ETagConflictError, InvalidKeyError, StateStore, StoreUnavailableError } from '../../src/store';

export interface ContractFixture {
  store: StateStore;
  cleanup(): Promise<void>;
}

const isConflict = (key: string) => (error: unknown) => {
  assert.ok(error instanceof ETagConflictError, `expected ETagConflictError, got ${String(error)}`);
  assert.equal(error.key, key);
  assert.ok(!(error instanceof StoreUnavailableError));
  return true;
};

const entry = (action: string, fields: Record<string, unknown> = {}): AuditEntry => ({
  at: new Date(Date.UTC(2025, 0, 1)).toISOString(),
  action,
  ...fields,
});

/** Keys a Teams bot really uses, and some that break naive file-name mappings. */
export const SPECIAL_KEYS = [
  'conversations/19:abc@thread.tacv2',
  'conversations/a:1Kx-Zq_9@thread.skype;messageid=1700000000000',
  'conversations/19:ABC@thread.tacv2', // differs from the first only in case
  'conversations/100%',
  'conversations/100%25', // what a naive decoder would turn into the previous key
  'conversations/a%2Fb', // not a path
  'conversations/a/b',
  'conversations/Ünïcødé ✓ 日本語 🔐',
  'conversations/spaces and \\ backslash',
  'conversations/con', // Windows device name
  'conversations/x.json.tmp',
];

export function describeStateStoreContract(name: string, create: () => Promise<ContractFixture>): void {
  describe(`StateStore contract: ${name}`, () => {
    let fixture: ContractFixture;
    let store: StateStore;

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('records', () => {
      it('get of a missing key is undefined', async () => {
        assert.equal(await store.get('requests/missing'), undefined);
      });

      it('put without a condition creates, then replaces, with a new etag each time', async () => {
        const first = await store.put('requests/r1', { state: 'pending' });
        assert.equal(typeof first, 'string');
        assert.ok(first.length > 0);
        assert.deepEqual(await store.get('requests/r1'), { key: 'requests/r1', value: { state: 'pending' }, etag: first });
        const second = await store.put('requests/r1', { state: 'approved' });
        assert.notEqual(second, first);
        assert.deepEqual(await store.get('requests/r1'), { key: 'requests/r1', value: { state: 'approved' }, etag: second });
      });

      it('the etag changes even when the same value is written again (no ABA)', async () => {
        const first = await store.put('requests/r1', { state: 'pending' });
        const second = await store.put('requests/r1', { state: 'pending' });
        assert.notEqual(second, first);
        await assert.rejects(store.put('requests/r1', { state: 'x' }, { ifMatch: first }), isConflict('requests/r1'));
        await store.delete('requests/r1');
        const recreated = await store.put('requests/r1', { state: 'pending' });
        assert.ok(recreated !== first && recreated !== second);
      });

      it("ifNoneMatch '*' creates only when absent", async () => {
        const etag = await store.put('requests/r1', { n: 1 }, { ifNoneMatch: '*' });
        await assert.rejects(store.put('requests/r1', { n: 2 }, { ifNoneMatch: '*' }), isConflict('requests/r1'));
        assert.deepEqual(await store.get('requests/r1'), { key: 'requests/r1', value: { n: 1 }, etag });
      });

      it('ifMatch replaces only when the etag is current', async () => {
        const first = await store.put('requests/r1', { n: 1 });
        const second = await store.put('requests/r1', { n: 2 }, { ifMatch: first });
        assert.notEqual(second, first);
        await assert.rejects(store.put('requests/r1', { n: 3 }, { ifMatch: first }), isConflict('requests/r1'));
        assert.deepEqual(await store.get('requests/r1'), { key: 'requests/r1', value: { n: 2 }, etag: second });
      });

      it('ifMatch on a missing record is a conflict and creates nothing', async () => {
        await assert.rejects(store.put('requests/nope', { n: 1 }, { ifMatch: 'some-etag' }), isConflict('requests/nope'));
        assert.equal(await store.get('requests/nope'), undefined);
      });

      it('an etag of one key does not match another key', async () => {
        const etagA = await store.put('requests/a', 1);
        await store.put('requests/b', 2);
        await assert.rejects(store.put('requests/b', 3, { ifMatch: etagA }), isConflict('requests/b'));
      });

      it('a condition with a missing etag is a TypeError, never an unconditional write', async () => {
        await store.put('requests/r1', { n: 1 });
        const noEtag = { ifMatch: undefined } as unknown as { ifMatch: string };
        await assert.rejects(store.put('requests/r1', { n: 2 }, noEtag), TypeError);
        await assert.rejects(store.put('requests/r1', { n: 2 }, { ifMatch: '' }), TypeError);
        await assert.rejects(store.put('requests/r1', { n: 2 }, {} as { ifMatch: string }), TypeError);
        await assert.rejects(store.put('requests/r1', { n: 2 }, { ifNoneMatch: 'x' } as unknown as { ifNoneMatch: '*' }), TypeError);
        await assert.rejects(store.delete('requests/r1', noEtag), TypeError);
        assert.deepEqual((await store.get('requests/r1'))?.value, { n: 1 });
      });

      it('delete without a condition: true when present, false when absent', async () => {
        await store.put('requests/r1', { n: 1 });
        assert.equal(await store.delete('requests/r1'), true);
        assert.equal(await store.get('requests/r1'), undefined);
        assert.equal(await store.delete('requests/r1'), false);
      });

      it('delete with ifMatch: only the current etag deletes; absent is false', async () => {
        const first = await store.put('requests/r1', { n: 1 });
        const second = await store.put('requests/r1', { n: 2 });
        await assert.rejects(store.delete('requests/r1', { ifMatch: first }), isConflict('requests/r1'));
        assert.deepEqual((await store.get('requests/r1'))?.value, { n: 2 });
        assert.equal(await store.delete('requests/r1', { ifMatch: second }), true);
        assert.equal(await store.delete('requests/r1', { ifMatch: second }), false);
        assert.equal(await store.get('requests/r1'), undefined);
      });

      it('values round-trip deeply', async () => {
        const value = {
          id: '3f2a',
          state: 'pending',
          approvals: [{ by: 'alice@contoso.com', at: '2025-01-01T00:00:00.000Z' }],
          nested: { deep: { deeper: [1, 2.5, -3e-7, null, true, false, 'ünïcødé 🔐', ''] } },
          empty: {},
          list: [],
          quote: 'line\nbreak "quoted" \\ back\u2028sep',
        };
        await store.put('requests/3f2a', value);
        assert.deepEqual((await store.get('requests/3f2a'))?.value, value);
        for (const scalar of ['text', 42, 0, true, false, null, [1, [2, [3]]]]) {
          await store.put('scalars/x', scalar);
          assert.deepEqual((await store.get('scalars/x'))?.value, scalar);
        }
      });

      it('values are JSON: Dates become ISO strings, undefined fields disappear', async () => {
        await store.put('requests/r1', { when: new Date('2025-02-03T04:05:06.007Z'), gone: undefined, kept: 1 });
        assert.deepEqual((await store.get('requests/r1'))?.value, { when: '2025-02-03T04:05:06.007Z', kept: 1 });
      });

      it('a value JSON cannot hold is a TypeError, not an outage, and stores nothing', async () => {
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        for (const bad of [undefined, circular, { n: BigInt(1) }, () => 1]) {
          await assert.rejects(store.put('requests/bad', bad), (error: unknown) => error instanceof TypeError);
        }
        assert.equal(await store.get('requests/bad'), undefined);
      });

      it('stored values are isolated from caller mutation (put, get and list)', async () => {
        const value = { state: 'pending', approvals: [{ by: 'alice' }] };
        await store.put('requests/r1', value);
        value.state = 'executed';
        value.approvals[0].by = 'mallory';
        value.approvals.push({ by: 'eve' });
        const read = await store.get<typeof value>('requests/r1');
        assert.deepEqual(read?.value, { state: 'pending', approvals: [{ by: 'alice' }] });
        (read as { value: typeof value }).value.approvals[0].by = 'mallory';
        const listed = await store.list<typeof value>('requests/');
        assert.deepEqual(listed[0].value, { state: 'pending', approvals: [{ by: 'alice' }] });
        listed[0].value.state = 'executed';
        assert.deepEqual((await store.get('requests/r1'))?.value, { state: 'pending', approvals: [{ by: 'alice' }] });
      });

      it('rejects empty keys and "." / ".." segments with InvalidKeyError', async () => {
        for (const key of ['', '..', '.', '../x', 'requests/../x', 'requests/..', 'a/./b', '/abs', 'trailing/', 'a//b']) {
          await assert.rejects(store.put(key, 1), (error: unknown) => error instanceof InvalidKeyError, `put ${JSON.stringify(key)}`);
          await assert.rejects(store.get(key), (error: unknown) => error instanceof InvalidKeyError, `get ${JSON.stringify(key)}`);
          await assert.rejects(store.delete(key), (error: unknown) => error instanceof InvalidKeyError, `delete ${JSON.stringify(key)}`);
        }
        await assert.rejects(store.put('x'.repeat(1025), 1), InvalidKeyError);
        await assert.rejects(store.put('a\u0000b', 1), InvalidKeyError);
        assert.deepEqual(await store.list(''), []);
      });

      it('keys that are dots inside a segment are fine', async () => {
        for (const key of ['a/.hidden', 'a/...', 'a/..b', 'v1.2/x']) await store.put(key, key);
        assert.deepEqual((await store.list('')).map((r) => r.value), ['a/...', 'a/..b', 'a/.hidden', 'v1.2/x']);
      });
    });

    describe('list', () => {
      it('returns every record under a prefix, sorted by key, with etags', async () => {
        const etags = new Map<string, string>();
        for (const key of ['requests/c', 'requests/a', 'requestsX/1', 'conversations/z', 'requests/b/sub', 'requests']) {
          etags.set(key, await store.put(key, { key }));
        }
        const listed = await store.list<{ key: string }>('requests/');
        assert.deepEqual(listed.map((r) => r.key), ['requests/a', 'requests/b/sub', 'requests/c']);
        for (const record of listed) {
          assert.equal(record.etag, etags.get(record.key));
          assert.deepEqual(record.value, { key: record.key });
        }
        assert.deepEqual((await store.list('requests')).map((r) => r.key), ['requests', 'requests/a', 'requests/b/sub', 'requests/c', 'requestsX/1']);
        assert.deepEqual((await store.list('')).length, 6);
        assert.deepEqual(await store.list('nothing/'), []);
      });

      it('matches prefixes that end inside a segment', async () => {
        for (const key of ['requests/3f2a', 'requests/3f2b', 'requests/4a00', 'requests/3']) await store.put(key, 1);
        assert.deepEqual((await store.list('requests/3f')).map((r) => r.key), ['requests/3f2a', 'requests/3f2b']);
        assert.deepEqual((await store.list('requests/3')).map((r) => r.key), ['requests/3', 'requests/3f2a', 'requests/3f2b']);
      });

      it('handles keys with special characters, case differences and unicode', async () => {
        for (const key of SPECIAL_KEYS) await store.put(key, { key });
        const listed = await store.list<{ key: string }>('conversations/');
        assert.deepEqual(listed.map((r) => r.key), [...SPECIAL_KEYS].sort());
        for (const record of listed) assert.equal(record.value.key, record.key);
        for (const key of SPECIAL_KEYS) assert.deepEqual((await store.get(key))?.value, { key });
        assert.deepEqual((await store.list('conversations/100%')).map((r) => r.key), ['conversations/100%', 'conversations/100%25']);
        assert.deepEqual((await store.list('conversations/a/')).map((r) => r.key), ['conversations/a/b']);
        assert.deepEqual((await store.list('conversations/19:A')).map((r) => r.key), ['conversations/19:ABC@thread.tacv2']);
        assert.deepEqual((await store.list('conversations/Ünï')).map((r) => r.key), ['conversations/Ünïcødé ✓ 日本語 🔐']);
      });

      it('does not return deleted records', async () => {
        await store.put('requests/a', 1);
        await store.put('requests/b', 2);
        await store.delete('requests/a');
        assert.deepEqual((await store.list('requests/')).map((r) => r.key), ['requests/b']);
      });
    });

    describe('concurrency', () => {
      it('50 concurrent puts with the same ifMatch: exactly one wins', async () => {
        const etag = await store.put('requests/r1', { executedBy: null });
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) => store.put('requests/r1', { executedBy: `approver-${i}` }, { ifMatch: etag })),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, etag: r.value }] : []));
        assert.equal(winners.length, 1, `winners: ${JSON.stringify(winners)}`);
        for (const r of results) if (r.status === 'rejected') isConflict('requests/r1')(r.reason);
        assert.deepEqual(await store.get('requests/r1'), {
          key: 'requests/r1',
          value: { executedBy: `approver-${winners[0].i}` },
          etag: winners[0].etag,
        });
      });

      it("50 concurrent create-only puts: exactly one wins", async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) => store.put('requests/new', { creator: i }, { ifNoneMatch: '*' })),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        assert.equal(winners.length, 1);
        for (const r of results) if (r.status === 'rejected') isConflict('requests/new')(r.reason);
        assert.deepEqual((await store.get('requests/new'))?.value, { creator: winners[0] });
      });

      it('50 concurrent deletes with the same ifMatch: one true, the rest false', async () => {
        const etag = await store.put('requests/r1', 1);
        const results = await Promise.all(Array.from({ length: 50 }, () => store.delete('requests/r1', { ifMatch: etag })));
        assert.equal(results.filter((r) => r).length, 1);
        assert.equal(await store.get('requests/r1'), undefined);
      });

      it('a read-modify-write loop with retries on conflict loses no update', async () => {
        await store.put('counters/c', { n: 0 });
        const increment = async (): Promise<void> => {
          for (;;) {
            const current = await store.get<{ n: number }>('counters/c');
            try {
              await store.put('counters/c', { n: (current?.value.n ?? 0) + 1 }, { ifMatch: current?.etag ?? '' });
              return;
            } catch (error) {
              if (!(error instanceof ETagConflictError)) throw error;
            }
          }
        };
        await Promise.all(Array.from({ length: 20 }, increment));
        assert.deepEqual((await store.get('counters/c'))?.value, { n: 20 });
      });

      it('concurrent writes to different keys all land', async () => {
        await Promise.all(Array.from({ length: 100 }, (_, i) => store.put(`requests/${String(i).padStart(3, '0')}`, i, { ifNoneMatch: '*' })));
        const listed = await store.list<number>('requests/');
        assert.deepEqual(listed.map((r) => r.value), Array.from({ length: 100 }, (_, i) => i));
      });
    });

    describe('audit log', () => {
      it('is empty at first', async () => {
        assert.deepEqual(await store.readAudit({ limit: 10 }), []);
      });

      it('reads the latest entries newest first, up to the limit', async () => {
        for (let i = 0; i < 10; i++) await store.appendAudit(entry(`action-${i}`, { i }));
        assert.deepEqual((await store.readAudit({ limit: 3 })).map((e) => e.action), ['action-9', 'action-8', 'action-7']);
        assert.deepEqual((await store.readAudit({ limit: 100 })).map((e) => e.i), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        assert.deepEqual(await store.readAudit({ limit: 0 }), []);
      });

      it('round-trips entries deeply and isolates them from caller mutation', async () => {
        const original = entry('request.approved', { requestId: 'r1', actor: { upn: 'alice@contoso.com', roles: ['A'] }, note: 'ünï 🔐\n"q"' });
        const copy = structuredClone(original);
        await store.appendAudit(original);
        (original.actor as { roles: string[] }).roles.push('B');
        original.action = 'tampered';
        const [read] = await store.readAudit({ limit: 1 });
        assert.deepEqual(read, copy);
        read.action = 'tampered';
        assert.deepEqual((await store.readAudit({ limit: 1 }))[0], copy);
      });

      it('filters by requestId', async () => {
        for (let i = 0; i < 12; i++) await store.appendAudit(entry(`step-${i}`, { requestId: `r${i % 3}`, i }));
        await store.appendAudit(entry('other', { note: 'mentions "r1" but has no requestId' }));
        await store.appendAudit(entry('other', { requestId: 'r10' }));
        assert.deepEqual((await store.readAudit({ limit: 10, requestId: 'r1' })).map((e) => e.i), [10, 7, 4, 1]);
        assert.deepEqual((await store.readAudit({ limit: 2, requestId: 'r1' })).map((e) => e.i), [10, 7]);
        assert.deepEqual(await store.readAudit({ limit: 10, requestId: 'r9' }), []);
        assert.equal((await store.readAudit({ limit: 100 })).length, 14);
      });

      it('reads an entry appended again with the same id once, and keeps entries without an id', async () => {
        await store.appendAudit(entry('request.created', { id: 'e1', requestId: 'r1' }));
        await store.appendAudit(entry('request.approved', { id: 'e2', requestId: 'r1' }));
        await store.appendAudit(entry('note'));
        await store.appendAudit(entry('note'));
        await store.appendAudit(entry('request.approved', { id: 'e2', requestId: 'r1' }));
        assert.deepEqual((await store.readAudit({ limit: 10 })).map((e) => e.action), ['request.approved', 'note', 'note', 'request.created']);
        assert.deepEqual((await store.readAudit({ limit: 2, requestId: 'r1' })).map((e) => e.id), ['e2', 'e1']);
      });

      it('rejects malformed entries with a TypeError and a negative limit with a RangeError', async () => {
        await assert.rejects(store.appendAudit({ action: 'x' } as unknown as AuditEntry), TypeError);
        await assert.rejects(store.appendAudit({ at: 'not a time', action: 'x' }), TypeError);
        await assert.rejects(store.appendAudit({ at: new Date().toISOString(), action: '' }), TypeError);
        await assert.rejects(store.readAudit({ limit: -1 }), RangeError);
        assert.deepEqual(await store.readAudit({ limit: 10 }), []);
      });

      it('500 concurrent appends are all present exactly once', async () => {
        await Promise.all(Array.from({ length: 500 }, (_, i) => store.appendAudit(entry('bulk', { requestId: `req-${i % 7}`, i, pad: 'x'.repeat(i % 50) }))));
        const all = await store.readAudit({ limit: 10_000 });
        assert.equal(all.length, 500);
        assert.deepEqual(
          all.map((e) => e.i as number).sort((a, b) => a - b),
          Array.from({ length: 500 }, (_, i) => i),
        );
        for (const e of all) assert.equal(e.pad, 'x'.repeat((e.i as number) % 50));
        assert.equal((await store.readAudit({ limit: 10_000, requestId: 'req-3' })).length, 71);
      });

      it('an awaited append is visible to the next read', async () => {
        for (let i = 0; i < 5; i++) {
          await store.appendAudit(entry('step', { i }));
          assert.equal((await store.readAudit({ limit: 1 }))[0].i, i);
        }
      });
    });
  });
}
