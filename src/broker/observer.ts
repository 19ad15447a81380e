import type { ClaimedTask } from '../types/workers.js';

/**
 * What the broker tells whoever counts its work (the hub's Prometheus metrics, the dashboard's
 * rollups). Every call is synchronous and cheap; the broker never waits on an observer.
 */
export interface BrokerObserver {
  /** Tasks leased to a worker by this hub, at `now`. */
  claimed(tasks: ClaimedTask[], now: number): void;
  /** A lease ended with a result or a failure reported by its worker. */
  finished(leaseId: string, outcome: 'succeeded' | 'failed'): void;
  /** A worker's failure put the task back for another attempt. */
  retried(count: number): void;
  /** Leases refused because they were no longer held (expired, given away, cancelled). */
  leasesLost(operation: 'complete' | 'fail' | 'heartbeat' | 'progress', count: number): void;
  /** Leases the reaper took back because their worker stopped heartbeating. */
  reaped(count: number): void;
  /** Jobs submitted here that were created (not found by their idempotency key). */
  jobsCreated(count: number): void;
  /** Jobs that ended: succeeded (all tasks, enough, or a cache hit), or failed (a task died). */
  jobsEnded(state: 'succeeded' | 'failed', count: number): void;
}

/** One observer that tells each of several. */
export function observeAll(...observers: BrokerObserver[]): BrokerObserver {
  return {
    claimed: (tasks, now) => observers.forEach((o) => o.claimed(tasks, now)),
    finished: (leaseId, outcome) => observers.forEach((o) => o.finished(leaseId, outcome)),
    retried: (count) => observers.forEach((o) => o.retried(count)),
    leasesLost: (operation, count) => observers.forEach((o) => o.leasesLost(operation, count)),
    reaped: (count) => observers.forEach((o) => o.reaped(count)),
    jobsCreated: (count) => observers.forEach((o) => o.jobsCreated(count)),
    jobsEnded: (state, count) => observers.forEach((o) => o.jobsEnded(state, count)),
  };
}
