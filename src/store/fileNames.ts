/**
 * Reversible mapping from store keys to file names, safe on every file system we may run on:
 *
 * - Only `a-z 0-9 . _ -` are kept; every other character (including '/', upper-case letters
 *   and '%') becomes `%xx` per UTF-8 byte, with lower-case hex. Names therefore never contain
 *   a path separator, and two keys that differ only in case map to names that also differ on
 *   case-insensitive file systems (NTFS, APFS).
 * - Every name starts with `k` and ends in `.json`, so none is a Windows device name
 *   (`con`, `nul`, `com1`...: reserved even with an extension) and none ends in a dot.
 * - A key whose encoding is longer than MAX_PLAIN characters is stored as
 *   `k<encoded beginning>~<sha256 of the key>.json` ('~' never appears in an encoding). The full
 *   key is inside every record file, so the mapping stays reversible; listing reads those
 *   files to learn their keys.
 *
 * Names stay below 255 bytes (the usual file-name limit) including the temp-file suffix.
 */
import { createHash } from 'node:crypto';

export const RECORD_SUFFIX = '.json';
export const TEMP_SUFFIX = '.tmp';
const LEAD = 'k';
const MAX_PLAIN = 200;
const MAX_HASHED_PREFIX = 120;
const SAFE = /^[a-z0-9._-]$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function encodeChar(char: string): string {
  if (SAFE.test(char)) return char;
  let out = '';
  for (const byte of Buffer.from(char, 'utf8')) out += '%' + byte.toString(16).padStart(2, '0');
  return out;
}

export function encodeKey(key: string): string {
  let out = '';
  for (const char of key) out += encodeChar(char);
  return out;
}

/** The inverse of encodeKey; undefined unless `encoded` is exactly what encodeKey produces. */
export function decodeKey(encoded: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded[i];
    if (char === '%') {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (SAFE.test(char)) {
      bytes.push(char.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  let key: string;
  try {
    key = utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
  return encodeKey(key) === encoded ? key : undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The record file name of a (validated) key. */
export function recordFileName(key: string): string {
  const encoded = encodeKey(key);
  if (encoded.length <= MAX_PLAIN) return LEAD + encoded + RECORD_SUFFIX;
  let prefix = '';
  for (const char of key) {
    const piece = encodeChar(char);
    if (prefix.length + piece.length > MAX_HASHED_PREFIX) break;
    prefix += piece;
  }
  return LEAD + prefix + '~' + sha256(key) + RECORD_SUFFIX;
}

/**
 * What a file name in the records directory says about its key: the whole key, or (for a
 * long key) only its beginning. undefined for names that are not record files (temp files,
 * anything foreign).
 */
export type ParsedName = { kind: 'plain'; key: string } | { kind: 'hashed'; keyPrefix: string };

export function parseRecordFileName(name: string): ParsedName | undefined {
  if (!name.startsWith(LEAD) || !name.endsWith(RECORD_SUFFIX)) return undefined;
  const stem = name.slice(LEAD.length, -RECORD_SUFFIX.length);
  const tilde = stem.indexOf('~');
  if (tilde === -1) {
    if (stem.length === 0 || stem.length > MAX_PLAIN) return undefined;
    const key = decodeKey(stem);
    return key === undefined ? undefined : { kind: 'plain', key };
  }
  const hash = stem.slice(tilde + 1);
  if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
  const keyPrefix = decodeKey(stem.slice(0, tilde));
  return keyPrefix === undefined ? undefined : { kind: 'hashed', keyPrefix };
}

/** Could a record whose file name parsed to `parsed` have a key starting with `prefix`? */
export function mayMatchPrefix(parsed: ParsedName, prefix: string): boolean {
  if (parsed.kind === 'plain') return parsed.key.startsWith(prefix);
  return parsed.keyPrefix.startsWith(prefix) || prefix.startsWith(parsed.keyPrefix);
}
