import type { ClaimedTask } from '../types.js';

/**
 * What the broker tells whoever counts its work (the hub's Prometheus metrics). Every call is
 * synchronous and cheap; the broker never waits on an observer.
 */
export interface BrokerObserver {
  /** Tasks leased to a worker by this hub. */
  claimed(tasks: ClaimedTask[]): void;
  /** A lease ended with a result or a failure reported by its worker. */
  finished(leaseId: string, outcome: 'succeeded' | 'failed'): void;
  /** A worker's failure put the task back for another attempt. */
  retried(count: number): void;
  /** Leases refused because they were no longer held (expired, given away, cancelled). */
  leasesLost(operation: 'complete' | 'fail' | 'heartbeat' | 'progress', count: number): void;
  /** Leases the reaper took back because their worker stopped heartbeating. */
  reaped(count: number): void;
  /** Jobs that ended failed: one of their tasks died. */
  jobsFailed(count: number): void;
}
