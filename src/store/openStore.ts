import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { retryDelay } from '../util/backoff.js';
import type { Config } from '../config.js';
import type { Logger } from 'pino';
import { soloCluster, type Cluster } from './cluster.js';
import { isPostgresUrl } from './postgres/connection.js';
import { PgCluster } from './postgres/PgCluster.js';
import { PostgresStore } from './postgres/PostgresStore.js';
import type { Store, StoreOptions } from './store.js';
import { SqliteStore } from './sqlite/SqliteStore.js';

/** The SQLite store's file in a data directory. */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'roost.db');
}

/**
 * Opens the store the config names: `sqlite` (a file in the data directory) or a postgres:// URL,
 * with its migrations applied.
 */
export async function openStore(
  config: Pick<Config, 'store' | 'dataDir' | 'synchronous'>,
  log?: Logger,
): Promise<Store> {
  const options: StoreOptions = { retryDelay: (b, a) => retryDelay(b, a), log };
  if (isPostgresUrl(config.store)) return PostgresStore.open(config.store, options);
  if (config.store !== 'sqlite')
    throw new Error("the store setting must be 'sqlite' (the default) or a postgres:// URL");
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return new SqliteStore(sqliteFile(config.dataDir), { ...options, synchronous: config.synchronous });
}

/**
 * The other hubs on the same store: none with SQLite (one hub per file); with PostgreSQL, notices
 * over LISTEN/NOTIFY and a leader elected by advisory lock, re-checked every reap interval.
 */
export async function openCluster(config: Pick<Config, 'store' | 'reapIntervalMs'>, log: Logger): Promise<Cluster> {
  if (!isPostgresUrl(config.store)) return soloCluster();
  return PgCluster.connect(config.store, config.reapIntervalMs, log);
}
