-- Roost schema, version 1: jobs and their tasks, tokens, workers, kinds.
-- Times are epoch milliseconds. JSON values are stored as text.

CREATE TABLE jobs (
  id           TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,
  input        TEXT NOT NULL,
  state        TEXT NOT NULL,
  variants     INTEGER NOT NULL,
  priority     INTEGER NOT NULL,
  seed         INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  backoff      TEXT NOT NULL,
  lease_ms     INTEGER NOT NULL,
  requires     TEXT,
  key          TEXT UNIQUE,
  run_at       INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  finished_at  INTEGER
);
CREATE INDEX jobs_by_state ON jobs (state, id);
CREATE INDEX jobs_by_kind ON jobs (kind, id);

-- state: queued (ready), delayed (queued, waiting for run_at), leased, succeeded, dead, cancelled.
CREATE TABLE tasks (
  id               INTEGER PRIMARY KEY,
  job_id           TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
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
  UNIQUE (job_id, idx)
);
-- The claim reads the head of this index for each route a worker serves.
CREATE INDEX tasks_ready ON tasks (route, priority DESC, run_at, id) WHERE state = 'queued';
CREATE INDEX tasks_delayed ON tasks (run_at) WHERE state = 'delayed';
CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE state = 'leased';
CREATE INDEX tasks_dead ON tasks (id) WHERE state = 'dead';
CREATE INDEX tasks_leases_by_worker ON tasks (worker_id) WHERE state = 'leased';

CREATE TABLE tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  scope        TEXT NOT NULL,
  hash         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  revoked_at   INTEGER,
  last_used_at INTEGER
);

CREATE TABLE workers (
  worker_id    TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  capabilities TEXT NOT NULL,
  concurrency  INTEGER NOT NULL,
  version      TEXT NOT NULL,
  first_seen   INTEGER NOT NULL,
  last_seen    INTEGER NOT NULL
);

CREATE TABLE kinds (
  kind       TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL
);
