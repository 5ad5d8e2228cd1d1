import { KINDS, kindByAlias, POLICY_KINDS } from './kinds';
import { GUID_PATTERN, isUpnShape, type KindId } from './model';
import { upnShapeProblem } from './restores';
import { isRequestId, MAX_BULK_ITEMS } from './approvals';
import { TRACKED_KINDS, trackedKindByAlias, type TrackedKindId } from './trackedKinds';

/**
 * The command grammar. One registry (COMMANDS) drives parsing, `help` and the app
 * manifest's command list, so the three can never disagree.
 */

export type Command =
  | { type: 'help' }
  | { type: 'deleted'; kinds: KindId[]; search: string }
  | { type: 'show'; id: string; kind?: KindId }
  | { type: 'status' }
  /** `newUserPrincipalName`: `restore {userId} as {upn}`, a user whose UPN was taken comes back under another. */
  | { type: 'restore'; id: string; kind?: KindId; reportOnly: boolean; reason: string; newUserPrincipalName?: string }
  | { type: 'selftest'; reason: string }
  /** Many items under one approval: listed ids, or every deleted item of a kind one person deleted. */
  | { type: 'restore'; bulk: BulkSelection; reportOnly: boolean; reason: string }
  | { type: 'pending' }
  | { type: 'audit'; count: number }
  | { type: 'cancel'; requestId: string }
  | { type: 'approvals'; change?: 'here' | 'off' }
  | { type: 'alerts'; change?: 'on' | 'off'; kinds: KindId[]; changeKinds?: TrackedKindId[] }
  | { type: 'history'; target: string }
  | { type: 'diff'; id: string; from?: number; to?: number }
  | { type: 'revert'; id: string; version?: number; reason: string }
  | { type: 'recreate'; id: string; reportOnly: boolean; reason: string }
  | { type: 'partners'; search: string }
  | { type: 'partner'; action: 'show' | 'edit'; tenantId: string }
  | { type: 'partner'; action: 'add'; tenantId: string; serviceProvider: boolean; reason: string }
  | { type: 'partner'; action: 'set'; tenantId: string; settings: string[]; reason: string }
  | { type: 'partner'; action: 'remove'; tenantId: string; reason: string }
  | { type: 'demo'; action: 'delete'; target: string };

export type BulkSelection = { ids: string[]; kind?: KindId } | { kind: KindId; deletedBy: string; sinceMs?: number };

export type ParseResult =
  | { ok: true; command: Command }
  | { ok: false; problem: 'empty' }
  | { ok: false; problem: 'unknown'; word: string; suggestion?: string }
  | { ok: false; problem: 'invalid'; message: string; usage: string };

export interface CommandSpec {
  name: string;
  /** Answered for anyone: it shows no tenant data. Every other command needs the operator role. */
  open?: boolean;
  aliases: string[];
  /** Placeholders are written {like this}: some card renderers drop <like this>. */
  usage: string;
  /** One example, naming real items only when the edge gives real ids (demo mode). */
  example: (ids: ExampleIds) => string;
  description: string;
  /** False for commands people reach from cards; the Teams menu holds only 10. */
  inMenu?: boolean;
  parse(args: string[]): Command | string;
}

/**
 * The ids help examples use. In demo mode the edge passes ids that exist in the simulated
 * tenant; otherwise they are placeholders, so help never claims an item exists.
 */
export interface ExampleIds {
  /** A deleted CA policy (show, restore). */
  deletedPolicy: string;
  /** A live partner's tenant id (partner set). */
  livePartner: string;
  /** Text that finds live partners (partners). */
  partnerSearch: string;
  /** A live policy, location or partner (demo delete). */
  liveItem: string;
}

export const PLACEHOLDER_IDS: ExampleIds = { deletedPolicy: '{id}', livePartner: '{tenant id}', partnerSearch: '{name or tenant id}', liveItem: '{id or name}' };

/** Search text longer than this cannot match anything useful and only costs time. */
export const MAX_SEARCH_CHARS = 200;

