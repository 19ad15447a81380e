import type { Config } from '../../config.js';
import { sqliteFile } from '../openStore.js';
import { isPostgresUrl } from '../postgres/connection.js';
import type { ArchiveSource, ArchiveTarget } from './archiveStore.js';
import { PgArchiveSource, PgArchiveTarget } from './postgresArchive.js';
import { SqliteArchiveSource, SqliteArchiveTarget } from './sqliteArchive.js';

type StoreConfig = Pick<Config, 'store' | 'dataDir' | 'synchronous'>;

/** The store to export, chosen as the hub chooses it (see openStore): a snapshot of it, read only. */
export async function openArchiveSource(config: StoreConfig): Promise<ArchiveSource> {
  if (isPostgresUrl(config.store)) return PgArchiveSource.open(config.store);
  return new SqliteArchiveSource(sqliteFile(config.dataDir));
}

/** The store to import into, chosen as the hub chooses it; nothing is created until the import begins. */
export async function openArchiveTarget(config: StoreConfig): Promise<ArchiveTarget> {
  if (isPostgresUrl(config.store)) return PgArchiveTarget.open(config.store);
  return new SqliteArchiveTarget(sqliteFile(config.dataDir), config.synchronous);
}
