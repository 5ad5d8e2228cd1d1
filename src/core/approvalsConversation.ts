import type { StateStore } from '../store/port';
import type { Actor, Where } from './access';
import { compareAndSet } from './compareAndSet';
import type { Gatekeeper } from './gatekeeper';
import type { Outcome } from './outcome';

/**
 * Where approvers see requests: the team's approvals conversation (one channel or group chat,
 * set with `approvals here`) and the approvers the bot can reach or show buttons to. Both live
 * in the shared state store, so every instance posts to the same place and knows the same
 * approvers.
 */

export interface ApprovalsConversationSetting {
  /** The conversation's id without a channel thread suffix. */
  conversationId: string;
  conversationType?: string;
  /** Where approval cards are posted (opaque to the core). */
  reference: unknown;
  setBy: Actor;
  setAt: string;
}

/** An approver the bot has seen: their Teams id for user-specific card views, and their personal chat when the bot has one. */
export interface ApproverContact {
  aadObjectId: string;
  name: string;
  teamsId?: string;
  /** A reference to the bot's personal chat with them (opaque to the core). */
  personalChat?: unknown;
  seenAt: string;
}

const SETTING_KEY = 'settings/approvals-conversation';
const CONTACTS_PREFIX = 'approvers/';
const contactKey = (aadObjectId: string) => CONTACTS_PREFIX + aadObjectId.toLowerCase();

/** A conversation id without the ";messageid=…" of a channel thread: the channel itself. */
export function baseConversationId(conversationId: string): string {
  return conversationId.split(';')[0];
}

export const PERSONAL_CHAT_REFUSAL =
  'The approvals conversation must be one that approvers share: type `approvals here` in the team\'s channel or a group chat, not in a personal chat.';

export class ApprovalsConversation {
  constructor(
    private readonly deps: {
      store: StateStore;
      gatekeeper: Gatekeeper;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async current(): Promise<ApprovalsConversationSetting | undefined> {
    return (await this.deps.store.get<ApprovalsConversationSetting>(SETTING_KEY))?.value;
  }

  /** `approvals here`: approvers only, and only in a conversation approvers share. */
  async set(actor: Actor, where: Where, reference: unknown): Promise<Outcome<ApprovalsConversationSetting>> {
    const allowed = await this.deps.gatekeeper.authorize(actor, 'approver', 'choose the approvals conversation', { where });
    if (!allowed.ok) return allowed;
    if (where.conversationType !== 'channel' && where.conversationType !== 'groupChat') return { ok: false, message: PERSONAL_CHAT_REFUSAL };
    const setting: ApprovalsConversationSetting = {
      conversationId: baseConversationId(where.conversationId),
      conversationType: where.conversationType,
      reference,
      setBy: actor,
      setAt: this.now().toISOString(),
    };
    let previous: ApprovalsConversationSetting | undefined;
    const result = await compareAndSet<ApprovalsConversationSetting>(this.deps.store, SETTING_KEY, (current) => {
      previous = current;
      return setting;
    });
    if (result.status !== 'written') return { ok: false, message: 'The approvals conversation is changing right now; try again in a moment.' };
    const replaced = previous && { conversationId: previous.conversationId, conversationType: previous.conversationType };
    await this.deps.gatekeeper.record('approvals.conversation_set', { actor, where, ...(replaced ? { replaced } : {}) });
    return { ok: true, value: setting };
  }

  /** `approvals off`: approvers only. Resolves with the setting that was cleared, if any. */
  async clear(actor: Actor, where: Where): Promise<Outcome<ApprovalsConversationSetting | undefined>> {
    const allowed = await this.deps.gatekeeper.authorize(actor, 'approver', 'clear the approvals conversation', { where });
    if (!allowed.ok) return allowed;
    const cleared = await this.current();
    if (!cleared) return { ok: true, value: undefined };
    await this.deps.store.delete(SETTING_KEY);
    await this.deps.gatekeeper.record('approvals.conversation_cleared', { actor, where, cleared: { conversationId: cleared.conversationId, conversationType: cleared.conversationType } });
    return { ok: true, value: cleared };
  }

  /**
   * Records an approver seen by the bot (a click, a message, an installation); `personalChat`
   * when it was their personal chat with the bot. Written only when something changed.
   */
  async rememberApprover(actor: Actor, personalChat?: unknown): Promise<void> {
    await compareAndSet<ApproverContact>(this.deps.store, contactKey(actor.aadObjectId), (known) => {
      const teamsId = actor.teamsId ?? known?.teamsId;
      const chat = personalChat ?? known?.personalChat;
      if (known && known.teamsId === teamsId && known.name === actor.name && (personalChat === undefined || JSON.stringify(known.personalChat) === JSON.stringify(personalChat))) return undefined;
      return { aadObjectId: actor.aadObjectId, name: actor.name, teamsId, personalChat: chat, seenAt: this.now().toISOString() };
    });
  }

  async approvers(): Promise<ApproverContact[]> {
    return (await this.deps.store.list<ApproverContact>(CONTACTS_PREFIX)).map((record) => record.value);
  }
}