/** `all` means the policy kinds (as before the directory kinds existed); `everything` every kind. */
const ALL_KINDS_WORD = 'all';
const EVERY_KIND_WORD = 'everything';
const REPORT_ONLY_WORD = /^-{0,2}report-?only$/i;
const AS_DELETED_WORD = /^-{0,2}as-?deleted$/i;
const AS_STORED_WORD = /^-{0,2}as-?stored$/i;
const kindWords = [...KINDS.map((k) => k.aliases[0]), ALL_KINDS_WORD, EVERY_KIND_WORD].join('|');
const policyKindIds = (): KindId[] => POLICY_KINDS.map((k) => k.id);

/** The kinds a word names: one kind, `all` (the policy kinds), `everything`, or undefined. */
function kindsNamedBy(word: string | undefined): KindId[] | undefined {
  if (word === undefined) return undefined;
  const lower = word.toLowerCase();
  if (lower === ALL_KINDS_WORD) return policyKindIds();
  if (lower === EVERY_KIND_WORD) return KINDS.map((k) => k.id);
  const kind = kindByAlias(lower);
  return kind ? [kind.id] : undefined;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'help',
    open: true,
    aliases: ['?'],
    usage: 'help',
    example: () => 'help',
    description: 'List every command with an example',
    parse: () => ({ type: 'help' }),
  },
  {
    name: 'deleted',
    aliases: ['list', 'ls'],
    usage: `deleted [${kindWords}] [search text]`,
    example: () => 'deleted ca block',
    description: `Deleted items, newest first, with days left; \`everything\` adds ${KINDS.filter((k) => k.family === 'directory').map((k) => k.aliases[0]).join(', ')}`,
    parse: (args) => {
      const named = kindsNamedBy(args[0]);
      const rest = named ? args.slice(1) : args;
      return {
        type: 'deleted',
        kinds: named ?? policyKindIds(),
        search: rest.join(' ').slice(0, MAX_SEARCH_CHARS),
      };
    },
  },
  {
    name: 'show',
    aliases: ['details', 'get'],
    usage: `show [${KINDS.map((k) => k.aliases[0]).join('|')}] {id}`,
    example: (ids) => `show ${ids.deletedPolicy}`,
    description: 'Show one deleted item in plain words',
    parse: (args) => {
      const kind = args.length > 1 ? kindByAlias(args[0]) : undefined;
      const idArgs = kind ? args.slice(1) : args;
      if (idArgs.length > 1) return 'Give one id at a time.';
      const id = parseObjectId(idArgs[0]);
      if (id === undefined) return 'Which item? Give its id, as shown on the `deleted` list.';
      if (typeof id !== 'string') return id.problem;
      return { type: 'show', id, kind: kind?.id };
    },
  },
  {
    name: 'restore',
    aliases: [],
    usage: `restore [${KINDS.map((k) => k.aliases[0]).join('|')}] {id} [{id} …] [report-only|as-deleted] [reason] · restore {userId} as {new upn} [reason] · restore all {kind} deleted-by {upn} [since {7d|12h}]`,
    example: (ids) => `restore ${ids.deletedPolicy} deleted by mistake`,
    description: `Ask for a restore (up to ${MAX_BULK_ITEMS} ids in one request); a second admin approves it. CA policies come back report-only unless you say as-deleted`,
    parse: (args) => {
      if (args[0]?.toLowerCase() === 'all') return parseRestoreAll(args.slice(1));
      const kind = args.length > 1 ? kindByAlias(args[0]) : undefined;
      const rest = kind ? args.slice(1) : args;
      const ids: string[] = [];
      while (ids.length < rest.length && GUID_PATTERN.test(rest[ids.length].replace(/^\{|\}$/g, ''))) ids.push(rest[ids.length].replace(/^\{|\}$/g, '').toLowerCase());
      if (ids.length > 1) {
        if (ids.length > MAX_BULK_ITEMS) return `One request restores at most ${MAX_BULK_ITEMS} items; you gave ${ids.length}. Ask in parts.`;
        const after = rest.slice(ids.length);
        const asDeletedMany = AS_DELETED_WORD.test(after[0] ?? '');
        const explicitMany = asDeletedMany || REPORT_ONLY_WORD.test(after[0] ?? '');
        return { type: 'restore', bulk: { ids, kind: kind?.id }, reportOnly: !asDeletedMany, reason: after.slice(explicitMany ? 1 : 0).join(' ') };
      }
      const id = parseObjectId(rest[0]);
      if (id === undefined) return 'Which item? Give its id, as shown on the `deleted` list.';
      if (typeof id !== 'string') return id.problem;
      // `as name@domain`: a user whose UPN was taken comes back under another ("as discussed" stays part of the reason).
      if (rest[1]?.toLowerCase() === 'as' && rest[2]?.includes('@')) {
        if (kind && kind.id !== 'users') return `Only users have a user principal name: a ${kind.label} is restored without \`as\`.`;
        if (!isUpnShape(rest[2])) return upnShapeProblem(rest[2]);
        return { type: 'restore', id, kind: kind?.id, reportOnly: true, reason: rest.slice(3).join(' '), newUserPrincipalName: rest[2] };
      }
      // Report-only is the default (as on the Restore form): only an explicit word brings a CA policy back enforced.
      const stateWord = rest[1] ?? '';
      const asDeleted = AS_DELETED_WORD.test(stateWord);
      const explicit = asDeleted || REPORT_ONLY_WORD.test(stateWord);
      const reason = rest.slice(explicit ? 2 : 1).join(' ');
      return { type: 'restore', id, kind: kind?.id, reportOnly: !asDeleted, reason };
    },
  },
  {
    name: 'selftest',
    aliases: ['self-test'],
    // The Teams menu holds 10 commands; approvers run this one rarely.
    inMenu: false,
    usage: 'selftest [reason]',
    example: () => 'selftest after granting permissions',
    description: 'Approvers: prove in this tenant that the bot can delete, find, restore and purge (creates and removes two harmless test objects; a second approver approves)',
    parse: (args) => ({ type: 'selftest', reason: args.join(' ') }),
  },
  {
    name: 'pending',
    aliases: ['requests'],
    usage: 'pending',
    example: () => 'pending',
    description: 'Restore requests waiting for approval',
    parse: () => ({ type: 'pending' }),
  },
  {
    name: 'cancel',
    aliases: [],
    inMenu: false,
    usage: 'cancel {request id}',
    // Request ids exist only once someone asks, so the example stays a placeholder.
    example: () => 'cancel {request id}',
    description: 'Withdraw a restore request you made',
    parse: (args) => {
      const requestId = args[0]?.toUpperCase();
      if (!isRequestId(requestId)) return 'Which request? Request ids look like R-7K2QX9M (see `pending`).';
      return { type: 'cancel', requestId };
    },
  },
  {
    name: 'approvals',
    aliases: [],
    inMenu: false,
    usage: 'approvals [here|off]',
    example: () => 'approvals here',
    description: 'Where requests are posted for approval; an approver types `approvals here` in the team\'s channel',
    parse: (args) => {
      const change = args[0]?.toLowerCase();
      if (change === undefined) return { type: 'approvals' };
      if (change === 'here' || change === 'off') return { type: 'approvals', change };
      return 'Say `approvals here`, `approvals off`, or just `approvals` to see where requests are posted for approval.';
    },
  },
  {
    name: 'audit',
    aliases: ['log'],
    usage: 'audit [how many, up to 50]',
    example: () => 'audit 20',
    description: 'The latest entries of the audit log: requests, decisions and results',
    parse: (args) => {
      const count = args[0] === undefined ? 10 : Number(args[0]);
      if (!Number.isInteger(count) || count < 1 || count > 50) return 'Give a number from 1 to 50, e.g. `audit 20`.';
      return { type: 'audit', count };
    },
  },
  {
    name: 'alerts',
    aliases: [],
    usage: `alerts [on [changes] [${TRACKED_KINDS.map((k) => k.aliases[0]).join(' ')}] | off]`,
    example: () => 'alerts on changes ca nl',
    description: 'Alert here when a policy is deleted (with Restore); with `changes`, also when one is added or changed (with Revert)',
    parse: (args) => {
      const change = args[0]?.toLowerCase();
      if (change === undefined) return { type: 'alerts', kinds: [] };
      if (change === 'off') return { type: 'alerts', change: 'off', kinds: [] };
      if (change !== 'on') return 'Say `alerts on`, `alerts off`, or just `alerts` to see what this conversation gets.';
      if (args[1]?.toLowerCase() === 'changes') {
        const tracked = args.slice(2).filter((word) => word.toLowerCase() !== ALL_KINDS_WORD).map((word) => trackedKindByAlias(word));
        if (tracked.some((k) => !k)) return `Kinds are ${TRACKED_KINDS.map((k) => k.aliases[0]).join(', ')}.`;
        const changeKinds = tracked.length > 0 ? [...new Set(tracked.map((k) => k!.id))] : TRACKED_KINDS.map((k) => k.id);
        const binKinds = tracked.length > 0 ? [...new Set(tracked.flatMap((k) => (k!.binKind ? [k!.binKind] : [])))] : policyKindIds();
        return { type: 'alerts', change: 'on', kinds: binKinds, changeKinds };
      }
      const named = args.slice(1).map((word) => kindsNamedBy(word));
      if (named.some((k) => !k)) return `Kinds are ${kindWords.replace(/\|/g, ', ')}.`;
      const chosen = named.length > 0 ? [...new Set(named.flat() as KindId[])] : policyKindIds();
      return { type: 'alerts', change: 'on', kinds: chosen };
    },
  },
  {
    name: 'partners',
    aliases: [],
    usage: 'partners [search text]',
    example: (ids) => `partners ${ids.partnerSearch}`,
    description: 'Live cross-tenant partner configurations, with Details and Edit',
    parse: (args) => ({ type: 'partners', search: args.join(' ').slice(0, MAX_SEARCH_CHARS) }),
  },
  {
    name: 'partner',
    aliases: [],
    usage: 'partner show|edit|add|set|remove {tenant id} [settings] [because {reason}]',
    example: (ids) => `partner set ${ids.livePartner} mfa off because new contract`,
    description: 'Show or change one partner; add, set and remove go through approval',
    parse: (args) => {
      const action = args[0]?.toLowerCase();
      if (!['show', 'edit', 'add', 'set', 'remove'].includes(action ?? '')) return 'Say `partner show`, `edit`, `add`, `set` or `remove`, then the partner\'s tenant id.';
      const id = parseObjectId(args[1]);
      if (id === undefined) return `Which partner? Give its tenant id: \`partner ${action} {tenant id}\`.`;
      if (typeof id !== 'string') return id.problem;
      const rest = args.slice(2);
      const because = rest.findIndex((word) => word.toLowerCase() === 'because');
      const words = because === -1 ? rest : rest.slice(0, because);
      const reason = because === -1 ? '' : rest.slice(because + 1).join(' ');
      switch (action) {
        case 'show':
        case 'edit':
          return { type: 'partner', action, tenantId: id };
        case 'add': {
          const serviceProvider = words.length === 1 && /^service-?provider$/i.test(words[0]);
          if (words.length > 0 && !serviceProvider) return `\`partner add\` takes only "service-provider" after the tenant id; set the other settings with \`partner set\` once it exists.`;
          return { type: 'partner', action, tenantId: id, serviceProvider, reason };
        }
        case 'set':
          return { type: 'partner', action, tenantId: id, settings: words, reason };
        default:
          return { type: 'partner', action: 'remove', tenantId: id, reason };
      }
    },
  },
  {
    name: 'history',
    aliases: ['versions'],
    inMenu: false,
    usage: 'history {id or name}',
    example: (ids) => `history ${ids.liveItem}`,
    description: 'Stored versions of a live policy, location or partner: when each change was seen and who made it',
    parse: (args) => {
      const target = args.join(' ').replace(/^\{|\}$/g, '').slice(0, MAX_SEARCH_CHARS);
      if (!target) return 'Which object? Give its id or name: `history {id or name}`.';
      return { type: 'history', target };
    },
  },
  {
    name: 'diff',
    aliases: [],
    inMenu: false,
    usage: 'diff {id} [from version] [to version]',
    example: (ids) => `diff ${ids.liveItem}`,
    description: 'What changed between two stored versions, in words (by default the last change)',
    parse: (args) => {
      const id = parseHistoryKey(args[0]);
      if (id === undefined) return 'Which object? Give its id (see `history`).';
      if (typeof id !== 'string') return id.problem;
      const numbers = args.slice(1).map(versionNumber);
      if (numbers.some((n) => n === undefined) || numbers.length > 2) return 'Versions are numbers, as `history` shows them: `diff {id} 2 3`.';
      return { type: 'diff', id, from: numbers[0], to: numbers[1] };
    },
  },
  {
    name: 'revert',
    aliases: ['rollback'],
    inMenu: false,
    usage: 'revert {id} [version] [reason]',
    example: (ids) => `revert ${ids.liveItem} changed by mistake`,
    description: 'Ask to put a policy back as a stored version was (by default: undo the last change); a second admin approves it',
    parse: (args) => {
      const id = parseHistoryKey(args[0]);
      if (id === undefined) return 'Which object? Give its id (see `history`).';
      if (typeof id !== 'string') return id.problem;
      const version = args[1] === undefined ? undefined : versionNumber(args[1]);
      const reason = args.slice(version === undefined ? 1 : 2).join(' ');
      return { type: 'revert', id, version, reason };
    },
  },
  {
    name: 'recreate',
    aliases: ['re-create'],
    inMenu: false,
    usage: 'recreate {id} [report-only|as-stored] [reason]',
    example: (ids) => `recreate ${ids.deletedPolicy} purged by mistake`,
    description:
      'Ask to create a purged policy or named location again from its last stored version (a new object id; locations it used that are gone are created first). CA policies come back report-only unless you say as-stored; a second admin approves it',
    parse: (args) => {
      const id = parseObjectId(args[0]);
      if (id === undefined) return 'Which object? Give its old id (see `history`).';
      if (typeof id !== 'string') return id.problem;
      // Report-only is the default, as for restore: only an explicit word creates a policy enforced.
      const stateWord = args[1] ?? '';
      const asStored = AS_STORED_WORD.test(stateWord);
      const explicit = asStored || REPORT_ONLY_WORD.test(stateWord);
      return { type: 'recreate', id, reportOnly: !asStored, reason: args.slice(explicit ? 2 : 1).join(' ') };
    },
  },
  {
    name: 'demo',
    aliases: [],
    // The Teams menu holds 10 commands, and this one works only in demo mode.
    inMenu: false,
    usage: 'demo delete {id or name}',
    example: (ids) => `demo delete ${ids.liveItem}`,
    description: 'Demo mode only: delete a live policy, location or partner in the simulated tenant, to see an alert',
    parse: (args) => {
      const target = args.slice(1).join(' ').slice(0, MAX_SEARCH_CHARS);
      if (args[0]?.toLowerCase() !== 'delete' || !target) return 'Say `demo delete` and the id or name of a live policy, named location or partner.';
      return { type: 'demo', action: 'delete', target };
    },
  },
  {
    name: 'status',
    aliases: [],
    usage: 'status',
    example: () => 'status',
    description: 'Mode, tenant, Graph health and the permissions the bot holds',
    parse: () => ({ type: 'status' }),
  },
];

