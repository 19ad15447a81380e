/**
 * The PostgreSQL adapter's statements on the dashboard's per-minute rollups. Each carries a
 * header: its parameters and what it returns.
 */
export const rollupSql = {
  // ($1 minutes, $2 hubs, $3 kinds, $4 jobs created, $5 succeeded, $6 failed, $7 claims, $8 latency
  //  JSON, arrays of one length) -> nothing: one row each, replacing a row with the same key
  writeRollups: `INSERT INTO rollups (minute, hub, kind, jobs_created, jobs_succeeded, jobs_failed, claims, latency)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::text[])
    ON CONFLICT (minute, hub, kind) DO UPDATE SET jobs_created = excluded.jobs_created,
      jobs_succeeded = excluded.jobs_succeeded, jobs_failed = excluded.jobs_failed, claims = excluded.claims,
      latency = excluded.latency`,
  // ($1 since) -> rollup rows of minutes from then on, oldest first
  readRollups: 'SELECT * FROM rollups WHERE minute >= $1 ORDER BY minute, hub, kind',
  // ($1 before) -> rowCount = rows deleted
  pruneRollups: 'DELETE FROM rollups WHERE minute < $1',
} as const;
