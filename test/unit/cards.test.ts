import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CARD_NAMES, cardBytes, MAX_CARD_BYTES, type AdaptiveCardJson, type CardName } from '../../src/bot/cards';
import { PLACEHOLDER_IDS } from '../../src/core/commands';
import { chooseKindCard, detailsCard, failureCard, helpCard, listCard, statusCard, type ViewContext } from '../../src/bot/views';
import { auditCard, EVERYONE, pendingCard, requestCard, requestNoticeCard, restoreFormCard } from '../../src/bot/requestViews';
import { partnerCard, partnerEditCard, partnersCard } from '../../src/bot/partnerViews';
import { DEMO_FOOTER } from '../../src/bot/app';
import { RETENTION_DAYS, type DeletedItem, type KindId } from '../../src/core/model';
import type { DeletedListing, ItemDetails } from '../../src/core/recycleBin';
import { GraphFailure } from '../../src/graph/errors';
import { alertCard } from '../../src/bot/alertViews';
import { changeAlertCard, diffCard, historyCard, versionCard } from '../../src/bot/historyViews';
import type { ChangeEvent, HistoryIndex } from '../../src/core/history';
import type { ChangeRequest, StepResult } from '../../src/core/approvals';
import { selfTestPlan, type SelfTestResult } from '../../src/core/selfTest';
import type { AlertCard } from '../../src/core/alertPoller';
import type { AlertItem } from '../../src/core/alerts';
import {
  EMOJI,
  EVERY_SETTING,
  extremeAudit,
  extremePartner,
  extremeRestoreAction,
  extremeRestoreRequests,
  LONG,
  LONGEST_NAME,
  MARKDOWN,
  partnerSetAction,
  realisticAudit,
  request,
  restoreAction,
  restoreRequestsInEveryState,
  seededPartners,
  UNICODE,
} from './cardData';

// The UMD bundle loads without a DOM; the package's main entry does not (NOTES.md).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js');

/** Renders every card the bot sends, with realistic and extreme data, and checks what Teams would choke on. */

const now = () => new Date(Date.UTC(2026, 10, 22, 12));
const demo: ViewContext = { footer: DEMO_FOOTER, now };
const tenant: ViewContext = { footer: '', now };
const KINDS: KindId[] = ['ca', 'locations', 'partners', 'sync'];
const CARDS_DIR = join(__dirname, '..', '..', 'cards');
const partners = seededPartners();
/** More Teams users than a card may name for its refresh (60). */
const VIEWERS = Array.from({ length: 100 }, (_, n) => `29:viewer-${n}`);

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


/** A change alert with `count` changes, names from `name`. */
function changeAlert(count: number, name: (n: number) => string, lines: string[]): AlertCard {
  const kinds: ChangeEvent['kind'][] = ['ca', 'locations', 'partners', 'default', 'strengths'];
  const changes: ChangeEvent[] = Array.from({ length: count }, (_, n) => ({
    kind: kinds[n % kinds.length],
    key: item(n, '').id,
    name: name(n),
    change: (['changed', 'state', 'added', 'deleted'] as const)[n % 4],
    from: n % 4 === 2 ? undefined : 1,
    to: 2,
    at: '2026-11-22T09:58:00Z',
    actor: n % 3 ? `admin${n}@contoso.com` : undefined,
    lines,
  }));
  return { id: 'c1', conversationKey: '19:x@thread.tacv2', createdAt: '2026-11-22T10:00:00Z', items: [], changes };
}

/** A history index of `count` versions. */
function historyIndex(count: number, name: string, goneAt?: string): HistoryIndex {
  return {
    kind: 'ca',
    key: item(1, '').id,
    name,
    versions: Array.from({ length: count }, (_, n) => ({ n: n + 1, hash: `h${n}`, seenAt: new Date(Date.UTC(2026, 10, 1 + (n % 20))).toISOString(), change: n === 0 ? 'baseline' : 'changed', actor: n % 2 ? `admin${n}@contoso.com` : undefined })) as HistoryIndex['versions'],
    goneAt,
  };
}
const historyRows = (count: number, lines: string[]) =>
  Array.from({ length: count }, (_, n) => ({ version: count - n, seenAt: '2026-11-20T10:00:00Z', actor: n % 2 ? `admin${n}@contoso.com` : undefined, change: n === count - 1 ? 'baseline' : 'changed', lines }));
