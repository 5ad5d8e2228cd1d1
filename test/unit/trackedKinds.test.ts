import assert from 'node:assert/strict';
import { KINDS } from '../../src/core/kinds';
import { creationBody, TRACKED_KINDS, trackedKind, undecidedBinKinds, UNTRACKED_BIN_KINDS } from '../../src/core/trackedKinds';

describe('tracked kinds', () => {
  it('every recycle-bin kind either has a tracked history or is listed as untracked with a reason', () => {
    assert.deepEqual(undecidedBinKinds(), []);
    for (const kind of KINDS) {
      const tracked = TRACKED_KINDS.some((t) => t.binKind === kind.id);
      const reason = UNTRACKED_BIN_KINDS[kind.id];
      assert.ok(tracked !== Boolean(reason), `${kind.id}: tracked (${tracked}) or untracked with a reason (${reason ?? 'none'}), not both`);
      if (reason) assert.ok(reason.length > 20, `${kind.id}: the reason says why`);
    }
  });

  it('the directory kinds are untracked, the policy kinds tracked', () => {
    for (const kind of KINDS) assert.equal(Boolean(UNTRACKED_BIN_KINDS[kind.id]), kind.family === 'directory', kind.id);
  });

  it('a creation body holds only the settable properties of the stored version, without empty ones', () => {
    const body = creationBody(trackedKind('ca'), {
      id: '0f5c9b8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
      templateId: null,
      displayName: 'CA001',
      state: 'enabled',
      createdDateTime: '2025-01-01T00:00:00Z',
      modifiedDateTime: null,
      sessionControls: null,
      conditions: { users: { includeUsers: ['All'] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    assert.deepEqual(body, { displayName: 'CA001', state: 'enabled', conditions: { users: { includeUsers: ['All'] } }, grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
  });
});
