-- Roost schema, version 1: jobs and their tasks, tokens, workers, kinds.
-- Times are epoch milliseconds (bigint). JSON values are stored as text, as the hub wrote them:
-- they are never queried inside, and text keeps them byte for byte (jsonb would reorder keys).

CREATE TABLE jobs (
  id           text PRIMARY KEY,
  kind         text NOT NULL,
  input        text NOT NULL,
  state        text NOT NULL,
  variants     integer NOT NULL,
  priority     integer NOT NULL,
  seed         bigint NOT NULL,
  max_attempts integer NOT NULL,
  backoff      text NOT NULL,
  lease_ms     bigint NOT NULL,
  requires     text,
  key          text UNIQUE,
  run_at       bigint NOT NULL,
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL,
  finished_at  bigint
);
CREATE INDEX jobs_by_state ON jobs (state, id);
CREATE INDEX jobs_by_kind ON jobs (kind, id);

-- state: queued (ready), delayed (queued, waiting for run_at), leased, succeeded, dead, cancelled.
CREATE TABLE tasks (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id           text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  idx              integer NOT NULL,
  kind             text NOT NULL,
  route            text NOT NULL,
  priority         integer NOT NULL,
  seed             bigint NOT NULL,
  state            text NOT NULL,
  run_at           bigint NOT NULL,
  attempt          integer NOT NULL DEFAULT 0,
  max_attempts     integer NOT NULL,
  lease_ms         bigint NOT NULL,
  lease_token      text,
  lease_expires_at bigint,
  worker_id        text,
  output           text,
  progress         text,
  error            text,
  done_seq         bigint,
  finished_at      bigint,
  UNIQUE (job_id, idx)
);
-- The claim reads the head of this index for each route a worker serves.
CREATE INDEX tasks_ready ON tasks (route, priority DESC, run_at, id) WHERE state = 'queued';
CREATE INDEX tasks_delayed ON tasks (run_at) WHERE state = 'delayed';
CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE state = 'leased';
CREATE INDEX tasks_dead ON tasks (id) WHERE state = 'dead';
CREATE INDEX tasks_leases_by_worker ON tasks (worker_id) WHERE state = 'leased';

-- Completion order of results across every hub on this database (SQLite counts in the hub).
CREATE SEQUENCE result_seq;

CREATE TABLE tokens (
  id           text PRIMARY KEY,
  name         text NOT NULL,
  scope        text NOT NULL,
  hash         text NOT NULL,
  created_at   bigint NOT NULL,
  revoked_at   bigint,
  last_used_at bigint
);

CREATE TABLE workers (
  worker_id    text PRIMARY KEY,
  name         text NOT NULL,
  capabilities text NOT NULL,
  concurrency  integer NOT NULL,
  version      text NOT NULL,
  first_seen   bigint NOT NULL,
  last_seen    bigint NOT NULL
);

CREATE TABLE kinds (
  kind       text PRIMARY KEY,
  first_seen bigint NOT NULL
);
