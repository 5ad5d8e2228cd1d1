/**
 * Small helpers shared by every summariser: lenient readers for untrusted Graph JSON and
 * formatters that turn values into short plain text for an Adaptive Card FactSet.
 *
 * Nothing here throws on odd input: a reader given the wrong type answers "nothing".
 */
import type { DetailFact, DetailSection } from '../model';

export type Json = Record<string, unknown>;

/** Longest value a fact may carry; longer text is clipped with an ellipsis. */
export const MAX_VALUE_LENGTH = 300;
/** Longest single item inside a list (a display name, an id, a rule). */
const MAX_ITEM_LENGTH = 80;

// ---------------------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------------------

/** A plain JSON object, or undefined for null, arrays and primitives. */
export function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** Reads a nested property through any number of objects: `at(raw, 'conditions', 'users')`. */
export function at(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    const obj = record(current);
    if (!obj) return undefined;
    current = obj[key];
  }
  return current;
}

/** A non-blank string (whitespace collapsed), or undefined. Numbers are not text. */
export function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const cleaned = oneLine(value);
  return cleaned === '' ? undefined : cleaned;
}

/** A boolean; also accepts the strings "true"/"false" some tools emit. */
export function flag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/** A finite number; numeric strings are accepted. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/**
 * A list of non-blank strings, deduplicated, in order. A lone string counts as a
 * one-item list; anything that is not a string is skipped.
 */
export function strings(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of items) {
    const s = text(item);
    if (s !== undefined && !seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

/**
 * A multi-valued Graph enum, which arrives as "a,b,c" (flags) or sometimes as an array.
 */
export function enumFlags(value: unknown): string[] {
  const parts = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [];
  return strings(parts.map((p) => (typeof p === 'string' ? p.trim() : p)));
}

/** The objects inside an array; anything else is skipped. */
export function records(value: unknown): Json[] {
  if (!Array.isArray(value)) return [];
  const out: Json[] = [];
  for (const item of value) {
    const obj = record(item);
    if (obj) out.push(obj);
  }
  return out;
}

/**
 * Reads an enum that may come as its name or its CSDL number and returns the name
 * (lower-cased), or undefined.
 */
export function enumName(value: unknown, byNumber: readonly string[] = []): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return byNumber[value]?.toLowerCase();
  const s = text(value);
  return s?.toLowerCase();
}

// ---------------------------------------------------------------------------------------
// Formatters
// ---------------------------------------------------------------------------------------

/** Collapses line breaks, tabs and runs of spaces; drops other control characters. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Shortens text to `max` characters (counting code points, so emoji stay whole). */
export function clip(value: string, max = MAX_VALUE_LENGTH): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  return chars.slice(0, Math.max(1, max - 1)).join('').trimEnd() + '…';
}

/** "Yes" / "No", or undefined when the value is not a boolean. */
export function yesNo(value: unknown): string | undefined {
  const b = flag(value);
  return b === undefined ? undefined : b ? 'Yes' : 'No';
}

/** Picks one of two words by a boolean, or undefined when it is not a boolean. */
export function either(value: unknown, whenTrue: string, whenFalse: string): string | undefined {
  const b = flag(value);
  return b === undefined ? undefined : b ? whenTrue : whenFalse;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:mm UTC`, or undefined for anything that is not a real date. */
export function formatDate(value: unknown): string | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === 'string' && value.trim() !== '') date = new Date(value.trim());
  else if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value);
  if (!date || Number.isNaN(date.getTime())) return undefined;
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  return (
    `${String(year).padStart(4, '0')}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`
  );
}

/** "1 user" / "3 users". */
export function count(n: number, noun: Noun): string {
  return `${n} ${n === 1 ? noun[0] : noun[1]}`;
}

/** Singular and plural of the thing being counted. */
export type Noun = readonly [singular: string, plural: string];

export interface ListOptions {
  /** Prefix the list with "N things: ". */
  noun?: Noun;
  /** Show every item when there are at most this many (default 5). */
  max?: number;
  /** Items shown before "… and N more" once the list is too long (default 3). */
  keep?: number;
}

/**
 * Summarises a list for a fact value: "a, b and c" style becomes, for long lists,
 * "1000 users: first, second, third, … and 997 more". Returns undefined for an empty list.
 */
export function summariseList(items: readonly string[], options: ListOptions = {}): string | undefined {
  const { noun, max = 5, keep = 3 } = options;
  if (items.length === 0) return undefined;
  const prefix = noun ? `${count(items.length, noun)}: ` : '';
  const shortened = items.map((item) => clip(oneLine(item), MAX_ITEM_LENGTH));
  const whole = prefix + shortened.join(', ');
  if (items.length <= max && whole.length <= MAX_VALUE_LENGTH) return whole;

  // Keep as many leading items as fit the budget together with the "… and N more" tail.
  const shown: string[] = [];
  for (const item of shortened) {
    if (shown.length >= Math.max(1, keep)) break;
    const next = [...shown, item];
    const candidate = `${prefix}${next.join(', ')}, … and ${items.length - next.length} more`;
    if (shown.length > 0 && candidate.length > MAX_VALUE_LENGTH) break;
    shown.push(item);
  }
  const rest = items.length - shown.length;
  if (rest === 0) return clip(whole);
  return `${prefix}${shown.join(', ')}, … and ${rest} more`;
}

/** Joins short phrases with "; ", skipping empty ones. */
export function joinPhrases(...parts: (string | undefined)[]): string | undefined {
  const present = parts.filter((p): p is string => p !== undefined && p !== '');
  return present.length === 0 ? undefined : present.join('; ');
}

/** Upper-cases the first character. */
export function capitalise(value: string): string {
  return value.length === 0 ? value : value[0]!.toUpperCase() + value.slice(1);
}

// ---------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------

/** A fact whose value may be missing; missing facts are dropped. */
export type MaybeFact = readonly [label: string, value: string | undefined];

/** Builds a section from candidate facts, or undefined when none of them has a value. */
export function section(title: string, facts: readonly MaybeFact[]): DetailSection | undefined {
  const kept: DetailFact[] = [];
  for (const [label, value] of facts) {
    if (value === undefined) continue;
    const cleaned = oneLine(value);
    if (cleaned === '') continue;
    kept.push({ label, value: clip(cleaned) });
  }
  return kept.length === 0 ? undefined : { title, facts: kept };
}

/** Runs `read`, answering `fallback` if it throws (for reads outside a section builder). */
export function attempt<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * Runs each section builder in isolation and keeps the sections that came out. A builder
 * that fails on a malformed object loses only its own section.
 */
export function buildSections(builders: readonly (() => DetailSection | undefined)[]): DetailSection[] {
  const out: DetailSection[] = [];
  for (const build of builders) {
    try {
      const built = build();
      if (built) out.push(built);
    } catch {
      // A malformed object yields what can be said; this section cannot be said.
    }
  }
  return out;
}