const DURATION = /^(\d{1,4})(m|h|d)$/i;
const DURATION_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `restore all {kind} deleted-by {upn} [since {duration}] [reason]`. */
function parseRestoreAll(args: string[]): Command | string {
  const usage = 'Say `restore all {kind} deleted-by {upn} [since 7d]`, e.g. `restore all users deleted-by mallory@contoso.com since 2h`.';
  const kind = args[0] === undefined ? undefined : kindByAlias(args[0]);
  if (!kind || args[1]?.toLowerCase() !== 'deleted-by' || !args[2]?.includes('@')) return usage;
  let rest = args.slice(3);
  let sinceMs: number | undefined;
  if (rest[0]?.toLowerCase() === 'since') {
    const match = DURATION.exec(rest[1] ?? '');
    if (!match) return 'Give the time as minutes, hours or days, e.g. `since 30m`, `since 12h`, `since 7d`.';
    sinceMs = Number(match[1]) * DURATION_MS[match[2].toLowerCase()];
    rest = rest.slice(2);
  }
  const asDeleted = AS_DELETED_WORD.test(rest[0] ?? '');
  const explicit = asDeleted || REPORT_ONLY_WORD.test(rest[0] ?? '');
  return { type: 'restore', bulk: { kind: kind.id, deletedBy: args[2].slice(0, 256), ...(sinceMs ? { sinceMs } : {}) }, reportOnly: !asDeleted, reason: rest.slice(explicit ? 1 : 0).join(' ') };
}

