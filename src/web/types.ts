/** What the hub's API returns, as the dashboard reads it (the server's words, from src/types.ts). */
import type { Job, MinutePoint, Scope, Task } from '../types.js';

export type {
  BotLogLine,
  BotRun,
  BotView,
  Job,
  MinutePoint,
  Result,
  SandboxPost,
  Scope,
  Task,
  WorkerView,
} from '../types.js';

export interface SessionInfo {
  tokenId: string;
  scope: Scope;
  csrf: string;
  expiresAt: number;
}

export interface JobView extends Job {
  cached: boolean;
  waitingForWorker: boolean;
  blockedBy: { reason: string; key: string; until: number | null } | null;
}

export interface DeadTask extends Task {
  error: string;
  cursor: string;
}

export interface OverviewSnapshot {
  at: number;
  stats: { tasks: Array<{ kind: string; state: string; count: number }>; jobs: Record<string, number> };
  workersConnected: number;
  waitingClaims: number;
  minutes: MinutePoint[];
  dead: DeadTask[];
}
