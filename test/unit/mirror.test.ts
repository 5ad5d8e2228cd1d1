import assert from 'node:assert/strict';
import { isCurrent, type RecycleBinMirror } from '../../src/core/mirror';

/** When reads may come from the mirror instead of Graph. */

const completedAt = new Date('2026-11-30T10:00:00Z');
const mirror = (cycleMs: number): RecycleBinMirror => ({ completedAt: completedAt.toISOString(), cycleMs, kinds: {} });
const after = (ms: number) => new Date(completedAt.getTime() + ms);

describe('mirror freshness', () => {
  it('is current for two poll intervals after the cycle completed', () => {
    assert.equal(isCurrent(mirror(500), 60, after(120_000)), true);
    assert.equal(isCurrent(mirror(500), 60, after(120_001)), false);
  });

  it('is current for one interval plus the cycle duration when cycles run longer than an interval', () => {
    assert.equal(isCurrent(mirror(90_000), 60, after(150_000)), true);
    assert.equal(isCurrent(mirror(90_000), 60, after(150_001)), false);
  });

  it('is never current when polling is off', () => {
    assert.equal(isCurrent(mirror(500), 0, after(1)), false);
  });

  it('tolerates the writing instance\'s clock running ahead', () => {
    assert.equal(isCurrent(mirror(500), 60, after(-2000)), true);
  });
});
