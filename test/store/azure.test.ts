import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, Server, Socket } from 'node:net';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { AuditEntry, createAzureStateStore, ETagConflictError, StateStore, StoreUnavailableError } from '../../src/store';
import type { AzureStateStoreOptions } from '../../src/store/azure';
import { recordBlobName } from '../../src/store/azureNames';
import { Azurite, AZURITE_KEY, startAzurite } from '../support/azurite';
import { describeStateStoreContract, SPECIAL_KEYS } from './contract';

const at = (i = 0): string => new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
const entry = (action: string, fields: Record<string, unknown> = {}): AuditEntry => ({ at: at(), action, ...fields });
const uniqueContainer = (): string => `t-${randomBytes(8).toString('hex')}`;

const unavailable = (code?: string | RegExp) => (error: unknown) => {
  assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(error)}`);
  assert.ok(!(error instanceof ETagConflictError));
  if (typeof code === 'string') assert.equal(error.code, code);
  else if (code) assert.match(String(error.code), code);
  assert.ok(!error.message.includes(AZURITE_KEY), 'the account key must not be in the message');
  assert.ok(!error.message.includes('AccountKey='), 'the connection string must not be in the message');
  return true;
};

/**
 * Resolves with how long `promise` took to reject, asserting it does reject as expected.
 * There is no upper bound on the time (the machine may be loaded): the error's code says
 * whether it failed at once (refused) or when a deadline fired (ETIMEDOUT); a hang would
 * meet mocha's timeout.
 */
async function rejectsWith(promise: Promise<unknown>, check: (error: unknown) => boolean, label: string): Promise<number> {
  const started = Date.now();
  await assert.rejects(promise, check, label);
  return Date.now() - started;
}

/** Unavailable, and not by waiting out a deadline: the connection was refused or reset. */
const refused = (code?: RegExp) => (error: unknown) => {
  unavailable(code)(error);
  assert.doesNotMatch(String((error as StoreUnavailableError).code), /ETIMEDOUT/, 'refused at once, not after a deadline');
  return true;
};

describe('azure blob state store (Azurite)', function () {
  this.timeout(30_000);
  let azurite: Azurite;
  let service: BlobServiceClient;
  const opened: StateStore[] = [];
  const containers: string[] = [];

  const open = async (options: Partial<AzureStateStoreOptions> = {}): Promise<{ store: StateStore; container: string }> => {
    const container = options.container ?? uniqueContainer();
    if (!containers.includes(container)) containers.push(container);
    const store = await createAzureStateStore({ connectionString: azurite.connectionString, ...options, container });
    opened.push(store);
    return { store, container };
  };
  const client = (container: string): ContainerClient => service.getContainerClient(container);

  before(async () => {
    azurite = await startAzurite();
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });

  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((store) => store.close()));
    await Promise.allSettled(containers.splice(0).map((name) => client(name).deleteIfExists()));
  });

  after(async () => {
    await azurite?.stop();
  });

  describeStateStoreContract('azure blob', async () => {
    const { store } = await open();
    return { store, cleanup: () => store.close() };
  });

  describe('connection and layout', () => {
    it('creates the container when missing and keeps records as JSON blobs under records/', async () => {
      const { store, container } = await open();
      assert.equal(await client(container).exists(), true);
      const etag = await store.put('conversations/19:abc@thread.tacv2', { a: 1 });
      const blobs: string[] = [];
      for await (const blob of client(container).listBlobsFlat()) blobs.push(blob.name);
      assert.deepEqual(blobs, [recordBlobName('conversations/19:abc@thread.tacv2')]);
      assert.match(blobs[0], /^records\/[A-Za-z0-9_~-]+$/);
      const downloaded = await client(container).getBlobClient(blobs[0]).downloadToBuffer();
      assert.deepEqual(JSON.parse(downloaded.toString('utf8')), { key: 'conversations/19:abc@thread.tacv2', value: { a: 1 } });
      const properties = await client(container).getBlobClient(blobs[0]).getProperties();
      assert.equal(properties.etag, etag);
    });

    it('opens an existing container and ignores blobs it did not write', async () => {
      const container = uniqueContainer();
      await client(container).create();
      await client(container).getBlockBlobClient('records/not~zz-ours').upload('{}', 2);
      await client(container).getBlockBlobClient('records').upload('{}', 2);
      await client(container).getBlockBlobClient('other/thing').upload('{}', 2);
      const { store } = await open({ container });
      await store.put('a', 1);
      assert.deepEqual((await store.list('')).map((r) => r.key), ['a']);
    });

    it('blob names are reversible and distinct, also for long and special keys', async () => {
      const keys = [
        ...SPECIAL_KEYS,
        'a.b',
        'a~2eb',
        'A/b',
        'a/B',
        'x'.repeat(1024),
        '日'.repeat(1024),
        '日'.repeat(100) + 'a',
        '日'.repeat(100) + 'b',
        '🔐'.repeat(512),
      ];
      const names = keys.map(recordBlobName);
      assert.equal(new Set(names).size, keys.length);
      for (const name of names) {
        assert.ok(name.length <= 1024, `${name.length} characters`);
        assert.ok(!name.endsWith('.') && !name.slice('records/'.length).includes('/'));
      }
      const { store } = await open();
      for (const key of keys) await store.put(key, { key });
      for (const key of keys) assert.deepEqual((await store.get(key))?.value, { key });
      assert.deepEqual((await store.list('')).map((r) => r.key), [...keys].sort());
      assert.deepEqual((await store.list('日'.repeat(100))).map((r) => r.key), ['日'.repeat(100) + 'a', '日'.repeat(100) + 'b', '日'.repeat(1024)]);
      assert.deepEqual((await store.list('日'.repeat(400))).map((r) => r.key), ['日'.repeat(1024)]);
      assert.deepEqual((await store.list('🔐'.repeat(300))).map((r) => r.key), ['🔐'.repeat(512)]);
      assert.deepEqual((await store.list('🔐'.repeat(3) + '\uD83D')).map((r) => r.key), ['🔐'.repeat(512)]); // ends inside a pair
      assert.deepEqual((await store.list('x'.repeat(1000))).map((r) => r.key), ['x'.repeat(1024)]);
      assert.equal(await store.delete('日'.repeat(1024)), true);
      assert.deepEqual(await store.list('日'.repeat(400)), []);
    });

    it('a corrupt record is StoreUnavailableError ECORRUPT, not a missing one', async () => {
      const { store, container } = await open();
      await client(container).getBlockBlobClient(recordBlobName('requests/r1')).upload('{not json', 9);
      await client(container).getBlockBlobClient(recordBlobName('requests/r2')).upload('{"key":"requests/other","value":1}', 34);
      await assert.rejects(store.get('requests/r1'), unavailable('ECORRUPT'));
      await assert.rejects(store.get('requests/r2'), unavailable('ECORRUPT'));
      await assert.rejects(store.list('requests/'), unavailable('ECORRUPT'));
      assert.equal(await store.delete('requests/r1'), true); // an unconditional delete clears it
    });

    it('rejects bad options without echoing the connection string', async () => {
      await assert.rejects(createAzureStateStore({ container: 'x' } as AzureStateStoreOptions), TypeError);
      await assert.rejects(createAzureStateStore({ connectionString: azurite.connectionString, container: 'Bad_Name' }), TypeError);
      await assert.rejects(createAzureStateStore({ connectionString: azurite.connectionString, accountUrl: 'https://a.blob.core.windows.net', container: 'abc' }), TypeError);
      await assert.rejects(createAzureStateStore({ connectionString: azurite.connectionString, container: 'abc', requestTimeoutMs: 0 }), RangeError);
      const secret = 'AccountName=x;AccountKey=c2VjcmV0LXNlY3JldA==;Nonsense';
      await assert.rejects(createAzureStateStore({ connectionString: secret, container: 'abc' }), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.ok(!error.message.includes('c2VjcmV0'), error.message);
        return true;
      });
    });

    it('a wrong account key is StoreUnavailableError with the service code, and no secret in the message', async () => {
      const wrongKey = Buffer.alloc(64, 7).toString('base64');
      await assert.rejects(
        createAzureStateStore({ connectionString: azurite.connectionString.replace(AZURITE_KEY, wrongKey), container: uniqueContainer() }),
        (error: unknown) => {
          unavailable(/Authori[sz]ation|Authentication/)(error);
          assert.ok(!(error as Error).message.includes(wrongKey));
          assert.match((error as Error).message, /HTTP 403/);
          return true;
        },
      );
    });

    it('close waits for writes in flight; afterwards calls reject with ECLOSED', async () => {
      const { store, container } = await open();
      const pending = Array.from({ length: 30 }, (_, i) => store.appendAudit(entry('bulk', { i })));
      const write = store.put('requests/r1', 1);
      await store.close();
      await Promise.all(pending);
      await write;
      await assert.rejects(store.get('requests/r1'), unavailable('ECLOSED'));
      await assert.rejects(store.put('requests/r1', 2), unavailable('ECLOSED'));
      await assert.rejects(store.readAudit({ limit: 1 }), unavailable('ECLOSED'));
      await store.close(); // idempotent
      const { store: reopened } = await open({ container });
      assert.equal((await reopened.readAudit({ limit: 100 })).length, 30);
    });
  });

  describe('several instances on one container (like several processes)', () => {
    it('re-opening keeps records, etags and the audit log', async () => {
      const { store: first, container } = await open();
      const etag = await first.put('requests/r1', { state: 'pending' });
      await first.appendAudit(entry('request.created', { requestId: 'r1' }));
      await first.appendAudit(entry('request.approved', { requestId: 'r1' }));
      await first.close();
      const { store: second } = await open({ container });
      assert.deepEqual(await second.get('requests/r1'), { key: 'requests/r1', value: { state: 'pending' }, etag });
      await second.put('requests/r1', { state: 'approved' }, { ifMatch: etag });
      await second.appendAudit(entry('request.executed', { requestId: 'r1' }));
      assert.deepEqual((await second.readAudit({ limit: 10 })).map((e) => e.action), ['request.executed', 'request.approved', 'request.created']);
    });

    it('two stores racing 50 compare-and-set writes on one key: exactly one wins', async () => {
      const { store: a, container } = await open();
      const { store: b } = await open({ container });
      const etag = await a.put('requests/r1', { executedBy: null });
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).put('requests/r1', { executedBy: `approver-${i}` }, { ifMatch: etag })),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, etag: r.value }] : []));
      assert.equal(winners.length, 1, JSON.stringify(winners));
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof ETagConflictError, String(r.reason));
      assert.deepEqual(await b.get('requests/r1'), { key: 'requests/r1', value: { executedBy: `approver-${winners[0].i}` }, etag: winners[0].etag });

      const created = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).put('requests/new', i, { ifNoneMatch: '*' })));
      assert.equal(created.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('concurrent appends from two stores across many segments: none lost, none torn, each writer in order', async () => {
      const { store: a, container } = await open({ auditSegmentBlocks: 7 });
      const { store: b } = await open({ container, auditSegmentBlocks: 7 });
      const writer = async (store: StateStore, name: string): Promise<void> => {
        for (let i = 0; i < 40; i++) {
          await Promise.all([
            store.appendAudit(entry('seq', { writer: name, i, pad: 'x'.repeat(i * 13) })),
            store.appendAudit(entry('burst', { writer: name, i, requestId: `r-${i % 3}` })),
          ]);
        }
      };
      await Promise.all([writer(a, 'a'), writer(b, 'b')]);
      const segments: Array<{ name: string; sealed: boolean | undefined }> = [];
      for await (const blob of client(container).listBlobsFlat({ prefix: 'audit/' })) segments.push({ name: blob.name, sealed: blob.properties.isSealed });
      assert.ok(segments.length >= 5, `${segments.length} segments`);
      assert.ok(segments.every((s) => /^audit\/\d{12}\.jsonl$/.test(s.name)));
      assert.ok(segments.slice(0, -1).every((s) => s.sealed === true), 'every segment but the newest is sealed');

      const all = await b.readAudit({ limit: 10_000 });
      assert.equal(all.length, 160);
      for (const name of ['a', 'b']) {
        const seq = all.filter((e) => e.writer === name && e.action === 'seq');
        assert.deepEqual(seq.map((e) => e.i), Array.from({ length: 40 }, (_, i) => 39 - i), `writer ${name} newest first`);
        for (const e of seq) assert.equal(e.pad, 'x'.repeat((e.i as number) * 13));
      }
      assert.equal((await a.readAudit({ limit: 10_000, requestId: 'r-1' })).length, 2 * 13);
      assert.deepEqual((await a.readAudit({ limit: 3 })).map((e) => e.i), all.slice(0, 3).map((e) => e.i));
    });

    it('rolls over on byte size too, and an instance behind several segments catches up', async () => {
      const { store: a, container } = await open({ auditSegmentBytes: 600 });
      const { store: b } = await open({ container, auditSegmentBytes: 600 });
      await b.appendAudit(entry('b-first'));
      for (let i = 0; i < 30; i++) await a.appendAudit(entry('a', { i, pad: 'y'.repeat(100) }));
      await b.appendAudit(entry('b-last'));
      const all = await a.readAudit({ limit: 100 });
      assert.deepEqual(all.map((e) => e.action).filter((x) => x !== 'a'), ['b-last', 'b-first']);
      assert.equal(all[0].action, 'b-last');
      assert.equal(all.at(-1)?.action, 'b-first');
      let segments = 0;
      for await (const blob of client(container).listBlobsFlat({ prefix: 'audit/' })) segments += blob.name ? 1 : 0;
      assert.ok(segments >= 5, `${segments} segments`);
    });

    it('drops a duplicated line (a retried append) when reading', async () => {
      const { store, container } = await open();
      await store.appendAudit(entry('once', { requestId: 'r1' }));
      let segment = '';
      for await (const blob of client(container).listBlobsFlat({ prefix: 'audit/' })) segment = blob.name;
      const text = (await client(container).getBlobClient(segment).downloadToBuffer()).toString('utf8');
      assert.match(text, /^[0-9a-f]{24}\t\{.*\}\n$/);
      await client(container).getAppendBlobClient(segment).appendBlock(text, Buffer.byteLength(text));
      await store.appendAudit(entry('twice', { requestId: 'r1' }));
      assert.deepEqual((await store.readAudit({ limit: 10 })).map((e) => e.action), ['twice', 'once']);
    });
  });

  describe('outages', () => {
    let blackHole: Server | undefined;
    const sockets = new Set<Socket>();

    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => (blackHole ? blackHole.close(() => resolve()) : resolve()));
      blackHole = undefined;
    });

    it('Azurite stopped: every operation rejects with StoreUnavailableError at once (refused, no deadline waited out); a new store works once it is back', async () => {
      const own = await startAzurite();
      try {
        const container = uniqueContainer();
        const store = await createAzureStateStore({ connectionString: own.connectionString, container });
        opened.push(store);
        const etag = await store.put('requests/r1', 1);
        await store.appendAudit(entry('before'));
        await own.stop();
        await rejectsWith(store.get('requests/r1'), refused(/ECONNREFUSED|ECONNRESET/), 'get');
        await rejectsWith(store.put('requests/r1', 2, { ifMatch: etag }), refused(/ECONNREFUSED|ECONNRESET/), 'put');
        await rejectsWith(store.delete('requests/r1'), refused(), 'delete');
        await rejectsWith(store.list('requests/'), refused(), 'list');
        await rejectsWith(store.appendAudit(entry('during')), refused(), 'appendAudit');
        await rejectsWith(store.readAudit({ limit: 5 }), refused(), 'readAudit');
        await rejectsWith(createAzureStateStore({ connectionString: own.connectionString, container }), refused(), 'open');

        const restarted = await startAzurite({ port: own.port });
        try {
          const again = await createAzureStateStore({ connectionString: restarted.connectionString, container });
          opened.push(again);
          assert.equal(await again.get('requests/r1'), undefined); // in-memory data is gone
          await again.put('requests/r1', 3);
          await again.appendAudit(entry('after'));
          assert.deepEqual((await again.readAudit({ limit: 5 })).map((e) => e.action), ['after']);
        } finally {
          await restarted.stop();
        }
      } finally {
        await own.stop();
      }
    });

    it('Azurite hanging (paused): requests time out with ETIMEDOUT and the same store recovers on resume', async function () {
      if (process.platform === 'win32') this.skip();
      const own = await startAzurite();
      try {
        const store = await createAzureStateStore({ connectionString: own.connectionString, container: uniqueContainer(), requestTimeoutMs: 1_500 });
        opened.push(store);
        await store.put('requests/r1', 1);
        await own.pause();
        try {
          await rejectsWith(store.get('requests/r1'), unavailable('ETIMEDOUT'), 'get');
          await rejectsWith(store.appendAudit(entry('during')), unavailable('ETIMEDOUT'), 'appendAudit');
        } finally {
          await own.resume();
        }
        assert.deepEqual((await store.get('requests/r1'))?.value, 1);
        await store.appendAudit(entry('after'));
        // The append that timed out may or may not have landed (unknown outcome, as with any remote store).
        assert.equal((await store.readAudit({ limit: 1 }))[0].action, 'after');
      } finally {
        await own.stop();
      }
    });

    it('an endpoint that accepts connections but never answers surfaces within the default deadline', async () => {
      blackHole = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => blackHole?.listen(0, '127.0.0.1', () => resolve()));
      const address = blackHole.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const connectionString = azurite.connectionString.replace(/BlobEndpoint=[^;]+/, `BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1`);
      const took = await rejectsWith(createAzureStateStore({ connectionString, container: uniqueContainer() }), unavailable('ETIMEDOUT'), 'open');
      assert.ok(took >= 9_000, `gave up after ${took} ms, before the 10 s deadline`);
    });
  });
});
