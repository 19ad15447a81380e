-- Fewer index writes per task: most tasks carry no concurrency key, so the key indexes leave them
-- out, and the leases per worker are counted from tasks_leased instead of an index of their own.

DROP INDEX tasks_running_by_key;
CREATE INDEX tasks_running_by_key ON tasks (concurrency_key) WHERE state = 'leased' AND concurrency_key IS NOT NULL;
DROP INDEX tasks_by_key;
CREATE INDEX tasks_by_key ON tasks (concurrency_key)
  WHERE state IN ('queued', 'delayed', 'leased') AND concurrency_key IS NOT NULL;
DROP INDEX tasks_leases_by_worker;

-- Only jobs submitted with cache are looked up by identity.
DROP INDEX jobs_cache;
CREATE INDEX jobs_cache ON jobs (cache_key, finished_at) WHERE state = 'succeeded' AND cache_key IS NOT NULL;
