import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

/**
 * The Agents Playground's web UI, used the way a person uses Teams: pick a chat, type,
 * press Enter or Post, read cards, click their buttons. Only a second user's clicks go
 * through the playground's HTTP API (its chat box always speaks as the current user).
 */

/** Long enough for a Graph round trip through the simulator plus a proactive update. */
const REPLY_TIMEOUT_MS = 20_000;
/** How long a read-only command waits before it is sent again (see ask). */
const RETRY_AFTER_MS = 8_000;
/** Before each action every card gets its current text in this attribute; see markSeen. */
const SEEN = 'data-e2e-seen';
/** A card found by waitForCard carries a number in this attribute, so its locator stays put. */
const FOUND = 'data-e2e-card';

const ARROWS = /[◀▶]/g;

/** Matches a button's accessible name, ignoring the arrows some titles carry ("Next ▶"). */
function buttonTitle(name: string): RegExp {
  return new RegExp(`^[◀▶\\s]*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[◀▶\\s]*$`);
}

export interface MockUser {
  id: string;
  name: string;
  aadObjectId: string;
}

/** Where a card is, as Teams tells the bot when someone clicks a button on it. */
export interface CardAddress {
  conversation: Record<string, unknown>;
  replyToId?: string;
}

export class PlaygroundPage {
  private step = 0;
  private found = 0;

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
    private readonly screenshotDir: string,
  ) {}

  /** Loads the UI and waits until it has reached the bot. */
  async open(): Promise<void> {
    this.page.setDefaultTimeout(REPLY_TIMEOUT_MS);
    await this.page.goto(this.baseUrl);
    await this.page.getByText('Connected.', { exact: true }).first().waitFor({ timeout: 30_000 });
    await this.composer.waitFor();
  }

  /** The message box: in a channel the "Start a new post" box comes first, before the thread reply boxes. */
  private get composer(): Locator {
    return this.page.locator('[role="textbox"][contenteditable="true"]').first();
  }

  /** Opens a chat from the left rail: "Personal Chat", "Group Chat", "My Team - General", … */
  async openChat(name: string): Promise<void> {
    await this.page.getByRole('treeitem', { name, exact: true }).click();
    await this.composer.waitFor();
  }

  /** Types a message in a chat and presses Enter. */
  async say(text: string): Promise<void> {
    await this.markSeen();
    await this.composer.click();
    await this.composer.pressSequentially(text);
    await this.page.keyboard.press('Enter');
  }

  /** Starts a channel post that @mentions the bot (picked from the mention menu), then clicks Post. */
  async mention(text: string, botName = 'Test Bot'): Promise<void> {
    await this.markSeen();
    await this.composer.click();
    await this.composer.pressSequentially(`@${botName.split(' ')[0]}`);
    await this.page.getByRole('menuitem', { name: botName }).click();
    await this.composer.pressSequentially(` ${text}`);
    await this.page.getByRole('button', { name: 'Post', exact: true }).click();
  }

  /**
   * Sends a read-only command and waits for its card. Now and then the Playground's page
   * drops a bot reply that arrives while it is still drawing the user's new post, although
   * its server received the reply (its log panel lists it). A read-only command is then sent
   * once more, and the retry is reported. Never use this for a command that changes anything.
   */
  async ask(text: string, expected: string | RegExp, how: 'say' | 'mention'): Promise<Locator> {
    const send = () => (how === 'say' ? this.say(text) : this.mention(text));
    await send();
    try {
      return await this.waitForCard(expected, RETRY_AFTER_MS);
    } catch {
      console.warn(`    (the Playground did not show the reply to "${text}" within ${RETRY_AFTER_MS / 1000} s; sending it once more)`);
      await send();
      return this.waitForCard(expected);
    }
  }

  /** A card on the page showing this text (the first one, which is the newest post in a channel). */
  card(text: string | RegExp): Locator {
    return this.page.locator('.ac-adaptiveCard').filter({ hasText: text }).first();
  }

  /**
   * Waits for a card showing this text that is new since the last action on this page:
   * posted, or changed in place (an invoke answer or an update replaces a card's content),
   * so an older card with the same words cannot satisfy it. The locator returned keeps
   * pointing at that card.
   */
  async waitForCard(text: string | RegExp, timeout = REPLY_TIMEOUT_MS): Promise<Locator> {
    const id = String(++this.found);
    const pattern = typeof text === 'string' ? { source: text, flags: null } : { source: text.source, flags: text.flags };
    await this.page.waitForFunction(
      // Runs in the page: no named inner functions here (tsx would add a helper the page lacks).
      ({ pattern, seen, found, id }) => {
        const regex = pattern.flags === null ? null : new RegExp(pattern.source, pattern.flags);
        for (const card of Array.from(document.querySelectorAll<HTMLElement>('.ac-adaptiveCard'))) {
          const content = card.innerText;
          if (card.getAttribute(seen) === content) continue;
          if (regex ? !regex.test(content) : !content.includes(pattern.source)) continue;
          card.setAttribute(found, id);
          return true;
        }
        return false;
      },
      { pattern, seen: SEEN, found: FOUND, id },
      { timeout, polling: 100 },
    );
    return this.page.locator(`.ac-adaptiveCard[${FOUND}="${id}"]`);
  }

  /** Waits for any visible text, e.g. a plain reply or the banner an invoke answer shows. */
  async waitForText(text: string | RegExp, timeout = REPLY_TIMEOUT_MS): Promise<Locator> {
    const found = this.page.getByText(text).first();
    await found.waitFor({ timeout });
    return found;
  }

  /** Clicks a button on a card by its title (arrows around it aside), e.g. Next, Details, Restore, Ask for approval. */
  async clickButton(card: Locator, name: string): Promise<void> {
    await this.markSeen();
    await card.getByRole('button', { name: buttonTitle(name) }).first().click();
  }

  /** One row of a list card: the innermost part of the card holding both this text and a button. */
  row(card: Locator, text: string, button = 'Details'): Locator {
    return card.locator('.ac-container').filter({ hasText: text, has: this.page.getByRole('button', { name: buttonTitle(button) }) }).last();
  }

  /** Types into a card's text input, found by its placeholder. */
  async fill(card: Locator, placeholder: string | RegExp, value: string): Promise<void> {
    await card.getByPlaceholder(placeholder).fill(value);
  }

  /** The words on a card, as a person reads them. */
  async textOf(card: Locator): Promise<string> {
    return (await card.innerText()).replace(/\n{2,}/g, '\n');
  }

  /** Every button title on a card, without decorations such as "Next ▶". */
  async buttonsOf(card: Locator): Promise<string[]> {
    return (await card.getByRole('button').allInnerTexts()).map((t) => t.replace(ARROWS, '').trim()).filter(Boolean);
  }

  /**
   * Clicks an Action.Execute button as another member of the conversation: the invoke
   * Teams would send, through the playground's custom-activity API.
   */
  async clickAs(user: MockUser, where: CardAddress, verb: string, data: Record<string, unknown>): Promise<void> {
    await this.markSeen();
    const invokesLogged = await this.logEntries('invoke').count();
    const config = await this.testConfig();
    const response = await fetch(`${this.baseUrl}/_internal/v1/customActivities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        channelId: 'msteams',
        serviceUrl: `${this.baseUrl}/_connector`,
        timestamp: new Date().toISOString(),
        from: user,
        recipient: config.bot,
        conversation: where.conversation,
        replyToId: where.replyToId,
        channelData: { tenant: { id: config.tenantId } },
        value: { action: { type: 'Action.Execute', verb, data } },
      }),
    });
    if (!response.ok) throw new Error(`the playground refused the custom activity: ${response.status} ${await response.text()}`);
    // The playground answers at once and logs the invoke when the bot has answered it.
    await this.logEntries('invoke').nth(invokesLogged).waitFor();
  }

  /** The playground's log panel entries of one activity type, oldest first ("invoke 200", "message 201", …). */
  private logEntries(type: string): Locator {
    return this.page.getByText(new RegExp(`^${type} \\d{3}$`));
  }

  /** The playground's configuration: tenant, bot and mock users with their ids. */
  async testConfig(): Promise<{ tenantId: string; bot: { id: string; name: string }; currentUser: MockUser; users: MockUser[] }> {
    const response = await fetch(`${this.baseUrl}/_internal/v1/testConfig`);
    return ((await response.json()) as { config: any }).config;
  }

  /** A mock user by display name ("Megan Bowen"), with the ids the playground gives them. */
  async user(name: string): Promise<MockUser> {
    const config = await this.testConfig();
    const found = [config.currentUser, ...config.users].find((u) => u.name === name);
    if (!found) throw new Error(`no mock user "${name}" in the playground configuration`);
    return { id: found.id, name: found.name, aadObjectId: found.aadObjectId };
  }

  /**
   * Opens the newest entry of this kind in the playground's log panel (e.g. "invoke") and
   * shows the bot's answer: how a developer sees an invoke result meant for another user.
   */
  async openLatestLogResponse(type: string, expected: string | RegExp): Promise<Locator> {
    await this.logEntries(type).last().click();
    await this.page.getByRole('tab', { name: 'Response' }).click();
    return this.waitForText(expected);
  }

  /** Saves a screenshot NN-name.png, scrolled so that `focus` (a card) is in view. */
  async screenshot(name: string, focus?: Locator): Promise<string> {
    // A card redrawn since it was found is simply not scrolled to.
    if (focus && (await focus.count()) > 0) await focus.scrollIntoViewIfNeeded();
    this.step += 1;
    const file = join(this.screenshotDir, `${String(this.step).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Notes what every card on the page says now, so waitForCard finds only what the next action brings. */
  private async markSeen(): Promise<void> {
    await this.page.evaluate((attribute) => {
      for (const card of Array.from(document.querySelectorAll<HTMLElement>('.ac-adaptiveCard'))) card.setAttribute(attribute, card.innerText);
    }, SEEN);
  }
}
