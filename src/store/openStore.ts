import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { retryDelay } from '../util/backoff.js';
import type { StoreSettings } from './adapter.js';
import type { Cluster } from './cluster.js';
import { storeAdapter } from './registry.js';
import type { Store } from './store.js';

/** Opens the store the config names (see registry.ts for the adapters), with its migrations applied. */
export async function openStore(config: StoreSettings, log?: Logger): Promise<Store> {
  return storeAdapter(config.store).open(config, { retryDelay: (b, a) => retryDelay(b, a), log });
}

/** The other hubs on the same store (none where one hub holds it, as with SQLite). */
export async function openCluster(config: Pick<Config, 'store' | 'reapIntervalMs'>, log: Logger): Promise<Cluster> {
  return storeAdapter(config.store).cluster(config, log);
}
