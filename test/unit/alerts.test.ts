import assert from 'node:assert/strict';
import { auditServicesFor, deleterOf, diffSnapshots } from '../../src/core/alerts';

const POLICY = '7a1f3c2e-9b4d-4e6a-8f2c-1d3b5a7c9e01';
const PARTNER = 'c4f2a8e1-6b3d-4a9f-8e7c-2b5d1f3a9c60';

function audit(activityDisplayName: string, target: Record<string, unknown>, initiatedBy: Record<string, unknown>, at = '2026-11-22T10:00:00Z') {
  return { activityDisplayName, activityDateTime: at, initiatedBy, targetResources: [target] };
}
const byUser = (upn: string) => ({ user: { userPrincipalName: upn, displayName: 'X' }, app: null });

describe('alert diffing', () => {
  it('finds what appeared and what left, oldest deletion first', () => {
    const before = { ca: { a: { name: 'A', deletedAt: '2026-11-01T00:00:00Z' } } };
    const after = {
      ca: { b: { name: 'B', deletedAt: '2026-11-22T10:05:00Z' } },
      locations: { c: { name: 'C', deletedAt: '2026-11-22T10:01:00Z' } },
    };
    const diff = diffSnapshots(before, after);
    assert.deepEqual(diff.appeared.map((i) => i.key), ['c', 'b']);
    assert.deepEqual(diff.disappeared.map((i) => `${i.kind}/${i.key}`), ['ca/a']);
  });

  it('sees no change between equal snapshots', () => {
    const snapshot = { sync: { t: { name: 'T', deletedAt: '2026-11-22T00:00:00Z' } } };
    assert.deepEqual(diffSnapshots(snapshot, snapshot), { appeared: [], disappeared: [] });
  });
});

describe('who deleted it', () => {
  it('matches CA deletions by target id, whatever the casing of the activity name', () => {
    const events = [
      audit('Delete Conditional Access policy', { id: POLICY.toUpperCase() }, byUser('adele@contoso.com')),
      audit('Update conditional access policy', { id: POLICY }, byUser('someone.else@contoso.com'), '2026-11-22T11:00:00Z'),
    ];
    assert.equal(deleterOf({ kind: 'ca', key: POLICY }, events), 'adele@contoso.com');
  });

  it('matches partner deletions by the tenantId property, and names apps as apps', () => {
    const target = { id: 'policy-object-id', modifiedProperties: [{ displayName: 'tenantId', oldValue: `"${PARTNER}"`, newValue: null }] };
    const events = [audit('Delete partner specific cross-tenant access setting', target, { user: null, app: { displayName: 'Cleanup Runbook', appId: 'a1' } })];
    assert.equal(deleterOf({ kind: 'partners', key: PARTNER }, events), 'Cleanup Runbook (app)');
    assert.equal(deleterOf({ kind: 'sync', key: PARTNER }, events), undefined, 'a partner deletion says nothing about its sync policy');
  });

  it('takes the latest matching deletion', () => {
    const events = [
      audit('Delete named location', { id: 'loc' }, byUser('first@contoso.com'), '2026-11-20T00:00:00Z'),
      audit('Delete named location', { id: 'loc' }, byUser('second@contoso.com'), '2026-11-22T00:00:00Z'),
    ];
    assert.equal(deleterOf({ kind: 'locations', key: 'loc' }, events), 'second@contoso.com');
  });

  it('asks each audit service once', () => {
    assert.deepEqual(auditServicesFor([{ kind: 'ca', key: '1' }, { kind: 'locations', key: '2' }, { kind: 'sync', key: '3' }]), ['Conditional Access', 'Core Directory']);
  });
});
