// ($1 ids, $2 kinds, $3 inputs, $4 variants, $5 priorities, $6 seeds, $7 max_attempts, $8 backoffs,
//  $9 lease_ms, $10 requires, $11 keys, $12 run_at, $13 created_at, $14 concurrency keys, $15 cache keys,
//  $16 cache since, $17 routes, $18 creating tokens: arrays of one length, an element per job) -> { pos, cached_from, copied }
// of each job created, pos its 1-based place in the arrays (copied: results a cache hit copied); a job
// whose key is taken (also by an earlier job of the batch, or another hub a moment ago) has no row.
// A batch of any size is this one statement, committed on its own. Jobs and tasks are inserted in
// the arrays' order, so task ids and result numbers follow it as if the jobs came one by one.
// A cache hit (the newest job with this identity that ran itself and succeeded since its cache
// since; copies do not count, they would keep an old result fresh forever) is born succeeded with
// the source's results in their order; otherwise one task per variant, seeded seed + idx, delayed
// when run_at is ahead. Hits see only jobs committed before: a twin in the batch has not run yet.
function insertJobs(onConflict: string): string {
  return `WITH i AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::bigint[], $7::int[], $8::text[],
          $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::text[], $16::bigint[], $17::text[],
          $18::text[])
        WITH ORDINALITY AS i(id, kind, input, variants, priority, seed, max_attempts, backoff, lease_ms, requires, key,
          run_at, created_at, concurrency_key, cache_key, cache_since, route, created_by, pos)),
    job AS (
      INSERT INTO jobs (id, kind, input, state, variants, priority, seed, max_attempts, backoff, lease_ms, requires,
        key, run_at, created_at, updated_at, concurrency_key, cache_key, cached_from, finished_at, created_by)
      SELECT id, kind, input, CASE WHEN hit IS NULL THEN 'queued' ELSE 'succeeded' END, variants, priority, seed,
        max_attempts, backoff, lease_ms, requires, key, run_at, created_at, created_at, concurrency_key, cache_key, hit,
        CASE WHEN hit IS NULL THEN NULL ELSE created_at END, created_by
      FROM (SELECT i.*, (SELECT id FROM jobs WHERE i.cache_key IS NOT NULL AND cache_key = i.cache_key AND state = 'succeeded'
            AND finished_at >= i.cache_since AND cached_from IS NULL AND NOT enough ORDER BY finished_at DESC LIMIT 1) AS hit
          FROM i ORDER BY pos) AS c
      ${onConflict}
      RETURNING id, cached_from),
    fresh AS (
      INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms, concurrency_key)
      SELECT id, g, kind, route, priority, seed + g, CASE WHEN run_at > created_at THEN 'delayed' ELSE 'queued' END,
        run_at, max_attempts, lease_ms, concurrency_key
      FROM (SELECT i.*, g FROM job JOIN i ON i.id = job.id CROSS JOIN generate_series(0, i.variants - 1) AS g
        WHERE job.cached_from IS NULL ORDER BY i.pos, g) AS t),
    copied AS (
      INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms,
        output, done_seq, finished_at, concurrency_key)
      SELECT job_id, idx, kind, route, priority, seed, 'succeeded', created_at, max_attempts, lease_ms,
        output, nextval('result_seq'), created_at, concurrency_key
      FROM (SELECT job.id AS job_id, s.idx, s.kind, s.route, s.priority, s.seed, i.created_at, s.max_attempts, s.lease_ms,
          s.output, s.concurrency_key
        -- Per hit, its source's tasks by job id (OFFSET 0 keeps the planner from turning this into a
        -- join that reads every succeeded task): a batch without hits reads no task at all.
        FROM job JOIN i ON i.id = job.id
          CROSS JOIN LATERAL (SELECT * FROM tasks WHERE job_id = job.cached_from AND state = 'succeeded' OFFSET 0) AS s
        WHERE job.cached_from IS NOT NULL
        ORDER BY i.pos, s.done_seq) AS t
      RETURNING job_id)
    SELECT i.pos, job.cached_from, coalesce(c.n, 0)::int AS copied
    FROM job JOIN i ON i.id = job.id LEFT JOIN (SELECT job_id, count(*) AS n FROM copied GROUP BY job_id) AS c ON c.job_id = job.id`;
}

// A statement deleting jobs, made to delete their tasks too and answer { n }, the jobs deleted.
// tasks.job_id has no foreign key (005_lean_indexes.sql), so no cascade does it.
export function withTheirTasks(deleteJobs: string): string {
  return `WITH gone AS (${deleteJobs} RETURNING id),
    their AS (DELETE FROM tasks WHERE job_id IN (SELECT id FROM gone))
    SELECT count(*)::int AS n FROM gone`;
}

