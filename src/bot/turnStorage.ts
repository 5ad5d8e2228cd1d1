import type { Storage, StoreItems } from 'botbuilder';
import type { StateStore } from '../store';

/**
 * teams-ai turn state kept in the bot's own state store (under `turns/`), so it shares the
 * store's account, eTag rules, timeouts and "state store unavailable" errors.
 */
export class TurnStateStorage implements Storage {
  constructor(private readonly store: StateStore) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    await Promise.all(
      keys.map(async (key) => {
        const record = await this.store.get<Record<string, unknown>>(turnKey(key));
        if (record) items[key] = { ...record.value, eTag: record.etag };
      }),
    );
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await Promise.all(
      Object.entries(changes).map(async ([key, item]) => {
        const { eTag, ...value } = (item ?? {}) as Record<string, unknown> & { eTag?: string };
        const condition = eTag && eTag !== '*' ? { ifMatch: eTag } : undefined;
        await this.store.put(turnKey(key), value, condition);
      }),
    );
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.store.delete(turnKey(key))));
  }
}

const turnKey = (key: string) => `turns/${key}`;
