import type { BotStore, SandboxStore } from './botStore.js';
import type { Store } from './store.js';
import { SqliteBotStore } from './sqlite/SqliteBotStore.js';
import { SqliteSandboxStore } from './sqlite/SqliteSandboxStore.js';
import { SqliteStore } from './sqlite/SqliteStore.js';

/** The bot and sandbox stores on the main store's connection (so its adapter decides which). */
export function openBotStores(store: Store): { bots: BotStore; sandbox: SandboxStore } {
  if (!(store instanceof SqliteStore)) {
    throw new Error(`bots need a bot store for the '${store.dialect}' store, which this Roost does not have yet; use the sqlite store`);
  }
  return { bots: new SqliteBotStore(store.core), sandbox: new SqliteSandboxStore(store.core) };
}
