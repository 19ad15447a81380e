import { toLogEntry, type HubLogRow, type LogEntry, type LogQuery, type LogStore } from '../logStore.js';
import type { PgCore } from './core.js';

// ($1 ids, $2 ats, $3 levels, $4 sources, $5 msgs, $6 data as arrays) -> nothing
const INSERT = `INSERT INTO hub_logs (id, at, level, source, msg, data)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[])
  ON CONFLICT (id) DO NOTHING`;
// ($1 since, $2 minLevel, $3 id or null, $4 limit) -> the newest $4 matching rows, oldest first
const LIST = `SELECT * FROM (SELECT * FROM hub_logs WHERE at >= $1 AND level >= $2 AND ($3::text IS NULL OR id = $3)
  ORDER BY at DESC, id DESC LIMIT $4) AS newest ORDER BY at, id`;
// ($1 before) -> rowCount: the rows deleted
const PRUNE = 'DELETE FROM hub_logs WHERE at < $1';

/** The kept log on the pool of the main PostgreSQL store: a batch of lines is one statement. */
export class PgLogStore implements LogStore {
  constructor(private readonly core: PgCore) {}

  async append(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.core.pool.query(INSERT, [
      entries.map((e) => e.id),
      entries.map((e) => e.at),
      entries.map((e) => e.level),
      entries.map((e) => e.source),
      entries.map((e) => e.msg),
      entries.map((e) => (e.data === null ? null : JSON.stringify(e.data))),
    ]);
  }

  async list(q: LogQuery): Promise<LogEntry[]> {
    const { rows } = await this.core.pool.query<HubLogRow>(LIST, [q.since ?? 0, q.minLevel, q.id ?? null, q.limit]);
    return rows.map(toLogEntry);
  }

  async prune(before: number): Promise<number> {
    return (await this.core.pool.query(PRUNE, [before])).rowCount ?? 0;
  }
}
