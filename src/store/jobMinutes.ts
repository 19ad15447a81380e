import type { JobMinute } from './store.js';

/**
 * The statements every adapter runs to count jobs per minute by their own times, each with its
 * parameters and what it returns, written in the adapter's parameter style (`param`). The bounds keep
 * each one on an index: the id range of the primary key (ids start with their creation time),
 * jobs_retention (finished_at, spelled with its predicate; an adapter whose planner would rather
 * scan every succeeded job by jobs_by_state, as SQLite's does, names in `ended` a source of the
 * jobs table's rows that holds it to the index) and jobs_by_state.
 */
export const JOB_MINUTE_SQL = ({ param: p, ended = 'jobs' }: { param: (n: number) => string; ended?: string }) => {
  return {
    // (lowest id of the first minute, first minute) -> rows (minute, n): jobs created per minute
    created: `SELECT (created_at / 60000) * 60000 AS minute, count(*) AS n FROM jobs
    WHERE id >= ${p(1)} AND created_at >= ${p(2)} GROUP BY 1`,
    // (first minute) -> rows (minute, n): jobs that ended succeeded, per minute of their end
    succeeded: `SELECT (finished_at / 60000) * 60000 AS minute, count(*) AS n FROM ${ended}
    WHERE (state = 'succeeded' OR state = 'cancelled') AND state = 'succeeded' AND finished_at >= ${p(1)} GROUP BY 1`,
    // (first minute) -> rows (minute, n): jobs that ended failed, per minute of their end
    failed: `SELECT (finished_at / 60000) * 60000 AS minute, count(*) AS n FROM jobs
    WHERE state = 'failed' AND finished_at >= ${p(1)} GROUP BY 1`,
  };
};

/** A row of the statements above: a minute's start (epoch ms) and the jobs counted in it. */
export interface MinuteCountRow {
  minute: number;
  n: number;
}

/** The three counts merged into one entry per minute, oldest first. */
export function toJobMinutes(
  created: MinuteCountRow[],
  succeeded: MinuteCountRow[],
  failed: MinuteCountRow[],
): JobMinute[] {
  const byMinute = new Map<number, JobMinute>();
  const add = (rows: MinuteCountRow[], field: 'created' | 'succeeded' | 'failed') => {
    for (const r of rows) {
      const minute = Number(r.minute);
      let m = byMinute.get(minute);
      if (!m) byMinute.set(minute, (m = { minute, created: 0, succeeded: 0, failed: 0 }));
      m[field] += Number(r.n);
    }
  };
  add(created, 'created');
  add(succeeded, 'succeeded');
  add(failed, 'failed');
  return [...byMinute.values()].sort((a, b) => a.minute - b.minute);
}
