/**
 * Blob names of records. The blob name is the key encoded by `recordBlobName`: ASCII letters,
 * digits, '_' and '-' are kept, every other character becomes '~xx' per UTF-8 byte (so '/' is
 * '~2f', '.' is '~2e'). Names are therefore flat (no virtual directories, no 254-segment
 * limit), never end in a dot, need no URL escaping and decode back to the key. A key whose
 * encoding is longer than MAX_PLAIN characters is stored as `<encoded beginning>.<sha256 of the
 * key>` ('.' never occurs in an encoding); the full key is inside every record, so listing
 * reads it there.
 */
import { createHash } from 'node:crypto';

const RECORDS_PREFIX = 'records/';
/** Encoded keys up to this length are the blob name as they are; longer ones are hashed. */
const MAX_PLAIN = 900;
/** How much of a long key's encoding a hashed name keeps (whole characters). */
const MAX_HASHED_PREFIX = 800;
/** The longest encoding of one code point: 4 UTF-8 bytes as '~xx'. */
const MAX_PIECE = 12;
/** Every hashed name keeps at least this much of the key's encoding. */
const MIN_HASHED_PREFIX = MAX_HASHED_PREFIX - MAX_PIECE + 1;
const KEPT = /^[A-Za-z0-9_-]$/;
const ESCAPE = '~';
const HASH_SEPARATOR = '.';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function encodePiece(codePoint: string): string {
  if (KEPT.test(codePoint)) return codePoint;
  let out = '';
  for (const byte of Buffer.from(codePoint, 'utf8')) out += ESCAPE + byte.toString(16).padStart(2, '0');
  return out;
}

function encodeName(key: string): string {
  let out = '';
  for (const codePoint of key) out += encodePiece(codePoint);
  return out;
}

/** The inverse of encodeName; undefined unless `encoded` is exactly what encodeName produces. */
function decodeName(encoded: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded[i];
    if (char === ESCAPE) {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (KEPT.test(char)) {
      bytes.push(char.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  let decoded: string;
  try {
    decoded = strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
  return encodeName(decoded) === encoded ? decoded : undefined;
}

/** The blob that holds the record of a (valid) key. */
export function recordBlobName(key: string): string {
  const encoded = encodeName(key);
  if (encoded.length <= MAX_PLAIN) return RECORDS_PREFIX + encoded;
  let beginning = '';
  for (const codePoint of key) {
    const piece = encodePiece(codePoint);
    if (beginning.length + piece.length > MAX_HASHED_PREFIX) break;
    beginning += piece;
  }
  return RECORDS_PREFIX + beginning + HASH_SEPARATOR + createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What a blob name says about its key: all of it, or only its beginning (hashed names). */
export type ParsedName = { kind: 'plain'; key: string } | { kind: 'hashed'; keyPrefix: string };

export function parseRecordBlobName(name: string): ParsedName | undefined {
  if (!name.startsWith(RECORDS_PREFIX)) return undefined;
  const stem = name.slice(RECORDS_PREFIX.length);
  const separator = stem.indexOf(HASH_SEPARATOR);
  if (separator === -1) {
    if (stem === '' || stem.length > MAX_PLAIN) return undefined;
    const key = decodeName(stem);
    return key === undefined ? undefined : { kind: 'plain', key };
  }
  if (!/^[0-9a-f]{64}$/.test(stem.slice(separator + 1))) return undefined;
  const keyPrefix = decodeName(stem.slice(0, separator));
  return keyPrefix === undefined ? undefined : { kind: 'hashed', keyPrefix };
}

/**
 * The blob-name prefix under which every record whose key starts with `prefix` lies. It is
 * cut before a lone surrogate (a prefix may end inside a surrogate pair) and short enough to
 * be contained in hashed names; callers filter the results by the real key.
 */
export function listingPrefix(prefix: string): string {
  let encoded = '';
  for (const codePoint of prefix) {
    const unit = codePoint.charCodeAt(0);
    if (codePoint.length === 1 && unit >= 0xd800 && unit <= 0xdfff) break;
    encoded += encodePiece(codePoint);
    if (encoded.length >= MIN_HASHED_PREFIX) break;
  }
  return RECORDS_PREFIX + encoded.slice(0, MIN_HASHED_PREFIX);
}

export function mayHoldPrefix(parsed: ParsedName, prefix: string): boolean {
  if (parsed.kind === 'plain') return parsed.key.startsWith(prefix);
  return parsed.keyPrefix.startsWith(prefix) || prefix.startsWith(parsed.keyPrefix);
}
