import type { Task, TaskState, TokenInfo } from '../../types.js';

/** A row as better-sqlite3 returns it; typed at the boundary by the functions below. */
export type Row = Record<string, any>;

/** Public task ids are `<jobId>.<index>`; lease ids are `<task rowid>.<token>`. */
export function taskIdOf(jobId: string, idx: number): string {
  return `${jobId}.${idx}`;
}
export function splitTaskId(taskId: string): [string, number] | null {
  const dot = taskId.lastIndexOf('.');
  const idx = Number(taskId.slice(dot + 1));
  if (dot <= 0 || !Number.isInteger(idx) || idx < 0) return null;
  return [taskId.slice(0, dot), idx];
}
export function splitLeaseId(leaseId: string): [number, string] | null {
  const dot = leaseId.indexOf('.');
  const id = Number(leaseId.slice(0, dot));
  if (dot <= 0 || !Number.isSafeInteger(id)) return null;
  return [id, leaseId.slice(dot + 1)];
}

export function byClaimOrder(a: Row, b: Row): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.id - b.id;
}

export function publicState(s: string): TaskState {
  return (s === 'delayed' ? 'queued' : s) as TaskState;
}

export function toTask(r: Row): Task {
  return {
    id: taskIdOf(r.job_id, r.idx),
    jobId: r.job_id,
    index: r.idx,
    kind: r.kind,
    seed: r.seed,
    state: publicState(r.state),
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    priority: r.priority,
    runAt: r.run_at,
    workerId: r.state === 'leased' ? r.worker_id : null,
    leaseExpiresAt: r.state === 'leased' ? r.lease_expires_at : null,
    progress: r.progress == null ? null : JSON.parse(r.progress),
    error: r.error,
    finishedAt: r.finished_at,
  };
}

export function tokenInfo(r: Row): TokenInfo {
  return { id: r.id, name: r.name, scope: r.scope, createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at };
}
