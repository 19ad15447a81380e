import type pg from 'pg';
import { callValues, toAccount, toCall, type AccountRow, type CallRow, type PauseReasonRow } from '../platformRows.js';
import type { CallQuery, PlatformCall, PlatformStore, StoredAccount } from '../platformStore.js';
import type { PgCore } from './core.js';

/** The SQL of the platform store (migration 009). Each constant: its parameters, then what it returns. */
const SQL = {
  // ($1 name, $2 platform, $3 instance, $4 sealed, $5 created_at, $6 updated_at) -> rowCount 0 when the name is taken
  add: `INSERT INTO platform_accounts (name, platform, instance, sealed, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING`,
  // ($1 name) -> the account row
  get: 'SELECT * FROM platform_accounts WHERE name = $1',
  // () -> every account row, by name
  list: 'SELECT * FROM platform_accounts ORDER BY name',
  // ($1 sealed, $2 updated_at, $3 name) -> nothing
  setSealed: 'UPDATE platform_accounts SET sealed = $1, updated_at = $2 WHERE name = $3',
  // ($1 name) -> rowCount 0 when there is no such account
  remove: 'DELETE FROM platform_accounts WHERE name = $1',
  // ($1 at .. $10 error, as callValues orders them) -> nothing
  record: `INSERT INTO platform_calls (at, platform, account, method, status, duration_ms, remaining, wait_ms, attempt, error)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  // ($1 account or null, $2 since, $3 limit) -> call rows, newest first
  calls: `SELECT * FROM platform_calls WHERE ($1::text IS NULL OR account = $1) AND at >= $2
    ORDER BY at DESC, id DESC LIMIT $3`,
  // ($1 before) -> rowCount: the calls deleted
  prune: 'DELETE FROM platform_calls WHERE at < $1',
  // ($1 reason, $2 bot) -> nothing
  setReason: 'UPDATE bots SET paused_reason = $1 WHERE name = $2',
  // () -> { name, paused_reason } of the bots the hub paused
  reasons: 'SELECT name, paused_reason FROM bots WHERE paused_reason IS NOT NULL',
} as const;

/** The platform store on the pool of the main PostgreSQL store; every hub on the schema sees the same accounts. */
export class PgPlatformStore implements PlatformStore {
  constructor(private readonly core: PgCore) {}

  /** One statement; `R` is the shape of its rows, as its header says. */
  private async q<R extends pg.QueryResultRow = Record<string, unknown>>(
    name: keyof typeof SQL,
    values: unknown[] = [],
  ): Promise<{ rows: R[]; rowCount: number }> {
    const r = await this.core.pool.query<R>(SQL[name], values);
    return { rows: r.rows, rowCount: r.rowCount ?? 0 };
  }

  async addAccount(a: StoredAccount): Promise<boolean> {
    const r = await this.q('add', [a.name, a.platform, a.instance, a.sealed, a.createdAt, a.updatedAt]);
    return r.rowCount > 0;
  }

  async getAccount(name: string): Promise<StoredAccount | null> {
    const [r] = (await this.q<AccountRow>('get', [name])).rows;
    return r ? toAccount(r) : null;
  }

  async listAccounts(): Promise<StoredAccount[]> {
    return (await this.q<AccountRow>('list')).rows.map(toAccount);
  }

  async setSealed(name: string, sealed: string, now: number): Promise<void> {
    await this.q('setSealed', [sealed, now, name]);
  }

  async removeAccount(name: string): Promise<boolean> {
    return (await this.q('remove', [name])).rowCount > 0;
  }

  async recordCall(call: PlatformCall): Promise<void> {
    await this.q('record', callValues(call));
  }

  async listCalls(q: CallQuery): Promise<PlatformCall[]> {
    return (await this.q<CallRow>('calls', [q.account ?? null, q.since ?? 0, q.limit])).rows.map(toCall);
  }

  async deleteCallsBefore(at: number): Promise<number> {
    return (await this.q('prune', [at])).rowCount;
  }

  async setPauseReason(bot: string, reason: string | null): Promise<void> {
    await this.q('setReason', [reason, bot]);
  }

  async pauseReasons(): Promise<Map<string, string>> {
    return new Map((await this.q<PauseReasonRow>('reasons')).rows.map((r) => [r.name, r.paused_reason]));
  }
}
