import Database from 'better-sqlite3';
import { migrate } from './migrate.js';
import { ownerOnlyStoreFiles } from './ownerOnly.js';

/**
 * Opens (creating when missing) a store file the way the hub does: WAL, the chosen durability,
 * foreign keys enforced, a wait for locks instead of an error; with its migrations applied. Its files
 * are readable by the owner only.
 */
export function openDatabase(file: string, synchronous: 'normal' | 'full' = 'normal'): Database.Database {
  ownerOnlyStoreFiles(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Savepoint journals in memory, not in a temporary file.
  db.pragma('temp_store = MEMORY');
  // A WAL that grew under a burst is cut back to this once it starts over.
  db.pragma('journal_size_limit = 67108864');
  // 4 MB of page cache, not better-sqlite3's 16: the hot path touches the head of the ready index
  // and the tail of the table, and the OS caches the rest. It kept 12-15 MB more in the hub after a
  // million-job backlog, for no throughput we could measure (docs/benchmarks.md, "Hub memory").
  db.pragma('cache_size = -4000');
  migrate(db);
  return db;
}
