import assert from 'node:assert/strict';
import { KINDS } from '../../src/core/kinds';
import { KIND_PATHS } from '../../src/graph/paths';

describe('Graph addresses of the kinds', () => {
  it('has exactly one entry per registered kind', () => {
    assert.deepEqual(Object.keys(KIND_PATHS).sort(), KINDS.map((kind) => kind.id).sort());
  });

  it('gives every kind its own deleted-items collection and live path', () => {
    const deleted = KINDS.map((kind) => KIND_PATHS[kind.id].deletedItems);
    const live = KINDS.map((kind) => KIND_PATHS[kind.id].live('k'));
    assert.equal(new Set(deleted).size, KINDS.length);
    assert.equal(new Set(live).size, KINDS.length);
    for (const path of [...deleted, ...live]) assert.match(path, /^\/[A-Za-z]/);
  });
});