/** Whether anyone may run it (see CommandSpec.open). */
export function isOpenCommand(command: Command): boolean {
  return COMMANDS.some((spec) => spec.name === command.type && spec.open === true);
}

/** An object id as typed (braces and case tolerated), or why it is not one. */
function parseObjectId(word: string | undefined): string | { problem: string } | undefined {
  if (word === undefined) return undefined;
  const id = word.replace(/^\{|\}$/g, '');
  if (GUID_PATTERN.test(id)) return id.toLowerCase();
  return { problem: `"${word}" is not an object id. Ids look like 6b9d2f3e-0c7a-4a51-9d1e-2f1c8e7b4a10 (partners use the partner's tenant id).` };
}

/** A version number as typed ("3" or "v3"). */
function versionNumber(word: string): number | undefined {
  const match = /^v?(\d{1,6})$/i.exec(word);
  return match ? Number(match[1]) : undefined;
}

/** An object id, or "default" for the default cross-tenant configuration. */
function parseHistoryKey(word: string | undefined): string | { problem: string } | undefined {
  if (word?.toLowerCase() === 'default') return 'default';
  return parseObjectId(word);
}

/**
 * Commands are short; the parser never looks past this many characters, so no message can
 * cost more than a few milliseconds of CPU however long it is.
 */
