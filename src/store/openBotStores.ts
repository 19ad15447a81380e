import type { BotStore, SandboxStore } from './botStore.js';
import type { Store } from './store.js';
import { SqliteBotStore } from './sqlite/SqliteBotStore.js';
import { SqliteSandboxStore } from './sqlite/SqliteSandboxStore.js';
import { SqliteStore } from './sqlite/SqliteStore.js';

/**
 * The bot and sandbox stores on the main store's connection (so its adapter decides which), or
 * null where the adapter has none yet (PostgreSQL): that hub serves jobs without bots.
 */
export function openBotStores(store: Store): { bots: BotStore; sandbox: SandboxStore } | null {
  if (!(store instanceof SqliteStore)) return null;
  return { bots: new SqliteBotStore(store.core), sandbox: new SqliteSandboxStore(store.core) };
}
