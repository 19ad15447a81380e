import type { Labels } from './jobs.js';

// Workers: what they offer, what they are handed, and what their heartbeats hear.

/** What a worker receives for each claimed task. */
export interface ClaimedTask {
  taskId: string;
  leaseId: string;
  jobId: string;
  kind: string;
  index: number;
  seed: number;
  attempt: number;
  input: unknown;
  leaseMs: number;
  leaseExpiresAt: number;
  /** When the task became ready to claim (its runAt): the claim's time minus this is its dispatch latency. */
  readyAt: number;
}

export interface Capability {
  kind: string;
  labels: Labels;
}

export interface WorkerInfo {
  workerId: string;
  name: string;
  capabilities: Capability[];
  concurrency: number;
  version: string;
  firstSeen: number;
  lastSeen: number;
}

/** A worker as `GET /v1/workers` shows it: what it said, and what this hub sees of it. */
export interface WorkerView extends WorkerInfo {
  connected: boolean;
  /** Tasks it holds a lease on. */
  inFlight: number;
  /** Tasks it claimed from this hub in the last 5 and 60 minutes. */
  claimedLast5m: number;
  claimedLastHour: number;
}

/** Why a lease operation was refused: the lease is gone, or the task was cancelled under it. */
export type LeaseRefusal = 'lease_lost' | 'cancelled';

export interface HeartbeatReply {
  extended: string[];
  cancelled: string[];
  lost: string[];
}
