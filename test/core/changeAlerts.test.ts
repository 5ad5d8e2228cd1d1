import assert from 'node:assert/strict';
import { AlertPoller, type AlertCard } from '../../src/core/alertPoller';
import { DirectoryNames } from '../../src/core/directoryNames';
import { ChangeHistory } from '../../src/core/history';
import type { GraphObject } from '../../src/core/model';
import { createMemoryStateStore } from '../../src/store/memory';
import type { StateStore } from '../../src/store/port';
import { hang } from './scriptedProcess';

/**
 * A change alert survives a crash between the version write and the queueing of its alert:
 * in-process, with the memory store. The process "dies" when the poller writes its outbox; the
 * restarted process queues and sends the alert once.
 */

const POLICY = '0f5c9b8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f';

describe('change alerts across a crash', () => {
  let clock: number;
  let policy: GraphObject;
  let shared: StateStore;
  const now = () => new Date(clock);

  beforeEach(() => {
    clock = Date.parse('2026-11-22T10:00:00Z');
    policy = { id: POLICY, displayName: 'CA001 Require MFA', state: 'enabled', conditions: { users: { includeUsers: ['All'] } } };
    shared = createMemoryStateStore();
  });

  /** A process; with `dieAtOutbox`, its store throws (the process stops) the first time the poller stores a change card in its outbox. */
  function start(options: { dieAtOutbox?: boolean } = {}) {
    const sent: AlertCard[] = [];
    let dead = false;
    const store: StateStore = new Proxy(shared, {
      get: (target, property: keyof StateStore) => {
        const member = target[property];
        if (typeof member !== 'function') return member;
        return async (...args: unknown[]) => {
          if (dead) return hang();
          const [key, value] = args as [string, { outbox?: AlertCard[] }];
          if (options.dieAtOutbox && property === 'put' && key === 'alerts/state' && value?.outbox?.some((card) => card.changes)) {
            dead = true;
            throw new Error('the process stopped');
          }
          return (member as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    const audit = { directoryAudits: async () => [] };
    const history = new ChangeHistory({
      store,
      live: { listLive: async () => ({ listings: { ca: [structuredClone(policy)] }, failures: [] }) },
      audit,
      names: { directoryNames: async () => new DirectoryNames() },
      retentionDays: 365,
      now,
    });
    const poller = new AlertPoller({
      store,
      bin: { listDeleted: async () => [], getDeleted: async () => undefined, getDeletedDirectoryObject: async () => undefined, directoryNames: async () => new DirectoryNames() },
      writer: { getLive: async () => undefined },
      audit,
      history,
      notifier: {
        send: async (_reference, alert) => {
          sent.push(alert);
          return { ok: true, activityId: `activity-${sent.length}` };
        },
        update: async () => ({ ok: true }),
      },
      log: () => undefined,
      now,
    });
    return { poller, history, sent };
  }

  it('a crash after the version was stored, before its alert was queued: the next cycle alerts it, once', async () => {
    const first = start();
    await first.poller.subscribe('chat-1', { conversation: { id: 'chat-1' } }, ['ca'], { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001', name: 'Alex' }, ['ca']);
    await first.poller.runCycle();
    clock += 60_000;

    policy.state = 'disabled';
    const dying = start({ dieAtOutbox: true });
    await assert.rejects(dying.poller.runCycle(), /the process stopped/);
    assert.equal(dying.sent.length, 0);
    assert.equal((await first.history.index('ca', POLICY))?.versions.length, 2, 'the version was stored before the crash');

    clock += 60_000;
    const restarted = start();
    await restarted.poller.runCycle();
    assert.equal(restarted.sent.length, 1, 'the lost alert is sent');
    const [change] = restarted.sent[0].changes ?? [];
    assert.equal(change?.change, 'state');
    assert.equal(change?.to, 2);
    assert.ok(change?.lines.some((line) => /On → Off/.test(line)), change?.lines.join('\n'));

    clock += 60_000;
    await restarted.poller.runCycle();
    const again = start();
    await again.poller.runCycle();
    assert.equal(restarted.sent.length + again.sent.length, 1, 'and never again');
    assert.ok(!(await again.history.index('ca', POLICY))?.versions.some((v) => v.alertPending), 'nothing left pending');
  });
});
