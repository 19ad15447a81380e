/** How big each measurement is, in full and in quick mode, and what every scenario is handed. */

export interface Sizes {
  /** Enqueue: jobs sent one request at a time. */
  enqueueOne: number;
  /** Enqueue: jobs sent with `inFlight` requests outstanding. */
  enqueueParallel: number;
  /** Enqueue: jobs sent in batches of `batchSize`. */
  enqueueBatch: number;
  batchSize: number;
  /** Requests in flight for parallel enqueues, and for the producer of the end-to-end runs. */
  inFlight: number;
  /** The end-to-end producer's batches (jobs per enqueue call) and how many are in flight. */
  producerBatch: number;
  producerBatchesInFlight: number;
  /** Jobs per end-to-end run, and per warm-up run before it. */
  endToEnd: number;
  warmup: number;
  /** Latency probes, sent one at a time at `latencyPerSec`. */
  latencyJobs: number;
  latencyPerSec: number;
  /** Concurrency of each worker process, for every system. */
  workerConcurrency: number;
  /** Tasks enqueued for the store ceiling. */
  ceiling: number;
  /** The backlogs that claim throughput is compared at, and hub RSS read with. */
  backlogSmall: number;
  backlogLarge: number;
  /** Claims timed at each backlog (max 1 each), and how many run at once. */
  claims: number;
  claimsInFlight: number;
  /** Simulated long-polling workers. */
  longPollers: number;
  longPollWaitMs: number;
  /** Requests timed on each path of the front-door rows (after a warm-up of 3). */
  frontDoorRuns: number;
  /** A bound on each scenario. */
  scenarioTimeoutMs: number;
  /** A bound on the whole run; past it the bench cleans up and exits with an error. */
  totalTimeoutMs: number;
}

export const FULL: Sizes = {
  enqueueOne: 3000,
  enqueueParallel: 20_000,
  enqueueBatch: 50_000,
  batchSize: 1000,
  inFlight: 32,
  producerBatch: 100,
  producerBatchesInFlight: 4,
  endToEnd: 20_000,
  warmup: 500,
  latencyJobs: 500,
  frontDoorRuns: 20,
  latencyPerSec: 100,
  workerConcurrency: 100,
  ceiling: 100_000,
  backlogSmall: 10_000,
  backlogLarge: 1_000_000,
  claims: 5000,
  claimsInFlight: 8,
  longPollers: 1000,
  longPollWaitMs: 30_000,
  scenarioTimeoutMs: 300_000,
  totalTimeoutMs: 45 * 60_000,
};

/** Small enough that `npm run bench -- --quick` finishes in under a minute on two cores. */
export const QUICK: Sizes = {
  ...FULL,
  enqueueOne: 50,
  enqueueParallel: 500,
  enqueueBatch: 2000,
  endToEnd: 500,
  warmup: 100,
  latencyJobs: 30,
  frontDoorRuns: 5,
  ceiling: 5000,
  backlogLarge: 100_000,
  claims: 300,
  scenarioTimeoutMs: 20_000,
  totalTimeoutMs: 120_000,
};

export interface Ctx {
  quick: boolean;
  sizes: Sizes;
  /** Where hub processes write CPU profiles (`--profile`), or null. */
  profileDir: string | null;
  /** Progress lines, on stderr. */
  log(line: string): void;
}
