import type { JobState } from '../types.js';

/**
 * What one hub tells the other hubs on its store after a commit, so their waiting claims wake and
 * their watchers hear of it. Kept small (PostgreSQL NOTIFY payloads stop at 8000 bytes): results
 * are named by job, and a hub that has watchers for that job reads them from the store.
 */
export interface HubNotice {
  /** Routes that gained ready tasks, or whose concurrency key freed a slot. */
  routes: string[];
  jobs: Array<{ jobId: string; state: JobState }>;
  /** Jobs that gained results. */
  results: string[];
  /** The earliest runAt the commit delayed a task to, so every hub's delay timer knows it. */
  nextRunAt: number | null;
  /** Limit keys that were set or removed. */
  limits: string[];
  /** Notices may have been missed (the connection dropped): read routes, limits and watched jobs afresh. */
  resync?: boolean;
  /** What the hubs tell each other about bots, in the order sent. */
  bots?: BotNotice[];
}

/** Why a bot request failed on the hub that ran it, for the hub that forwarded it. */
export interface RelayedError {
  kind: 'input' | 'not_found' | 'conflict' | 'unavailable' | 'failed';
  message: string;
  field?: string;
  code?: string;
}

/**
 * Only the leader runs bots (src/bots/botRelay.ts): the other hubs forward what must reach them,
 * and the leader tells them which bots run.
 */
export type BotNotice =
  /** The sandbox has a new post: the leader's bots read it now rather than at their next poll. */
  | { type: 'posted' }
  /** A bot's record changed (created, paused, resumed, destroyed): the leader starts or stops it, then answers. */
  | { type: 'sync'; id: string; bot: string; ready: boolean }
  /** Run the bot's onSchedule now, then answer. */
  | { type: 'run'; id: string; bot: string }
  | { type: 'answer'; id: string; error: RelayedError | null }
  /** A hub wants to know which bots run. */
  | { type: 'hello' }
  /** Sent by the leader (`hub` names it) before the bots it runs: forget what the last one said. */
  | { type: 'leads'; hub: string }
  | { type: 'running'; bot: string; running: boolean };

/**
 * The other hubs sharing this hub's store. With SQLite there are none (`soloCluster`); with
 * PostgreSQL notices travel over LISTEN/NOTIFY and an advisory lock makes one hub the leader,
 * the one that runs the reaper and retention.
 */
export interface Cluster {
  publish(notice: HubNotice): void;
  /** Notices from the other hubs (never this hub's own); the promise settles once it is applied. */
  onNotice(listener: (notice: HubNotice) => Promise<void>): void;
  readonly isLeader: boolean;
  onLeadership(listener: (leader: boolean) => void): void;
  close(): Promise<void>;
}

/** A hub alone on its store: nobody to tell, and always the leader. */
export function soloCluster(): Cluster {
  return {
    publish: () => undefined,
    onNotice: () => undefined,
    isLeader: true,
    onLeadership: () => undefined,
    close: async () => undefined,
  };
}

export function isEmptyNotice(n: HubNotice): boolean {
  return (
    !n.resync &&
    n.routes.length === 0 &&
    n.jobs.length === 0 &&
    n.results.length === 0 &&
    n.nextRunAt === null &&
    n.limits.length === 0 &&
    (n.bots?.length ?? 0) === 0
  );
}
