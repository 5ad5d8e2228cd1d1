import { randomUUID } from 'node:crypto';
import type { AuditEntry, StateStore } from '../store/port';
import type { AccessControl, Actor, Role, Where } from './access';

/**
 * The checks every turn passes before it may cost a Graph call, and the audit trail of
 * every refusal. One home for "which activities are served" and "who may do this".
 */

/** What an activity says about where it comes from. */
export interface Envelope {
  channelId?: unknown;
  conversationTenantId?: unknown;
  channelDataTenantId?: unknown;
}

export type Admission = { ok: true; tenantId: string } | { ok: false; reason: 'channel' | 'no-tenant' | 'tenant-mismatch' | 'foreign-tenant'; detail: string };

export type Authorization = { ok: true } | { ok: false; message: string };

const lower = (value: unknown): string => (typeof value === 'string' ? value.trim().toLowerCase() : '');

/**
 * Only Teams activities from the configured tenant are served. The two places an activity
 * names its tenant must agree when both are present; an activity that names none is refused.
 */
export function admit(envelope: Envelope, allowedTenantId: string | undefined): Admission {
  if (envelope.channelId !== 'msteams') return { ok: false, reason: 'channel', detail: `channel ${JSON.stringify(String(envelope.channelId ?? '')).slice(0, 40)}` };
  const fromConversation = lower(envelope.conversationTenantId);
  const fromChannelData = lower(envelope.channelDataTenantId);
  if (!fromConversation && !fromChannelData) return { ok: false, reason: 'no-tenant', detail: 'no tenant id' };
  if (fromConversation && fromChannelData && fromConversation !== fromChannelData) return { ok: false, reason: 'tenant-mismatch', detail: 'conversation and channel data name different tenants' };
  const tenantId = fromConversation || fromChannelData;
  if (allowedTenantId && tenantId !== allowedTenantId.toLowerCase()) return { ok: false, reason: 'foreign-tenant', detail: `tenant ${tenantId.slice(0, 40)}` };
  return { ok: true, tenantId };
}

/** An audit entry: its id makes a repeated append harmless (readers keep one copy per id). */
export function auditEntry(at: Date, action: string, fields: Record<string, unknown>): AuditEntry {
  return { id: randomUUID(), at: at.toISOString(), action, ...fields };
}

export class Gatekeeper {
  constructor(
    private readonly deps: {
      access: AccessControl;
      store: Pick<StateStore, 'appendAudit'>;
      now?: () => Date;
      log?: (event: string, fields: Record<string, unknown>) => void;
    },
  ) {}

  /** Refuses (and audits) an actor without the role. */
  async authorize(actor: Actor, role: Role, attempted: string, context: { where?: Where; requestId?: string } = {}): Promise<Authorization> {
    if (await this.deps.access.has(actor.aadObjectId, role)) return { ok: true };
    await this.record('access.denied', { actor, attempted, role, ...context });
    return { ok: false, message: `You are not allowed to ${attempted}: it needs the ${role} role. Ask an admin to add you to the ${role}s.` };
  }

  /**
   * Appends an entry that goes with no request record (a refusal, a setting). Such an event has
   * nothing to roll back, so a store failure here is logged rather than turned into an error for
   * the person who caused it.
   */
  async record(action: string, fields: Record<string, unknown>): Promise<void> {
    const entry = auditEntry(this.deps.now?.() ?? new Date(), action, fields);
    try {
      await this.deps.store.appendAudit(entry);
    } catch (error) {
      this.deps.log?.('audit.refusal_not_recorded', { action, error: (error as Error).message });
    }
  }
}