const CHANGE_LINES = ['State: On → Off', 'Grant: Require multifactor authentication → removed', 'Excluded groups: + Contractors'];

const probeOk = { endpoint: 'https://graph.microsoft.com', reachable: true, claims: { tenantId: 't', appId: 'a', roles: ['Policy.Read.All'] } };

/**
 * Every template under cards/ with the cases that render it through the product's view code.
 * The type makes a template without cases a compile error; the test below makes a file under
 * cards/ that is not in CARD_NAMES a failure.
 */
const CASES: Record<CardName, [string, () => AdaptiveCardJson][]> = {
  help: [['help', () => helpCard(demo, PLACEHOLDER_IDS)]],
  deletedList: [
    ['realistic page', () => listCard(listing(14, (n) => `CA00${n} - Require MFA`), { kind: 'all', search: '' }, 0, demo)],
    ['empty', () => listCard(listing(0, String), { kind: 'ca', search: 'nothing' }, 0, tenant)],
    ['one item', () => listCard(listing(1, () => UNICODE), { kind: 'sync', search: '' }, 0, demo)],
    ['1000 items, long unicode names, last page', () => listCard(listing(1000, (n) => `${n} ${LONG}${UNICODE}`), { kind: 'all', search: LONG }, 99, demo)],
    ['page beyond the end', () => listCard(listing(25, String), { kind: 'all', search: '' }, 7, demo)],
    ['with partial failures', () => listCard({ ...listing(3, String), failures: [{ kind: 'partners', error: failure }, { kind: 'sync', error: new Error('boom') }] }, { kind: 'all', search: '' }, 0, demo)],
    ['markdown-looking names', () => listCard(listing(10, (n) => `${n} ${MARKDOWN}`), { kind: 'all', search: MARKDOWN }, 0, demo)],
  ],
  details: [
    ['realistic', () => detailsCard(details(5, 6, 'All users except 2 groups'), demo)],
    ['extreme', () => detailsCard(details(8, 40, LONG.repeat(5) + UNICODE), demo)],
    ['nothing to say', () => detailsCard({ item: item(2, ''), sections: [], references: [], failures: [] }, tenant)],
  ],
  chooseKind: [['choose kind', () => chooseKindCard(item(2, 'x').id, [item(2, LONG), item(3, UNICODE)], demo)]],
  status: [
    ['healthy', () => statusCard({ mode: 'demo', unauthenticatedBot: false, probe: probeOk, alerts: alertsState }, demo)],
    ['Graph unreachable', () => statusCard({ mode: 'tenant', unauthenticatedBot: true, configuredTenantId: 't', probe: { endpoint: 'https://graph.microsoft.us', reachable: false, failure }, alerts: alertsBroken }, tenant)],
    ['last self-test passed', () => statusCard({ mode: 'tenant', unauthenticatedBot: false, probe: probeOk, alerts: alertsState, selfTest: passedSelfTest }, tenant)],
    ['last self-test failed, long reason', () => statusCard({ mode: 'tenant', unauthenticatedBot: false, probe: probeOk, alerts: alertsState, selfTest: failedSelfTest }, tenant)],
    ['self-test result unreadable', () => statusCard({ mode: 'tenant', unauthenticatedBot: false, probe: probeOk, alerts: alertsState, selfTest: 'unreadable' }, tenant)],
  ],
  alert: [
    ['one deletion', () => alertCard(alert(1, () => 'CA004 - Block access from untrusted countries'), demo)],
    ['a burst of 30 with long unicode names', () => alertCard(alert(30, (n) => `${n} ${LONG}${UNICODE}`), demo)],
    ['items since restored', () => alertCard(alert(3, String, 'restored'), tenant)],
  ],
  failure: [
    ['with a request id', () => failureCard(failure, demo)],
    ['no request id, long detail', () => failureCard(new GraphFailure('read deleted named location x', 0, 'Timeout', undefined, LONG, undefined), tenant)],
  ],
  restoreForm: [
    ['CA policy with a deleted named location', () => restoreFormCard(restoreAction(), demo)],
    ['named location (no report-only choice)', () => restoreFormCard(restoreAction({ target: { kind: 'locations', id: item(1, '').id, name: 'Branch offices' }, dependencies: [], deletedState: undefined }), tenant)],
    ['last day before the purge', () => restoreFormCard(restoreAction({ purgesAt: '2026-11-22T18:00:00Z' }), demo)],
    ['extreme: longest name, 20 dependencies, 10 blockers', () => restoreFormCard(extremeRestoreAction(), demo)],
  ],
  request: [
    ...restoreRequestsInEveryState().map(([state, r]): [string, () => AdaptiveCardJson] => [`restore, ${state}, as an approver sees it`, () => requestCard(r, { canDecide: true, canCancel: false }, { ...demo, refreshUserIds: ['29:alex', '29:megan'] })]),
    ['restore, pending, as the requester sees it', () => requestCard(restoreRequestsInEveryState()[0][1], { canDecide: false, canCancel: true }, tenant)],
    ...extremeRestoreRequests().map(([state, r]): [string, () => AdaptiveCardJson] => [`extreme restore, ${state}, 100 viewers`, () => requestCard(r, { canDecide: true, canCancel: true }, { ...demo, refreshUserIds: VIEWERS, note: (MARKDOWN + UNICODE).repeat(10) })]),
    ['partner set, realistic (mfa on for Tailspin Toys)', () => requestCard(request(partnerSetAction(partners.live[1], ['mfa', 'off', 'user-sync', 'off'])), EVERYONE, demo)],
    ['partner set, every setting of an extreme partner', () => requestCard(request(partnerSetAction(extremePartner(), EVERY_SETTING), { state: 'executing' }), { canDecide: true, canCancel: true }, demo)],
    ['partner add', () => requestCard(request({ type: 'partner.add', target: { kind: 'partners', id: item(7, '').id, name: item(7, '').id }, settings: [], changes: [], serviceProvider: true, blockers: [] }), EVERYONE, demo)],
    ['self-test: waiting for approval, with its plan', () => requestCard(selfTestRequest('pending', []), EVERYONE, demo)],
    ['self-test: passed, 16 steps', () => requestCard(selfTestRequest('succeeded', testSteps('created 00000000-0000-4000-8000-000000000001 (IP range 192.0.2.0/24, not trusted)')), EVERYONE, tenant)],
    ['self-test: failed, extreme messages and reason', () => requestCard(selfTestRequest('failed', testSteps(LONG + UNICODE, 'failed'), LONG.repeat(3) + UNICODE, LONG + UNICODE), EVERYONE, demo)],
    ['partner remove, failed', () => requestCard(request({ type: 'partner.remove', target: { kind: 'partners', id: item(8, '').id, name: LONGEST_NAME }, settings: [], changes: [], removesSync: true, blockers: [] }, { state: 'failed', execution: { startedAt: '2026-11-22T11:00:00Z', steps: [] } }), EVERYONE, demo)],
  ],
  requestNotice: [
    ['restore', () => requestNoticeCard(restoreRequestsInEveryState()[0][1], demo)],
    ['partner change, no reason', () => requestNoticeCard(request(partnerSetAction(partners.live[0], ['mfa', 'on']), { reason: '' }), tenant)],
    ['extreme', () => requestNoticeCard(extremeRestoreRequests()[0][1], demo)],
  ],
  pendingList: [
    ['nothing waiting', () => pendingCard([], demo)],
    ['three requests', () => pendingCard(restoreRequestsInEveryState().slice(0, 3).map(([, r]) => r), demo)],
    ['40 extreme requests (15 shown)', () => pendingCard(Array.from({ length: 40 }, () => extremeRestoreRequests()[0][1]), demo)],
  ],
  audit: [
    ['nothing recorded', () => auditCard([], demo)],
    ['a restore asked, refused to others, approved and run', () => auditCard(realisticAudit(), tenant)],
    ['audit 50 of the longest entries', () => auditCard(extremeAudit(50), demo)],
    ['audit 50 of the longest entries, all emoji', () => auditCard(extremeAudit(50, EMOJI), demo)],
  ],
  partnersList: [
    ['the seeded tenant\'s partners', () => partnersCard(partners.live, '', 0, demo)],
    ['nothing matches the search', () => partnersCard([], 'fabrikam', 0, tenant)],
    ['none at all', () => partnersCard([], '', 0, tenant)],
    ['25 extreme partners, last page, long search', () => partnersCard(Array.from({ length: 25 }, (_, n) => extremePartner(n)), MARKDOWN + LONG, 2, demo)],
    ['page beyond the end', () => partnersCard(partners.live, '', 9, demo)],
  ],
  partner: [
    ...partners.live.map((configuration): [string, () => AdaptiveCardJson] => [`live: ${String(configuration.partner.displayName)}`, () => partnerCard(configuration, demo)]),
    ...partners.deleted.map((configuration): [string, () => AdaptiveCardJson] => [`deleted, as Graph returns it: ${String(configuration.partner.tenantId)}`, () => partnerCard(configuration, tenant)]),
    ['extreme', () => partnerCard(extremePartner(), demo)],
    ['nothing but a tenant id', () => partnerCard({ partner: { tenantId: item(9, '').id } }, demo)],
  ],
  changeAlert: [
    ['one change', () => changeAlertCard(changeAlert(1, () => 'CA002 - Require MFA for admins', CHANGE_LINES), demo)],
    ['a burst of 30 changes, long unicode names and lines', () => changeAlertCard(changeAlert(30, (n) => `${n} ${LONG}${UNICODE}`, Array.from({ length: 12 }, () => LONG + MARKDOWN)), demo)],
  ],
  history: [
    ['history: realistic', () => historyCard(historyIndex(4, 'CA002 - Require MFA for admins'), historyRows(4, CHANGE_LINES), demo)],
    ['history: 200 versions, long names, gone', () => historyCard(historyIndex(200, LONGEST_NAME, '2026-11-21T00:00:00Z'), historyRows(200, Array.from({ length: 12 }, () => LONG + UNICODE)), demo)],
    ['diff', () => diffCard(historyIndex(3, 'Branch offices'), 1, 3, CHANGE_LINES, tenant)],
    ['version', () => versionCard(historyIndex(2, UNICODE), { kind: 'ca', key: item(1, '').id, n: 2, hash: 'h', seenAt: '2026-11-20T10:00:00Z', object: {} }, [{ title: 'Conditions', facts: [{ label: 'Users', value: LONG }] }], demo)],
  ],
  partnerEdit: [
    ...partners.live.map((configuration): [string, () => AdaptiveCardJson] => [`live: ${String(configuration.partner.displayName)}`, () => partnerEditCard(configuration, demo)]),
    ['extreme', () => partnerEditCard(extremePartner(), demo)],
  ],
};

