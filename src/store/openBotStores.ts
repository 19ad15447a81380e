import type { BotStore, SandboxStore } from './botStore.js';
import type { PlatformStore } from './platformStore.js';
import { PgPlatformStore } from './postgres/PgPlatformStore.js';
import { SqlitePlatformStore } from './sqlite/SqlitePlatformStore.js';
import { PgBotStore } from './postgres/PgBotStore.js';
import { PgSandboxStore } from './postgres/PgSandboxStore.js';
import { PostgresStore } from './postgres/PostgresStore.js';
import type { Store } from './store.js';
import { SqliteBotStore } from './sqlite/SqliteBotStore.js';
import { SqliteSandboxStore } from './sqlite/SqliteSandboxStore.js';
import { SqliteStore } from './sqlite/SqliteStore.js';

/** The bot and sandbox stores on the main store's connection, so its adapter decides which. */
export function openBotStores(store: Store): { bots: BotStore; sandbox: SandboxStore } {
  if (store instanceof SqliteStore)
    return { bots: new SqliteBotStore(store.core), sandbox: new SqliteSandboxStore(store.core) };
  if (store instanceof PostgresStore)
    return { bots: new PgBotStore(store.core), sandbox: new PgSandboxStore(store.core) };
  throw new Error(`no bot store for a ${store.dialect} store`);
}

/** The platform store (accounts, calls) on the main store's connection. */
export function openPlatformStore(store: Store): PlatformStore {
  if (store instanceof SqliteStore) return new SqlitePlatformStore(store.core);
  if (store instanceof PostgresStore) return new PgPlatformStore(store.core);
  throw new Error(`no platform store for a ${store.dialect} store`);
}
