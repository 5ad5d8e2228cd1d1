/** Shapes shared by the whole domain. Graph objects are kept as loose records because
 *  real responses carry properties the metadata does not declare (API.md §7). */

export type GraphObject = Record<string, unknown>;

/** Policy kinds first, then the directory recycle bin's (`/directory/deletedItems`). */
export type KindId = 'ca' | 'locations' | 'partners' | 'sync' | 'users' | 'groups' | 'apps' | 'sps' | 'aus';

export interface ItemRef {
  kind: KindId;
  id: string;
}

export interface DetailFact {
  label: string;
  value: string;
}

export interface DetailSection {
  title: string;
  facts: DetailFact[];
}

/** A soft-deleted object as the rest of the bot sees it. */
export interface DeletedItem extends ItemRef {
  name: string;
  deletedAt: Date;
  /** Whole days before the service purges it for good (0 on the last day). */
  daysLeft: number;
  raw: GraphObject;
  /** Who deleted it per the audit log (or why that is unknown); undefined when not looked up. */
  deletedBy?: string;
}

export const RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export function purgeDate(deletedAt: Date): Date {
  return new Date(deletedAt.getTime() + RETENTION_DAYS * DAY_MS);
}

export function daysLeft(deletedAt: Date, now: Date): number {
  return daysUntilPurge(purgeDate(deletedAt), now);
}

export function daysUntilPurge(purgesAt: Date, now: Date): number {
  return Math.max(0, Math.floor((purgesAt.getTime() - now.getTime()) / DAY_MS));
}

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every kind's key (object id or partner tenant id) is a GUID. */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}

/**
 * A user's Entra object id as Teams sends it in from.aadObjectId. The Agents Playground's
 * mock users carry 13 digits in the last group, so one more is tolerated; nothing but hex
 * digits and hyphens ever passes.
 */
const USER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12,13}$/i;

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value);
}

/**
 * The shape of a user principal name as Entra accepts it: a local part of at most 64 characters
 * (letters, digits and ' . - _ ! # ^ ~, no leading, trailing or double dot), @, and a domain name.
 * Whether the domain is one of the tenant's verified domains only Graph knows: it refuses the
 * restore otherwise.
 */
const UPN_PATTERN = /^(?!\.)(?!.*\.\.)[A-Za-z0-9'._!#^~-]{1,64}(?<!\.)@(?=.{1,48}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function isUpnShape(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 113 && UPN_PATTERN.test(value);
}

/** An id that is not a valid key reached a Graph-facing call; nothing was sent. */
export class InvalidKeyError extends Error {
  constructor(readonly value: unknown) {
    super(`not a valid object id: ${JSON.stringify(String(value).slice(0, 60))}`);
    this.name = 'InvalidKeyError';
  }
}

/** The key itself, or InvalidKeyError: the last check before an id becomes part of a URL. */
export function requireObjectId(value: unknown): string {
  if (!isObjectId(value)) throw new InvalidKeyError(value);
  return value;
}
