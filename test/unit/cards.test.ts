import assert from 'node:assert/strict';
import { cardBytes, MAX_CARD_BYTES, type AdaptiveCardJson } from '../../src/bot/cards';
import { PLACEHOLDER_IDS } from '../../src/core/commands';
import { chooseKindCard, detailsCard, failureCard, helpCard, listCard, statusCard, type ViewContext } from '../../src/bot/views';
import { DEMO_FOOTER } from '../../src/bot/app';
import { RETENTION_DAYS, type DeletedItem, type KindId } from '../../src/core/model';
import type { DeletedListing, ItemDetails } from '../../src/core/recycleBin';
import { GraphFailure } from '../../src/graph/errors';
import { alertCard } from '../../src/bot/alertViews';
import type { AlertCard } from '../../src/core/alertPoller';
import type { AlertItem } from '../../src/core/alerts';
import { requestCard, EVERYONE } from '../../src/bot/requestViews';
import type { ChangeRequest, StepResult } from '../../src/core/approvals';
import { selfTestPlan, type SelfTestResult } from '../../src/core/selfTest';

// The UMD bundle loads without a DOM; the package's main entry does not (NOTES.md).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js');

/** Renders every card the bot sends, with realistic and extreme data, and checks what Teams would choke on. */

const now = () => new Date(Date.UTC(2026, 10, 22, 12));
const demo: ViewContext = { footer: DEMO_FOOTER, now };
const tenant: ViewContext = { footer: '', now };
const KINDS: KindId[] = ['ca', 'locations', 'partners', 'sync'];
const LONG = 'Block legacy authentication for every user except break-glass accounts '.repeat(12);
const UNICODE = 'Richtlinie für Geräte — 東京オフィス 🚫🔐 ';

function item(n: number, name: string): DeletedItem {
  return {
    kind: KINDS[n % 4],
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    name,
    deletedAt: new Date(Date.UTC(2026, 10, 20) - n * 3_600_000),
    daysLeft: n % 31,
    raw: {},
  };
}

function listing(count: number, name: (n: number) => string): DeletedListing {
  return { items: Array.from({ length: count }, (_, n) => item(n, name(n))), failures: [] };
}

const failure = new GraphFailure(
  'list deleted cross-tenant access partners',
  403,
  'Authorization_RequestDenied',
  '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  'Insufficient privileges to complete the operation.',
  'The bot\'s app registration is missing the application permission Policy.Read.All.',
);

function details(sectionCount: number, factCount: number, value: string): ItemDetails {
  return {
    item: item(1, LONG + UNICODE),
    sections: Array.from({ length: sectionCount }, (_, s) => ({
      title: `Section ${s} ${UNICODE}`,
      facts: Array.from({ length: factCount }, (_, f) => ({ label: `Fact ${f} ${UNICODE}`, value })),
    })),
    references: [
      { kind: 'locations', id: '11111111-2222-4333-8444-555566667777', deleted: { name: 'Blocked countries', daysLeft: 3 } },
      { kind: 'locations', id: '11111111-2222-4333-8444-555566667778', deleted: undefined },
    ],
    failures: [{ kind: 'locations', error: failure }],
  };
}

const alertsState = { pollSeconds: 60, state: { auditAvailable: true, seen: {}, pendingAudit: [], outbox: [], lastCycleAt: '2026-11-22T10:00:00Z' } };
const alertsBroken = { pollSeconds: 0, state: { auditAvailable: false, seen: {}, pendingAudit: [], outbox: [], lastError: LONG } };

function alert(count: number, name: (n: number) => string, outcome?: AlertItem['outcome']): AlertCard {
  return {
    id: 'a1',
    conversationKey: '19:x@thread.tacv2',
    createdAt: '2026-11-22T10:00:00Z',
    items: Array.from({ length: count }, (_, n) => ({ kind: KINDS[n % 4], key: item(n, '').id, name: name(n), deletedAt: '2026-11-22T09:58:00Z', actor: n % 2 ? `admin${n}@contoso.com` : undefined, outcome })),
  };
}

const probeOk = { endpoint: 'https://graph.microsoft.com', reachable: true, claims: { tenantId: 't', appId: 'a', roles: ['Policy.Read.All'] } };

