import type { ArchiveRecord, RowValues } from './records.js';
import type { Section } from './sections.js';

/** How a store is named in messages: which dialect and where, never a password. */
export interface StoreName {
  readonly dialect: string;
  /** E.g. `the SQLite store /srv/roost-data/roost.db`. */
  readonly where: string;
}

/**
 * One consistent snapshot of a store, as export reads it: a read transaction on SQLite (WAL lets
 * the hub write meanwhile), a REPEATABLE READ, READ ONLY one on PostgreSQL. Writes nothing.
 */
export interface ArchiveSource extends StoreName {
  readonly schemaVersion: number;
  count(section: Section): Promise<number>;
  /** The section's rows in key order, a page at a time, each row its fields' values in field order. */
  rows(section: Section): AsyncIterable<RowValues[]>;
  /** The highest number each counter of COUNTERS has handed out (see counters.ts). */
  counters(): Promise<Record<string, number>>;
  /** Ends the snapshot and the connection; safe to call twice. */
  close(): Promise<void>;
}

/** A store an archive is imported into, written in one transaction that commits whole or not at all. */
export interface ArchiveTarget extends StoreName {
  /**
   * Records per section table that has any; finds out without creating or migrating anything (a
   * store not migrated yet, or by an older Roost, lacks some tables: they hold nothing).
   */
  contents(): Promise<Array<{ section: string; records: number }>>;
  /** Creates the store if need be, applies its migrations, and opens the import's transaction, holding off other writers. */
  begin(): Promise<void>;
  insert(section: Section, records: ArchiveRecord[]): Promise<void>;
  /** Sets each counter to at least the archived value and the highest number in its column. */
  setCounters(archived: Record<string, number>): Promise<void>;
  commit(): Promise<void>;
  /** Rolls back what is not committed and disconnects; safe to call twice. */
  close(): Promise<void>;
}
