import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { retryDelay } from '../broker/backoff.js';
import type { Config } from '../config.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/SqliteStore.js';

/** Opens the store the config names: `sqlite` (a file in the data directory) for now. */
export function openStore(config: Pick<Config, 'store' | 'dataDir' | 'synchronous'>): Store {
  if (config.store !== 'sqlite') {
    throw new Error(`store '${config.store}' is not supported by this Roost; use 'sqlite' (the default)`);
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return new SqliteStore(join(config.dataDir, 'roost.db'), { retryDelay: (b, a) => retryDelay(b, a), synchronous: config.synchronous });
}
