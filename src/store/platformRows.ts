import type { Row } from './rows.js';
import type { PlatformCall, StoredAccount } from './platformStore.js';

/** Rows of both dialects to platform records (PostgreSQL's bigints arrive as numbers; see connection.ts). */
export function toAccount(r: Row): StoredAccount {
  return {
    name: r.name,
    platform: r.platform,
    instance: r.instance ?? null,
    sealed: r.sealed ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toCall(r: Row): PlatformCall {
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
