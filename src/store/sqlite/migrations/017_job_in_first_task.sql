-- One row per single-variant job (issue 15; docs/architecture.md, "The SQLite layout"). A job's
-- columns move into the row of its first task (idx 0), and `jobs` becomes a view of those rows, so
-- creating, leasing and completing a single-variant job writes one row three times instead of two
-- rows six times. Tasks beyond the first keep their job columns NULL. The columns a job and its
-- first task share keep one value: kind, priority, seed, max_attempts, lease_ms, concurrency_key
-- (a task takes them from its job); the job's own state, run_at and finished_at are job_state,
-- job_run_at and job_finished_at.

DROP TRIGGER tasks_counted_insert;
DROP TRIGGER tasks_counted_update;
DROP TRIGGER tasks_counted_delete;
DROP TRIGGER jobs_counted_insert;
DROP TRIGGER jobs_counted_update;
DROP TRIGGER jobs_counted_delete;
DROP INDEX jobs_by_state;
DROP INDEX jobs_by_kind;
DROP INDEX jobs_cache;
DROP INDEX jobs_retention;
DROP INDEX jobs_by_creator;
DROP INDEX tasks_ready;
DROP INDEX tasks_delayed;
DROP INDEX tasks_leased;
DROP INDEX tasks_dead;
DROP INDEX tasks_running_by_key;
DROP INDEX tasks_by_key;
DROP INDEX tasks_staged;
ALTER TABLE tasks RENAME TO tasks_before_017;

CREATE TABLE tasks (
  id               INTEGER PRIMARY KEY,
  job_id           TEXT NOT NULL,
  idx              INTEGER NOT NULL,
  kind             TEXT NOT NULL,
  route            TEXT NOT NULL,
  priority         INTEGER NOT NULL,
  seed             INTEGER NOT NULL,
  state            TEXT NOT NULL,
  run_at           INTEGER NOT NULL,
  attempt          INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  lease_ms         INTEGER NOT NULL,
  lease_token      TEXT,
  lease_expires_at INTEGER,
  worker_id        TEXT,
  output           TEXT,
  progress         TEXT,
  error            TEXT,
  done_seq         INTEGER,
  finished_at      INTEGER,
  concurrency_key  TEXT,
  lease_owner      TEXT,
  -- The job's own columns, on its first task's row only.
  input            TEXT,
  job_state        TEXT,
  variants         INTEGER,
  backoff          TEXT,
  requires         TEXT,
  key              TEXT,
  job_run_at       INTEGER,
  created_at       INTEGER,
  updated_at       INTEGER,
  job_finished_at  INTEGER,
  enough           INTEGER,
  cache_key        TEXT,
  cached_from      TEXT,
  created_by       TEXT,
  UNIQUE (job_id, idx)
);

INSERT INTO tasks
  SELECT t.id, t.job_id, t.idx, t.kind, t.route, t.priority, t.seed, t.state, t.run_at, t.attempt, t.max_attempts,
    t.lease_ms, t.lease_token, t.lease_expires_at, t.worker_id, t.output, t.progress, t.error, t.done_seq,
    t.finished_at, t.concurrency_key, t.lease_owner,
    j.input, j.state, j.variants, j.backoff, j.requires, j.key, j.run_at, j.created_at, j.updated_at,
    j.finished_at, j.enough, j.cache_key, j.cached_from, j.created_by
  FROM tasks_before_017 t LEFT JOIN jobs j ON t.idx = 0 AND j.id = t.job_id;
-- A job without a first task cannot be made by Roost; should one exist, it is kept, its task cancelled.
INSERT INTO tasks (job_id, idx, kind, route, priority, seed, state, run_at, max_attempts, lease_ms, error,
    finished_at, concurrency_key, input, job_state, variants, backoff, requires, key, job_run_at, created_at,
    updated_at, job_finished_at, enough, cache_key, cached_from, created_by)
  SELECT j.id, 0, j.kind, j.kind, j.priority, j.seed, 'cancelled', j.run_at, j.max_attempts, j.lease_ms,
    'cancelled: the task was missing when the store was upgraded', j.updated_at, j.concurrency_key,
    j.input, j.state, j.variants, j.backoff, j.requires, j.key, j.run_at, j.created_at, j.updated_at,
    j.finished_at, j.enough, j.cache_key, j.cached_from, j.created_by
  FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM tasks_before_017 t WHERE t.job_id = j.id AND t.idx = 0);
DROP TABLE tasks_before_017;
DROP TABLE jobs;

