import assert from 'node:assert/strict';
import { AccessControl, type Actor } from '../../src/core/access';
import { approvalShortfall, approve as approveUnder, cancel, effectiveRule, expire, finish, newRequestId, reject, type ChangeRequest } from '../../src/core/approvals';

const TENANT = 'b5c3c6a1-7f2e-4d8a-9e1b-3c4d5e6f7a80';
const ALEX: Actor = { aadObjectId: 'A1', name: 'Alex' };
const MEGAN: Actor = { aadObjectId: 'M2', name: 'Megan' };
const ADELE: Actor = { aadObjectId: 'D3', name: 'Adele' };
const NOW = new Date('2026-11-22T10:00:00Z');

function pending(overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: 'R-ABCDEFG',
    tenantId: TENANT,
    action: { type: 'restore', target: { kind: 'ca', id: 'p1', name: 'CA001' }, reportOnly: false, dependencies: [], blockers: [], purgesAt: '2026-12-01T00:00:00Z' },
    requester: ALEX,
    reason: '',
    state: 'pending',
    createdAt: '2026-11-22T09:00:00Z',
    expiresAt: '2026-11-23T09:00:00Z',
    selfApprovalAllowed: false,
    requiredApprovals: 1,
    approvals: [],
    ...overrides,
  };
}

/** Under the request's own rule, everyone still an approver. */
const approve = (request: ChangeRequest, approver: Actor, tenantId: string, now: Date) =>
  approveUnder(request, approver, tenantId, now, { requiredApprovals: request.requiredApprovals, selfApprovalAllowed: request.selfApprovalAllowed }, new Set());

function refusal(result: ReturnType<typeof approve>): string {
  assert.equal(result.ok, false);
  return result.ok ? '' : result.refusal;
}