/**
 * The PostgreSQL adapter's statements on jobs: created, read, locked, their state recomputed from
 * their tasks, swept. Each carries a header: its parameters and what it returns.
 */
export const jobSql = {
  // The header is insertJobs' above.
  insertJobs: insertJobs('ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING'),
  // insertJobs for a batch in which no job has a key: no conflict to check for (a speculative
  // insert and its confirmation per job, spared).
  insertKeylessJobs: insertJobs(''),
  // ($1 keys) -> the job rows created with these idempotency keys
  jobsByKey: 'SELECT * FROM jobs WHERE key = ANY($1::text[])',
  // ($1 id) -> the job row
  job: 'SELECT * FROM jobs WHERE id = $1',
  // ($1 state or null, $2 kind or null, $3 cursor or null, $4 limit, $5 concurrency key or null,
  //  $6 lowest id or null, $7 id bound or null: a time range as ids, $8 creating token or null) -> job rows,
  //  newest first
  listJobs: `SELECT * FROM jobs WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR kind = $2)
    AND ($3::text IS NULL OR id < $3) AND ($5::text IS NULL OR concurrency_key = $5)
    AND ($6::text IS NULL OR id >= $6) AND ($7::text IS NULL OR id < $7)
    AND ($8::text IS NULL OR created_by = $8) ORDER BY id DESC LIMIT $4`,
  // ($1 job ids) -> { job_id, state, n } per job and internal task state
  taskCounts:
    'SELECT job_id, state, count(*)::int AS n FROM tasks WHERE job_id = ANY($1::text[]) GROUP BY job_id, state',
  // ($1 job ids) -> { id } of those jobs, now locked until commit (in id order, so writers never deadlock
  // on each other's jobs)
  lockJobs: 'SELECT id FROM jobs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
  // ($1 task ids) -> { id } of the jobs of those tasks, now locked until commit, in id order
  lockJobsOfTasks: `SELECT id FROM jobs WHERE id = ANY(ARRAY(SELECT job_id FROM tasks WHERE id = ANY($1::bigint[])))
    ORDER BY id FOR UPDATE`,
  // ($1 job ids, $2 now) -> { id, state } of each job whose state changed: recomputes job states from
  // their tasks. Run after lockJobs, in its own statement, so it sees every commit made before the lock.
  refreshJobs: `UPDATE jobs SET state = agg.s, updated_at = $2,
      finished_at = CASE WHEN agg.s IN ('succeeded', 'failed', 'cancelled') THEN coalesce(jobs.finished_at, $2) END
    FROM (SELECT t.job_id, CASE
        WHEN count(*) FILTER (WHERE t.state = 'dead') > 0 THEN 'failed'
        WHEN count(*) FILTER (WHERE t.state = 'succeeded') = count(*) THEN 'succeeded'
        WHEN count(*) FILTER (WHERE t.state IN ('queued', 'delayed', 'leased')) = 0 THEN
          CASE WHEN bool_or(j.enough) AND count(*) FILTER (WHERE t.state = 'succeeded') > 0 THEN 'succeeded' ELSE 'cancelled' END
        WHEN count(*) FILTER (WHERE t.attempt > 0 OR t.state = 'succeeded') > 0 THEN 'running'
        ELSE 'queued' END AS s
      FROM tasks t JOIN jobs j ON j.id = t.job_id
      WHERE t.job_id = ANY($1::text[]) GROUP BY t.job_id) AS agg
    WHERE jobs.id = agg.job_id AND jobs.state <> agg.s
    RETURNING jobs.id, jobs.state`,
  // ($1 jobId, $2 afterSeq) -> succeeded task rows of the job in completion order
  results: `SELECT idx, seed, output, finished_at, done_seq FROM tasks
    WHERE job_id = $1 AND state = 'succeeded' AND done_seq > $2 ORDER BY done_seq`,
  // ($1 jobId) -> every task row of the job by index
  tasksOfJob: 'SELECT * FROM tasks WHERE job_id = $1 ORDER BY idx',
  // ($1 jobId, $2 idx) -> one task row
  task: 'SELECT * FROM tasks WHERE job_id = $1 AND idx = $2',
  // ($1 now, $2 id) -> nothing: the client has enough results (a finished job stays as it is)
  markEnough: `UPDATE jobs SET enough = true, updated_at = $1 WHERE id = $2 AND state IN ('queued', 'running')`,
  // ($1 before, $2 limit) -> { n } jobs deleted: finished jobs (with their tasks) past retention
  sweep: withTheirTasks(`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ('succeeded', 'cancelled')
    AND finished_at < $1 ORDER BY finished_at LIMIT $2)`),
} as const;