CREATE VIEW jobs AS
  SELECT job_id AS id, kind, input, job_state AS state, variants, priority, seed, max_attempts, backoff, lease_ms,
    requires, key, job_run_at AS run_at, created_at, updated_at, job_finished_at AS finished_at, concurrency_key,
    enough, cache_key, cached_from, created_by
  FROM tasks WHERE idx = 0;

-- The claim reads the head of this index for each route a worker serves.
CREATE INDEX tasks_ready ON tasks (route, priority DESC, run_at, id) WHERE state = 'queued';
CREATE INDEX tasks_delayed ON tasks (run_at) WHERE state = 'delayed';
CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE state = 'leased';
CREATE INDEX tasks_dead ON tasks (id) WHERE state = 'dead';
CREATE INDEX tasks_running_by_key ON tasks (concurrency_key) WHERE state = 'leased' AND concurrency_key IS NOT NULL;
CREATE INDEX tasks_by_key ON tasks (concurrency_key)
  WHERE (state = 'queued' OR state = 'delayed' OR state = 'leased') AND concurrency_key IS NOT NULL;
CREATE INDEX tasks_staged ON tasks (job_id, idx) WHERE state = 'staged';
-- The job indexes, over first tasks only; keys and cache keys only where a job has one.
CREATE UNIQUE INDEX jobs_by_key ON tasks (key) WHERE key IS NOT NULL;
CREATE INDEX jobs_by_state ON tasks (job_state, job_id) WHERE idx = 0;
CREATE INDEX jobs_by_kind ON tasks (kind, job_id) WHERE idx = 0;
CREATE INDEX jobs_cache ON tasks (cache_key, job_finished_at)
  WHERE idx = 0 AND job_state = 'succeeded' AND cache_key IS NOT NULL;
CREATE INDEX jobs_retention ON tasks (job_finished_at)
  WHERE idx = 0 AND (job_state = 'succeeded' OR job_state = 'cancelled');
CREATE INDEX jobs_by_creator ON tasks (created_by, job_id) WHERE idx = 0 AND created_by IS NOT NULL;

-- The counts of migration 008; a job is counted by its first task's row. Inserts are counted by the
-- writes that make them (CountDeltas in the creation, a recount at the end of an import), and so are
-- the hot transitions: a claim's and a completion's for tasks, and for a single-variant job the
-- start and the end its task's claim and completion write into its row. No other statement makes them.
CREATE TRIGGER tasks_counted_update AFTER UPDATE OF state ON tasks
  WHEN old.state <> new.state AND NOT (old.state = 'queued' AND new.state = 'leased')
    AND NOT (old.state = 'leased' AND new.state = 'succeeded') BEGIN
  UPDATE state_counts SET n = n - 1 WHERE tbl = 'tasks' AND kind = old.kind AND state = old.state;
  INSERT INTO state_counts (tbl, kind, state, n) VALUES ('tasks', new.kind, new.state, 1)
    ON CONFLICT (tbl, kind, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER tasks_counted_delete AFTER DELETE ON tasks BEGIN
  UPDATE state_counts SET n = n - 1 WHERE tbl = 'tasks' AND kind = old.kind AND state = old.state;
END;
CREATE TRIGGER jobs_counted_update AFTER UPDATE OF job_state ON tasks
  WHEN old.job_state <> new.job_state AND NOT (new.variants = 1 AND (
    (old.job_state = 'queued' AND new.job_state = 'running') OR (old.job_state = 'running' AND new.job_state = 'succeeded')))
  BEGIN
  UPDATE state_counts SET n = n - 1 WHERE tbl = 'jobs' AND kind = '' AND state = old.job_state;
  INSERT INTO state_counts (tbl, kind, state, n) VALUES ('jobs', '', new.job_state, 1)
    ON CONFLICT (tbl, kind, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jobs_counted_delete AFTER DELETE ON tasks WHEN old.idx = 0 BEGIN
  UPDATE state_counts SET n = n - 1 WHERE tbl = 'jobs' AND kind = '' AND state = old.job_state;
END;

-- Counted afresh: the rows copied above bypassed the triggers (a first task made for a job that had
-- none was never counted).
DELETE FROM state_counts WHERE tbl = 'tasks' OR tbl = 'jobs';
INSERT INTO state_counts (tbl, kind, state, n) SELECT 'tasks', kind, state, count(*) FROM tasks GROUP BY kind, state;
INSERT INTO state_counts (tbl, kind, state, n) SELECT 'jobs', '', job_state, count(*) FROM tasks WHERE idx = 0 GROUP BY job_state;
