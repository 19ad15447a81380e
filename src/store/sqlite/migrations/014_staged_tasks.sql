-- A large batch is created in chunks, each its own transaction, so it never holds the event loop
-- for long (docs/benchmarks.md, "Creating a large batch"). Its jobs and tasks are written in the
-- state 'staged', which no claim, list or count reads; the jobs become visible in one statement
-- and their tasks follow chunk by chunk. At start the hub finishes or removes what a crash left
-- staged, and finds those tasks through this index (empty but for a batch in progress).
CREATE INDEX tasks_staged ON tasks (job_id, idx) WHERE state = 'staged';
