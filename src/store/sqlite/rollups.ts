import { jobIdFloor } from '../../util/ids.js';
import { JOB_MINUTE_SQL, toJobMinutes, type MinuteCountRow } from '../jobMinutes.js';
import type { JobMinute, RollupRow } from '../store.js';
import { toRollup } from '../rows.js';
import type { RollupTableRow } from '../rowTypes.js';
import type { SqliteCore } from './core.js';
import { prepareAll } from './prepareAll.js';

const SQL = {
  // (:minute, :hub, :kind, :jobsCreated, :jobsSucceeded, :jobsFailed, :claims, :latency JSON) -> nothing
  write: `INSERT OR REPLACE INTO rollups (minute, hub, kind, jobs_created, jobs_succeeded, jobs_failed, claims, latency)
    VALUES (:minute, :hub, :kind, :jobsCreated, :jobsSucceeded, :jobsFailed, :claims, :latency)`,
  // (since) -> rollup rows of minutes from then on, oldest first
  read: 'SELECT * FROM rollups WHERE minute >= ? ORDER BY minute, hub, kind',
  // (before) -> nothing; changes = rows deleted
  prune: 'DELETE FROM rollups WHERE minute < ?',
  // The jobs view cannot name an index, so the ended jobs are read from their rows (migration 017).
  ...JOB_MINUTE_SQL({
    param: () => '?',
    ended: `(SELECT job_state AS state, job_finished_at AS finished_at FROM tasks INDEXED BY jobs_retention
      WHERE idx = 0 AND (job_state = 'succeeded' OR job_state = 'cancelled'))`,
  }),
};

/** The dashboard's per-minute rollups in the SQLite store: a few rows a minute, in one batched write. */
export class SqliteRollups {
  private readonly st;

  constructor(private readonly core: SqliteCore) {
    this.st = prepareAll(core.db, SQL);
  }

  write(rows: RollupRow[]): Promise<void> {
    return this.core.batch.run(() => {
      for (const r of rows) this.st.write.run({ ...r, latency: JSON.stringify(r.latency) });
    });
  }

  async read(since: number): Promise<RollupRow[]> {
    return (this.st.read.all(since) as RollupTableRow[]).map(toRollup);
  }

  async jobMinutes(since: number): Promise<JobMinute[]> {
    return toJobMinutes(
      this.st.created.all(jobIdFloor(since), since) as MinuteCountRow[],
      this.st.succeeded.all(since) as MinuteCountRow[],
      this.st.failed.all(since) as MinuteCountRow[],
    );
  }

  prune(before: number): Promise<number> {
    return this.core.batch.run(() => this.st.prune.run(before).changes);
  }
}