describe('approval state machine', () => {
  it('one approval from someone else moves a pending request to executing', () => {
    const result = approve(pending(), MEGAN, TENANT, NOW);
    assert.ok(result.ok);
    assert.equal(result.request.state, 'executing');
    assert.deepEqual(result.request.approvals.map((a) => a.by.name), ['Megan']);
  });

  it('the requester cannot approve unless self-approval is allowed', () => {
    assert.match(refusal(approve(pending(), ALEX, TENANT, NOW)), /four-eyes/);
    const allowed = approve(pending({ selfApprovalAllowed: true }), ALEX, TENANT, NOW);
    assert.ok(allowed.ok && allowed.request.state === 'executing');
  });

  it('counts distinct approvers up to REQUIRED_APPROVALS', () => {
    const first = approve(pending({ requiredApprovals: 2 }), MEGAN, TENANT, NOW);
    assert.ok(first.ok && first.request.state === 'pending');
    assert.match(refusal(approve(first.request, MEGAN, TENANT, NOW)), /already approved/);
    const second = approve(first.request, ADELE, TENANT, NOW);
    assert.ok(second.ok && second.request.state === 'executing');
  });

  it('a stricter configured rule applies to an older request, a looser one never does', () => {
    const stored = pending({ requiredApprovals: 2, selfApprovalAllowed: true });
    assert.deepEqual(effectiveRule(stored, { requiredApprovals: 1, selfApprovalAllowed: false }), { requiredApprovals: 2, selfApprovalAllowed: false });
    const tightened = approveUnder(pending(), MEGAN, TENANT, NOW, { requiredApprovals: 2, selfApprovalAllowed: false }, new Set());
    assert.ok(tightened.ok && tightened.request.state === 'pending' && tightened.request.requiredApprovals === 2);
  });

  it('an approval from someone who lost the approver role, or a self-approval no longer allowed, does not count', () => {
    const rule = { requiredApprovals: 2, selfApprovalAllowed: false };
    const earlier = pending({ requiredApprovals: 2, selfApprovalAllowed: true, approvals: [{ by: ALEX, at: '2026-11-22T09:30:00Z' }, { by: MEGAN, at: '2026-11-22T09:40:00Z' }] });
    const result = approveUnder(earlier, ADELE, TENANT, NOW, rule, new Set(['m2']));
    assert.ok(result.ok && result.request.state === 'pending');
    assert.deepEqual(result.request.approvals.map((a) => a.by.name), ['Adele']);
    assert.deepEqual(result.request.lapsedApprovals?.map((a) => `${a.by.name}: ${a.reason}`), ['Alex: self-approval is no longer allowed', 'Megan: no longer an approver']);
    const executing = pending({ state: 'executing', approvals: [{ by: MEGAN, at: '2026-11-22T09:40:00Z' }] });
    assert.equal(approvalShortfall(executing, { requiredApprovals: 1, selfApprovalAllowed: false }, new Set()), undefined);
    assert.match(approvalShortfall(executing, { requiredApprovals: 1, selfApprovalAllowed: false }, new Set(['m2'])) ?? '', /Megan's approval no longer counts \(no longer an approver\); 0 of 1/);
  });

  it('refuses decisions on closed, expired or foreign-tenant requests', () => {
    assert.match(refusal(approve(pending({ state: 'executing' }), MEGAN, TENANT, NOW)), /already approved and being restored/);
    assert.match(refusal(approve(pending({ expiresAt: '2026-11-22T09:59:59Z' }), MEGAN, TENANT, NOW)), /expired/);
    assert.match(refusal(approve(pending(), MEGAN, 'another-tenant', NOW)), /another tenant/);
    assert.match(refusal(reject(pending({ state: 'cancelled' }), MEGAN, TENANT, '', NOW)), /already cancelled/);
  });

  it('refuses to execute a restore that has a known blocker', () => {
    const blocked = pending({ action: { ...pending().action, blockers: ['The named location x no longer exists.'] } });
    assert.match(refusal(approve(blocked, MEGAN, TENANT, NOW)), /cannot succeed: The named location x/);
  });

  it('only the requester cancels', () => {
    assert.match(refusal(cancel(pending(), MEGAN, TENANT, NOW)), /Only Alex, who asked for it, can cancel/);
    const cancelled = cancel(pending(), ALEX, TENANT, NOW);
    assert.ok(cancelled.ok && cancelled.request.state === 'cancelled');
  });

  it('expires only pending requests past their deadline', () => {
    assert.equal(expire(pending(), NOW).ok, false);
    const late = expire(pending(), new Date('2026-11-23T09:00:00Z'));
    assert.ok(late.ok && late.request.state === 'expired');
  });

  it('finishes only an executing request, as succeeded or failed, and only for the holder of its claim', () => {
    const approved = approve(pending(), MEGAN, TENANT, NOW);
    assert.ok(approved.ok);
    const executing = { ...approved.request, claim: { owner: 'instance-a', token: 't1', expiresAt: '2026-11-22T10:00:30Z' } };
    const done = finish(executing, 't1', [], NOW);
    assert.ok(done.ok && done.request.state === 'succeeded' && done.request.claim === undefined);
    const failed = finish(executing, 't1', [], NOW, { message: 'boom' });
    assert.ok(failed.ok && failed.request.state === 'failed' && failed.request.execution?.failure === 'boom');
    assert.equal(finish(pending(), 't1', [], NOW).ok, false);
    const other = finish(executing, 't2', [], NOW);
    assert.ok(!other.ok && /being run by another instance \(instance-a\)/.test(other.refusal));
  });

  it('makes short, typable, unambiguous request ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, newRequestId));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^R-[2-9A-HJKMNP-Z]{7}$/);
  });
});

describe('access control', () => {
  function directory(groupsOf: Record<string, string[]>) {
    const calls: string[] = [];
    return {
      calls,
      memberGroups: async (userId: string, groupIds: string[]) => {
        calls.push(userId);
        return (groupsOf[userId] ?? []).filter((g) => groupIds.includes(g));
      },
    };
  }

  it('approvers are operators; listed ids need no Graph call', async () => {
    const dir = directory({});
    const access = new AccessControl({ operatorIds: [], approverIds: ['m2'] }, dir);
    assert.deepEqual([...(await access.rolesOf('M2'))].sort(), ['approver', 'operator']);
    assert.deepEqual(dir.calls, []);
  });

  it('asks Graph about group membership and caches the answer for five minutes at most', async () => {
    let now = NOW.getTime();
    const dir = directory({ I4: ['ops'] });
    const access = new AccessControl({ operatorIds: [], approverIds: [], operatorGroupId: 'ops', approverGroupId: 'apr' }, dir, () => new Date(now));
    assert.equal(await access.has('I4', 'operator'), true);
    assert.equal(await access.has('I4', 'approver'), false);
    assert.equal(dir.calls.length, 1);
    now += 4 * 60_000;
    await access.has('I4', 'operator');
    assert.equal(dir.calls.length, 1, 'cached');
    now += 61_000;
    await access.has('I4', 'operator');
    assert.equal(dir.calls.length, 2, 'asked again after five minutes');
  });

  it('gives nobody a role without an object id', async () => {
    const access = new AccessControl({ operatorIds: [], approverIds: [] }, directory({}));
    assert.equal((await access.rolesOf(undefined)).size, 0);
  });
});