/**
 * The fixed text of a template (outside `$when` and `$data`, which may leave it out) that its
 * rendered card does not contain: empty when `card` was rendered from `template`.
 */
function missingFragments(template: CardName, card: AdaptiveCardJson): string[] {
  const json = JSON.stringify(card);
  const fragments: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if ('$when' in obj || '$data' in obj) return;
    for (const [key, value] of Object.entries(obj)) {
      if (key === '$schema') continue;
      if (typeof value === 'string') fragments.push(...value.split(/\$\{[^}]*\}/).map((part) => part.trim()).filter((part) => part.length >= 3));
      else walk(value);
    }
  };
  walk(JSON.parse(readFileSync(join(CARDS_DIR, `${template}.json`), 'utf8')));
  return fragments.filter((fragment) => !json.includes(JSON.stringify(fragment).slice(1, -1)));
}

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
  for (const [template, cases] of Object.entries(CASES) as [CardName, [string, () => AdaptiveCardJson][]][]) {
    for (const [name, render] of cases) {
      it(`${template}, ${name}: valid Adaptive Card ≤ 1.5, verbs on every Action.Execute, under ${MAX_CARD_BYTES / 1024} KB`, () => {
        const card = render();
        assert.deepEqual(validate(card), []);
        assert.deepEqual(missingFragments(template, card), [], `rendered from cards/${template}.json`);
        assert.ok(cardBytes(card) < MAX_CARD_BYTES, `${cardBytes(card)} bytes`);
      });
    }
  }

  it('covers every template under cards/, and each one with at least one case', () => {
    const files = readdirSync(CARDS_DIR).filter((file) => file.endsWith('.json')).map((file) => file.replace(/\.json$/, ''));
    assert.deepEqual([...files].sort(), [...CARD_NAMES].sort(), 'a template under cards/ that CARD_NAMES (and so this test) does not know, or the reverse');
    for (const name of CARD_NAMES) assert.ok(CASES[name].length > 0, `no case renders cards/${name}.json`);
  });

  it('keeps the bot\'s own card budget inside what Teams recommends (80 KB of its 100 KB)', () => {
    assert.ok(MAX_CARD_BYTES <= 80 * 1024);
  });

  it('a case that renders another template than it claims is caught (the check itself can fail)', () => {
    assert.notDeepEqual(missingFragments('audit', pendingCard([], demo)), []);
    assert.deepEqual(missingFragments('pendingList', pendingCard([], demo)), []);
  });

  it('the largest cards keep what matters: request ids, counts, and the capped viewer list', () => {
    const pendingExtreme = requestCard(extremeRestoreRequests()[0][1], { canDecide: true, canCancel: true }, { ...demo, refreshUserIds: VIEWERS });
    assert.equal((pendingExtreme.refresh as { userIds: string[] }).userIds.length, 60, 'Teams takes at most 60 user ids');
    const failedExtreme = requestCard(extremeRestoreRequests()[1][1], { canDecide: true, canCancel: true }, { ...demo, refreshUserIds: VIEWERS });
    assert.equal((JSON.stringify(failedExtreme).match(/request-id 00000000-0000-4000-8000-0000000005\d\d/g) ?? []).length, 22, 'every step keeps its Graph request-id');
    const pending = JSON.stringify(pendingCard(Array.from({ length: 40 }, () => extremeRestoreRequests()[0][1]), demo));
    assert.equal((pending.match(/"verb":"request.refresh"/g) ?? []).length, 15);
    assert.match(pending, /…and 25 more\./);
    for (const text of [LONGEST_NAME, EMOJI]) {
      const audit = auditCard(extremeAudit(50, text), demo);
      const shown = (JSON.stringify(audit).match(/R-X*\d+/g) ?? []).length;
      const omitted = Number(/(\d+) older entries did not fit/.exec(JSON.stringify(audit))?.[1] ?? 0);
      assert.equal(shown + omitted, 50, 'every entry is shown or counted');
      assert.ok(shown >= 10, `${shown} entries shown`);
    }
    assert.doesNotMatch(JSON.stringify(auditCard(realisticAudit(), tenant)), /did not fit/);
    assert.match(JSON.stringify(partnersCard(Array.from({ length: 25 }, (_, n) => extremePartner(n)), '', 2, demo)), /21–25 of 25/);
  });

  it('a restore that cannot succeed offers no way to ask for it', () => {
    const verbs = (card: AdaptiveCardJson) => [...JSON.stringify(card).matchAll(/"verb":"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(verbs(restoreFormCard(restoreAction(), demo)), ['request.create']);
    assert.deepEqual(verbs(restoreFormCard(extremeRestoreAction(), demo)), []);
  });

  it('says on every card when the tenant is simulated, and never otherwise', () => {
    assert.ok(JSON.stringify(helpCard(demo, PLACEHOLDER_IDS)).includes('Demo mode'));
    assert.ok(!JSON.stringify(listCard(listing(2, String), { kind: 'all', search: '' }, 0, tenant)).includes('Demo mode'));
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

  it('validation catches a broken card (the check itself can fail)', () => {
    const broken = { type: 'AdaptiveCard', version: '1.6', body: [{ type: 'Fancy' }], actions: [{ type: 'Action.Execute', title: 'Go' }] } as AdaptiveCardJson;
    const problems = validate(broken);
    assert.ok(problems.some((p) => /Fancy/.test(p)));
    assert.ok(problems.some((p) => /version 1.6/.test(p)));
    assert.ok(problems.some((p) => /has no verb/.test(p)));
  });
});
