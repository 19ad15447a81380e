import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { StoreAdapter } from '../adapter.js';
import { soloCluster } from '../cluster.js';

/** The SQLite store's file in a data directory. */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'roost.db');
}

/** `sqlite`: one file in the data directory, written by one hub. */
export const sqliteAdapter: StoreAdapter = {
  name: 'sqlite',
  setting: "'sqlite'",
  matches: (setting) => setting === 'sqlite',
  async open(settings, options) {
    const { SqliteStore } = await import('./sqliteStore.js');
    mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
    return new SqliteStore(sqliteFile(settings.dataDir), { ...options, synchronous: settings.synchronous });
  },
  // One hub per file: no other hubs.
  cluster: async () => soloCluster(),
  absent: ({ dataDir }) =>
    existsSync(sqliteFile(dataDir)) ? null : `no store in ${resolve(dataDir)} (--data names the directory)`,
  async archiveSource(settings) {
    const { SqliteArchiveSource } = await import('./archive.js');
    return new SqliteArchiveSource(sqliteFile(settings.dataDir));
  },
  async archiveTarget(settings) {
    const { SqliteArchiveTarget } = await import('./archive.js');
    return new SqliteArchiveTarget(sqliteFile(settings.dataDir), settings.synchronous);
  },
};