const ALEX = { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001', name: 'Alex Wilber' };
const MEGAN = { aadObjectId: 'b2b2b2b2-0000-4000-8000-000000000002', name: 'Megan Bowen' };
const TEST_NAME = 'Recycle bin self-test 2026-11-22 12:00:00 UTC R-7K2QX9M';

/** A self-test request in a given state, with these steps run. */
function selfTestRequest(state: ChangeRequest['state'], steps: StepResult[], failure?: string, reason = 'after granting consent'): ChangeRequest {
  return {
    id: 'R-7K2QX9M',
    tenantId: 't',
    action: { type: 'selftest', ipRange: '192.0.2.0/24', plan: selfTestPlan(), blockers: [] },
    requester: ALEX,
    reason,
    state,
    createdAt: '2026-11-22T11:59:00Z',
    expiresAt: '2026-11-23T11:59:00Z',
    selfApprovalAllowed: false,
    requiredApprovals: 1,
    approvals: state === 'pending' ? [] : [{ by: MEGAN, at: '2026-11-22T12:00:00Z' }],
    ...(state === 'pending' ? {} : { execution: { startedAt: '2026-11-22T12:00:00Z', finishedAt: '2026-11-22T12:00:20Z', steps, failure, hint: failure && 'Add the application permission Policy.ReadWrite.ConditionalAccess.' } }),
  };
}

const STEP_NAMES: [StepResult['step'], 'ca' | 'locations'][] = [
  ['create', 'locations'], ['create', 'ca'], ['delete', 'ca'], ['delete', 'locations'], ['find in recycle bin', 'ca'], ['find in recycle bin', 'locations'],
  ['read audit log', 'ca'], ['read audit log', 'locations'], ['restore', 'locations'], ['restore', 'ca'], ['confirm live', 'locations'], ['confirm live', 'ca'],
  ['delete', 'ca'], ['delete', 'locations'], ['purge', 'ca'], ['purge', 'locations'],
];
const testSteps = (message: string, outcome: StepResult['outcome'] = 'done'): StepResult[] =>
  STEP_NAMES.map(([step, kind], n) => ({ item: { kind, id: item(n, '').id, name: TEST_NAME }, step, outcome, requestId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', message, durationMs: 1234 * n }));

const passedSelfTest: SelfTestResult = { requestId: 'R-7K2QX9M', passed: true, failure: '', startedAt: '2026-11-22T12:00:00Z', finishedAt: '2026-11-22T12:00:20Z', requestedBy: ALEX, approvedBy: [MEGAN] };
const failedSelfTest: SelfTestResult = { ...passedSelfTest, passed: false, failedStep: 'Restore the named location', failure: LONG + UNICODE };

const CASES: [string, () => AdaptiveCardJson][] = [
  ['help', () => helpCard(demo, PLACEHOLDER_IDS)],
  ['list: realistic page', () => listCard(listing(14, (n) => `CA00${n} - Require MFA`), { kind: 'all', search: '' }, 0, demo)],
  ['list: empty', () => listCard(listing(0, String), { kind: 'ca', search: 'nothing' }, 0, tenant)],
  ['list: one item', () => listCard(listing(1, () => UNICODE), { kind: 'sync', search: '' }, 0, demo)],
  ['list: 1000 items, long unicode names, last page', () => listCard(listing(1000, (n) => `${n} ${LONG}${UNICODE}`), { kind: 'all', search: LONG }, 99, demo)],
  ['list: page beyond the end', () => listCard(listing(25, String), { kind: 'all', search: '' }, 7, demo)],
  ['list: with partial failures', () => listCard({ ...listing(3, String), failures: [{ kind: 'partners', error: failure }, { kind: 'sync', error: new Error('boom') }] }, { kind: 'all', search: '' }, 0, demo)],
  ['details: realistic', () => detailsCard(details(5, 6, 'All users except 2 groups'), demo)],
  ['details: extreme', () => detailsCard(details(8, 40, LONG.repeat(5) + UNICODE), demo)],
  ['details: nothing to say', () => detailsCard({ item: item(2, ''), sections: [], references: [], failures: [] }, tenant)],
  ['choose kind', () => chooseKindCard(item(2, 'x').id, [item(2, LONG), item(3, UNICODE)], demo)],
  ['status: healthy', () => statusCard({ mode: 'demo', unauthenticatedBot: false, probe: probeOk, alerts: alertsState }, demo)],
  ['status: last self-test passed', () => statusCard({ mode: 'tenant', unauthenticatedBot: false, probe: probeOk, alerts: alertsState, selfTest: passedSelfTest }, tenant)],
  ['status: last self-test failed, long reason', () => statusCard({ mode: 'tenant', unauthenticatedBot: false, probe: probeOk, alerts: alertsState, selfTest: failedSelfTest }, tenant)],
  ['status: self-test result unreadable', () => statusCard({ mode: 'tenant', unauthenticatedBot: false, probe: probeOk, alerts: alertsState, selfTest: 'unreadable' }, tenant)],
  ['self-test request: waiting for approval, with its plan', () => requestCard(selfTestRequest('pending', []), EVERYONE, demo)],
  ['self-test request: passed, 16 steps', () => requestCard(selfTestRequest('succeeded', testSteps('created 00000000-0000-4000-8000-000000000001 (IP range 192.0.2.0/24, not trusted)')), EVERYONE, tenant)],
  ['self-test request: failed, extreme messages and reason', () => requestCard(selfTestRequest('failed', testSteps(LONG + UNICODE, 'failed'), LONG.repeat(3) + UNICODE, LONG + UNICODE), EVERYONE, demo)],
  ['status: Graph unreachable', () => statusCard({ mode: 'tenant', unauthenticatedBot: true, configuredTenantId: 't', probe: { endpoint: 'https://graph.microsoft.us', reachable: false, failure }, alerts: alertsBroken }, tenant)],
  ['alert: one deletion', () => alertCard(alert(1, () => 'CA004 - Block access from untrusted countries'), demo)],
  ['alert: a burst of 30 with long unicode names', () => alertCard(alert(30, (n) => `${n} ${LONG}${UNICODE}`), demo)],
  ['alert: items since restored', () => alertCard(alert(3, String, 'restored'), tenant)],
  ['failure', () => failureCard(failure, demo)],
  ['failure: no request id, long detail', () => failureCard(new GraphFailure('read deleted named location x', 0, 'Timeout', undefined, LONG, undefined), tenant)],
];

function validate(card: AdaptiveCardJson): string[] {
  const problems: string[] = [];
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const event of parsed.validateProperties().validationEvents) problems.push(event.message);
  if (typeof card.version !== 'string' || Number(card.version) > 1.5) problems.push(`version ${String(card.version)} (Teams renders up to 1.5)`);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (obj.type === 'Action.Execute' && (typeof obj.verb !== 'string' || !obj.verb)) problems.push(`Action.Execute "${String(obj.title)}" has no verb`);
    for (const [key, value] of Object.entries(obj)) {
      if (typeof value === 'string' && value.includes('${')) problems.push(`unbound template expression in ${key}: ${value}`);
      walk(value);
    }
  };
  walk(card);
  return problems;
}

describe('every card the bot can send', () => {
  for (const [name, render] of CASES) {
    it(`${name}: valid Adaptive Card ≤ 1.5, verbs on every Action.Execute, under 28 KB`, () => {
      const card = render();
      assert.deepEqual(validate(card), []);
      assert.ok(cardBytes(card) < MAX_CARD_BYTES, `${cardBytes(card)} bytes`);
    });
  }

  it('says on every card when the tenant is simulated, and never otherwise', () => {
    assert.ok(JSON.stringify(helpCard(demo, PLACEHOLDER_IDS)).includes('Demo mode'));
    assert.ok(!JSON.stringify(listCard(listing(2, String), { kind: 'all', search: '' }, 0, tenant)).includes('Demo mode'));
  });

  it('pages: ten rows, a Next button, and no Previous on the first page', () => {
    const card = listCard(listing(25, (n) => `Policy ${n}`), { kind: 'all', search: '' }, 0, demo);
    const json = JSON.stringify(card);
    assert.equal((json.match(/"verb":"item.show"/g) ?? []).length, 10);
    assert.ok(json.includes('Next ▶') && !json.includes('Previous'));
  });

  it('counts the days left from the product clock, not the machine clock', () => {
    const deletedAt = '2026-11-22T09:58:00Z';
    const at = (iso: string): ViewContext => ({ footer: '', now: () => new Date(iso) });
    const one: AlertCard = { ...alert(1, () => 'CA004'), items: [{ kind: 'ca', key: item(0, '').id, name: 'CA004', deletedAt }] };
    assert.match(JSON.stringify(alertCard(one, at('2026-11-22T10:00:00Z'))), /29 days left/);
    assert.match(JSON.stringify(alertCard(one, at('2026-12-17T10:00:00Z'))), /4 days left/);
  });

  it('pages show the row range and the retention the core defines', () => {
    const json = JSON.stringify(listCard(listing(25, String), { kind: 'all', search: '' }, 1, demo));
    assert.ok(json.includes(`11–20 of 25`));
    assert.ok(json.includes(`purged ${RETENTION_DAYS} days after deletion`));
  });

  it('a self-test card shows the plan while it waits, and each step with ✓/✗, its request-id and duration once run', () => {
    const pending = JSON.stringify(requestCard(selfTestRequest('pending', []), EVERYONE, demo));
    assert.ok(pending.includes('What it will do in the tenant'));
    assert.ok(pending.includes('1. Create the named location'));
    const passed = JSON.stringify(requestCard(selfTestRequest('succeeded', testSteps('purged for good')), EVERYONE, tenant));
    assert.ok(!passed.includes('What it will do in the tenant'), 'the steps replace the plan');
    assert.ok(passed.includes('Passed: every step worked'));
    assert.ok(passed.includes('✓ Purge the named location from the recycle bin'));
    assert.ok(passed.includes('purged for good · request-id 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d · 1.2 s'));
    const failed = JSON.stringify(requestCard(selfTestRequest('failed', testSteps('refused', 'failed'), 'Failed at x'), EVERYONE, tenant));
    assert.ok(failed.includes('✗ Restore the named location'));
    assert.ok(failed.includes('The self-test failed.'));
  });

  it('validation catches a broken card (the check itself can fail)', () => {
    const broken = { type: 'AdaptiveCard', version: '1.6', body: [{ type: 'Fancy' }], actions: [{ type: 'Action.Execute', title: 'Go' }] } as AdaptiveCardJson;
    const problems = validate(broken);
    assert.ok(problems.some((p) => /Fancy/.test(p)));
    assert.ok(problems.some((p) => /version 1.6/.test(p)));
    assert.ok(problems.some((p) => /has no verb/.test(p)));
  });
});
