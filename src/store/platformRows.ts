import type { BotRow } from './botRows.js';
import type { PlatformCall, StoredAccount } from './platformStore.js';

/** A row of `platform_accounts`. */
export interface AccountRow {
  name: string;
  platform: string;
  instance: string | null;
  sealed: string | null;
  created_at: number;
  updated_at: number;
}

/** A row of `platform_calls`. */
export interface CallRow {
  id: number;
  at: number;
  platform: string;
  account: string;
  method: string;
  status: number;
  duration_ms: number;
  remaining: number | null;
  wait_ms: number;
  attempt: number;
  error: string | null;
}

/** A bot the hub paused, with why (`reasons`). */
export type PauseReasonRow = Pick<BotRow, 'name'> & { paused_reason: string };

/** Rows of both dialects to platform records (PostgreSQL's bigints arrive as numbers; see postgres/core.ts). */
export function toAccount(r: AccountRow): StoredAccount {
  return {
    name: r.name,
    platform: r.platform,
    instance: r.instance ?? null,
    sealed: r.sealed ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toCall(r: CallRow): PlatformCall {
  return {
    id: Number(r.id),
    at: Number(r.at),
    platform: r.platform,
    account: r.account,
    method: r.method,
    status: Number(r.status),
    durationMs: Number(r.duration_ms),
    remaining: r.remaining === null ? null : Number(r.remaining),
    waitMs: Number(r.wait_ms),
    attempt: Number(r.attempt),
    error: r.error ?? null,
  };
}

/** A call's columns in the order of the INSERT statements of both dialects. */
export function callValues(c: PlatformCall): unknown[] {
  return [c.at, c.platform, c.account, c.method, c.status, c.durationMs, c.remaining, c.waitMs, c.attempt, c.error];
}
