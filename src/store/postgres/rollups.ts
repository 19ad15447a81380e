import { jobIdFloor } from '../../util/ids.js';
import { JOB_MINUTE_SQL, toJobMinutes, type MinuteCountRow } from '../jobMinutes.js';
import type { JobMinute, RollupRow } from '../store.js';
import { toRollup } from '../rows.js';
import type { RollupTableRow } from '../rowTypes.js';
import type { PgCore } from './core.js';

/** The dashboard's per-minute rollups in PostgreSQL: one statement a minute per hub. */
const JOB_MINUTES = JOB_MINUTE_SQL({ param: (n) => `$${n}` });

export class PgRollups {
  constructor(private readonly core: PgCore) {}

  async write(rows: RollupRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.core.q('writeRollups', [
      rows.map((r) => r.minute),
      rows.map((r) => r.hub),
      rows.map((r) => r.kind),
      rows.map((r) => r.jobsCreated),
      rows.map((r) => r.jobsSucceeded),
      rows.map((r) => r.jobsFailed),
      rows.map((r) => r.claims),
      rows.map((r) => JSON.stringify(r.latency)),
    ]);
  }

  async read(since: number): Promise<RollupRow[]> {
    return (await this.core.q<RollupTableRow>('readRollups', [since])).rows.map(toRollup);
  }

  async jobMinutes(since: number): Promise<JobMinute[]> {
    const [created, succeeded, failed] = await Promise.all([
      this.core.pool.query<MinuteCountRow>(JOB_MINUTES.created, [jobIdFloor(since), since]),
      this.core.pool.query<MinuteCountRow>(JOB_MINUTES.succeeded, [since]),
      this.core.pool.query<MinuteCountRow>(JOB_MINUTES.failed, [since]),
    ]);
    return toJobMinutes(created.rows, succeeded.rows, failed.rows);
  }

  async prune(before: number): Promise<number> {
    return (await this.core.q('pruneRollups', [before])).rowCount ?? 0;
  }
}
