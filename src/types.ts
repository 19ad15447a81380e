/**
 * Roost glossary. Code uses only these words.
 *
 * - hub: the server process; owns the store, the HTTP API, the broker.
 * - job: what a client asks for: a `kind`, an `input` (JSON) and options.
 * - task: one claimable unit of a job. A job with `variants: N` has N tasks; task i gets seed `seed + i`.
 * - lease: a worker's time-limited hold on a task, named by a `leaseId` (the fencing token).
 * - attempt: the count of leases a task has had.
 * - result: a task's output; a job's results are its tasks' results in completion order.
 * - worker: a process that pulls tasks; has a `workerId`, a name, capabilities, a concurrency.
 * - capability: a kind a worker handles, with labels; a job's `requires` must be a subset of them.
 * - dead: a task that used up its attempts or failed non-retryably; it can be redriven.
 * - token: a credential with a scope.
 * - concurrency key: a name a job carries (`bot:frank`, `model:gpt2`) that limits apply to.
 * - limit: at most N running tasks and/or N starts per interval for a key, or for each key under a
 *   prefix (`bot:*`).
 * - enough: a client's word that a job has the results it needs; the rest are cancelled.
 * - bot: a module (`defineBot`) the hub runs in its own thread, restarted with backoff when it fails.
 * - schedule: a cron expression with a time zone; runs are computed from it, never from the last run.
 * - feed: a durable append-only stream of items with one cursor per consumer, moved by its acks.
 * - ledger: what a bot has posted, written (key and content hash) before sending, confirmed after.
 * - platform: where bots read and post (the built-in sandbox; real ones later), behind one client
 *   interface.
 * - sandbox: the platform built into the hub: accounts, posts, replies, mentions, asks and likes.
 */

// The vocabulary, by area; importing it from here or from its own file is the same.
export * from './types/jobs.js';
export * from './types/limits.js';
export * from './types/workers.js';
export * from './types/tokens.js';
export * from './types/bots.js';
export * from './types/overview.js';
