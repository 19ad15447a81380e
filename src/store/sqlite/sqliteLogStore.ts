import type Database from 'better-sqlite3';
import { toLogEntry, type HubLogRow, type LogEntry, type LogQuery, type LogStore } from '../logStore.js';
import type { TxBatcher } from './txBatcher.js';
import type { SqliteCore } from './core.js';

// (:id, :at, :level, :source, :msg, :data) -> nothing
const INSERT = `INSERT INTO hub_logs (id, at, level, source, msg, data)
  VALUES (:id, :at, :level, :source, :msg, :data) ON CONFLICT (id) DO NOTHING`;
// (:since, :minLevel, :id or null, :limit) -> the newest :limit matching rows, oldest first
const LIST = `SELECT * FROM (SELECT * FROM hub_logs WHERE at >= :since AND level >= :minLevel
  AND (:id IS NULL OR id = :id) ORDER BY at DESC, id DESC LIMIT :limit) ORDER BY at, id`;
// (before) -> changes: the rows deleted
const PRUNE = 'DELETE FROM hub_logs WHERE at < ?';

/** The kept log on the SQLite connection; appends ride the store's write batcher. */
export class SqliteLogStore implements LogStore {
  private readonly st: Record<'insert' | 'list' | 'prune', Database.Statement>;
  private readonly batch: TxBatcher;

  constructor(core: SqliteCore) {
    this.st = { insert: core.db.prepare(INSERT), list: core.db.prepare(LIST), prune: core.db.prepare(PRUNE) };
    this.batch = core.batch;
  }

  append(entries: LogEntry[]): Promise<void> {
    return this.batch.run(() => {
      for (const e of entries) this.st.insert.run({ ...e, data: e.data === null ? null : JSON.stringify(e.data) });
    });
  }

  async list(q: LogQuery): Promise<LogEntry[]> {
    const rows = this.st.list.all({
      since: q.since ?? 0,
      minLevel: q.minLevel,
      id: q.id ?? null,
      limit: q.limit,
    }) as HubLogRow[];
    return rows.map(toLogEntry);
  }

  prune(before: number): Promise<number> {
    return this.batch.run(() => this.st.prune.run(before).changes);
  }
}