export const MAX_COMMAND_CHARS = 4096;
/** Longer words cannot be typos of a command name: edit distance is not computed for them. */
const MAX_TYPO_WORD = 24;

/**
 * Normalises what Teams delivers: entities, non-breaking spaces, line breaks, markup.
 * Every pattern is linear: a tag match stops at the next '<' or '>'.
 */
export function normaliseText(text: string): string {
  return text
    .slice(0, MAX_COMMAND_CHARS)
    .replace(/<at>[^<>]*<\/at>/gi, ' ')
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&nbsp;|\u00a0/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseCommand(text: string): ParseResult {
  const words = normaliseText(text).replace(/^\//, '').split(' ').filter(Boolean);
  if (words.length === 0) return { ok: false, problem: 'empty' };
  const [first, ...args] = words;
  const word = first.toLowerCase();
  const spec = COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
  if (!spec) return { ok: false, problem: 'unknown', word: first, suggestion: nearestCommand(word) };
  const parsed = spec.parse(args);
  if (typeof parsed === 'string') return { ok: false, problem: 'invalid', message: parsed, usage: spec.usage };
  return { ok: true, command: parsed };
}

/** The command name closest to a mistyped word, when it is close enough to be a typo. */
export function nearestCommand(word: string): string | undefined {
  const candidates = COMMANDS.flatMap((spec) => [spec.name, ...spec.aliases].map((alias) => ({ alias, name: spec.name })));
  const alias = closestWord(word, candidates.map((c) => c.alias));
  return candidates.find((c) => c.alias === alias)?.name;
}

/** The candidate within typo distance of the word (1 edit for short words, 2 otherwise). */
export function closestWord(word: string, candidates: string[]): string | undefined {
  if (word.length > MAX_TYPO_WORD) return undefined;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  const tolerance = word.length <= 3 ? 1 : 2;
  return best && best.distance <= tolerance ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}
