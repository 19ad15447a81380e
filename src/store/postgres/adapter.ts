import type { StoreAdapter } from '../adapter.js';
import { isPostgresUrl } from './connection.js';

/** A postgres:// URL: one database (or schema) that several hubs share. */
export const pgAdapter: StoreAdapter = {
  name: 'postgres',
  setting: 'a postgres:// URL (postgres://USER@HOST:PORT/DATABASE?schema=NAME)',
  matches: isPostgresUrl,
  async open(settings, options) {
    const { PgStore } = await import('./pgStore.js');
    return PgStore.open(settings.store, options);
  },
  // Notices over LISTEN/NOTIFY and a leader elected by advisory lock, re-checked every reap interval.
  async cluster(settings, log) {
    const { PgCluster } = await import('./pgCluster.js');
    return PgCluster.connect(settings.store, settings.reapIntervalMs, log);
  },
  // The server keeps the store; a database that is not there fails to connect, saying so.
  absent: () => null,
  async archiveSource(settings) {
    const { PgArchiveSource } = await import('./archive.js');
    return PgArchiveSource.open(settings.store);
  },
  async archiveTarget(settings) {
    const { PgArchiveTarget } = await import('./archive.js');
    return PgArchiveTarget.open(settings.store);
  },
};
