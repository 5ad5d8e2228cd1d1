import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { ALEX, BotHarness, type Conversation } from '../support/botHarness';
import type { HistoryIndex } from '../../src/core/history';

/**
 * Change history: every poll cycle reads the live policy objects and keeps a version of each
 * one whose content changed, with who changed it from the directory audit log.
 */

const ADMIN = { user: { id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', userPrincipalName: 'grady.archie@contoso.onmicrosoft.com', displayName: 'Grady Archie' } };

describe('change history', () => {
  let bot: BotHarness;
  let channel: Conversation;
  const cycle = () => bot.product.poller.runCycle();

  beforeEach(async () => {
    bot = await BotHarness.start();
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  it('keeps a baseline of every live kind, a new version only when content changes, with who changed it, across a restart', async () => {
    const first = await cycle();
    assert.ok((first.versions ?? 0) > 5, 'the baseline stores a version of each live object');
    const kinds = new Set((await bot.product.store.list<HistoryIndex>('history/index/')).map((r) => r.value.kind));
    for (const kind of ['ca', 'locations', 'partners', 'sync', 'default']) assert.ok(kinds.has(kind as HistoryIndex['kind']), `history of ${kind}`);

    const quiet = await cycle();
    assert.equal(quiet.versions, 0, 'nothing changed, nothing written');

    bot.simulator.tenant.update('ca', DEMO_IDS.liveMfaPolicy, { state: 'disabled' }, ADMIN);
    const changed = await cycle();
    assert.equal(changed.versions, 1);
    assert.equal(changed.changed, 1);

    await bot.restart();
    const index = await bot.product.history.index('ca', DEMO_IDS.liveMfaPolicy);
    assert.equal(index?.versions.length, 2);
    assert.equal(index?.versions[1].actor, 'grady.archie@contoso.onmicrosoft.com');
    assert.equal(index?.versions[1].change, 'changed');
    const words = await bot.product.history.describe('ca', DEMO_IDS.liveMfaPolicy, 1, 2);
    assert.ok(words?.some((line) => /On → Off/.test(line)), words?.join('\n'));
    assert.equal((await cycle()).versions, 0, 'after a restart the stored index is the baseline');
    void channel;
  });
});
