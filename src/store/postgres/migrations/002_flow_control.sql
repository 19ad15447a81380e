-- Flow control: per-key concurrency and rate limits, early stop, result cache, retention.

ALTER TABLE jobs ADD COLUMN concurrency_key text;
-- True once a client said it has enough results: the job ends succeeded when nothing is left running.
ALTER TABLE jobs ADD COLUMN enough boolean NOT NULL DEFAULT false;
-- Identity of kind, input, seed, variants and requires, for jobs submitted with cache.
ALTER TABLE jobs ADD COLUMN cache_key text;
-- The job whose results a cache hit copied.
ALTER TABLE jobs ADD COLUMN cached_from text;
CREATE INDEX jobs_cache ON jobs (cache_key, finished_at) WHERE state = 'succeeded';
-- Retention deletes finished jobs (not failed ones: they hold dead tasks) oldest first.
CREATE INDEX jobs_retention ON jobs (finished_at) WHERE state IN ('succeeded', 'cancelled');

ALTER TABLE tasks ADD COLUMN concurrency_key text;
CREATE INDEX tasks_running_by_key ON tasks (concurrency_key) WHERE state = 'leased';
CREATE INDEX tasks_by_key ON tasks (concurrency_key) WHERE state IN ('queued', 'delayed', 'leased');

-- key: an exact concurrency key, or a prefix ending in '*' that applies to each key it matches.
CREATE TABLE limits (
  key              text PRIMARY KEY,
  concurrency      integer,
  rate_count       integer,
  rate_interval_ms bigint,
  updated_at       bigint NOT NULL
);

-- Token buckets of rate-limited keys: tokens left as of updated_at.
CREATE TABLE rate_buckets (
  key        text PRIMARY KEY,
  tokens     double precision NOT NULL,
  updated_at bigint NOT NULL
);
