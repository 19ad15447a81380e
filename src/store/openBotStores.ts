import type { BotStore, SandboxStore } from './botStore.js';
import type { PlatformStore } from './platformStore.js';
import type { Store } from './store.js';

/** The bot and sandbox stores on the main store's connection, so its adapter decides which. */
export function openBotStores(store: Store): { bots: BotStore; sandbox: SandboxStore } {
  return { bots: store.companions.bots(), sandbox: store.companions.sandbox() };
}

/** The platform store (accounts, calls) on the main store's connection. */
export function openPlatformStore(store: Store): PlatformStore {
  return store.companions.platform();
}
