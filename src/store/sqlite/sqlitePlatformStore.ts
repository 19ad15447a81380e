import type Database from 'better-sqlite3';
import { callValues, toAccount, toCall, type AccountRow, type CallRow, type PauseReasonRow } from '../platformRows.js';
import type { CallQuery, PlatformCall, PlatformStore, StoredAccount } from '../platformStore.js';
import type { TxBatcher } from './txBatcher.js';
import type { SqliteCore } from './core.js';
import { prepareAll } from './prepareAll.js';

/** The SQL of the platform store (migration 010). Each constant: its parameters, then what it returns. */
const SQL = {
  // (name, platform, instance, sealed, created_at, updated_at) -> changes 0 when the name is taken
  ADD: `INSERT INTO platform_accounts (name, platform, instance, sealed, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
  // (name) -> the account row
  GET: 'SELECT * FROM platform_accounts WHERE name = ?',
  // () -> every account row, by name
  LIST: 'SELECT * FROM platform_accounts ORDER BY name',
  // (sealed, updated_at, name) -> nothing
  SET_SEALED: 'UPDATE platform_accounts SET sealed = ?, updated_at = ? WHERE name = ?',
  // (name) -> changes 0 when there is no such account
  REMOVE: 'DELETE FROM platform_accounts WHERE name = ?',
  // (at, platform, account, method, status, duration_ms, remaining, wait_ms, attempt, error) -> nothing
  RECORD: `INSERT INTO platform_calls (at, platform, account, method, status, duration_ms, remaining, wait_ms, attempt, error)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // (:account or null, :since, :limit) -> call rows, newest first
  CALLS: `SELECT * FROM platform_calls WHERE (:account IS NULL OR account = :account) AND at >= :since
    ORDER BY at DESC, id DESC LIMIT :limit`,
  // (before) -> changes: the calls deleted
  PRUNE: 'DELETE FROM platform_calls WHERE at < ?',
  // (reason, bot) -> nothing
  SET_REASON: 'UPDATE bots SET paused_reason = ? WHERE name = ?',
  // () -> { name, paused_reason } of the bots the hub paused
  REASONS: 'SELECT name, paused_reason FROM bots WHERE paused_reason IS NOT NULL',
} as const;

/** The platform store on the SQLite connection of the main store: same file, same write batcher. */
export class SqlitePlatformStore implements PlatformStore {
  private readonly st: Record<keyof typeof SQL, Database.Statement>;
  private readonly batch: TxBatcher;

  constructor(core: SqliteCore) {
    this.st = prepareAll(core.db, SQL);
    this.batch = core.batch;
  }

  addAccount(a: StoredAccount): Promise<boolean> {
    return this.batch.run(
      () => this.st.ADD.run(a.name, a.platform, a.instance, a.sealed, a.createdAt, a.updatedAt).changes > 0,
    );
  }

  async getAccount(name: string): Promise<StoredAccount | null> {
    const r = this.st.GET.get(name) as AccountRow | undefined;
    return r ? toAccount(r) : null;
  }

  async listAccounts(): Promise<StoredAccount[]> {
    return (this.st.LIST.all() as AccountRow[]).map(toAccount);
  }

  setSealed(name: string, sealed: string, now: number): Promise<void> {
    return this.batch.run(() => void this.st.SET_SEALED.run(sealed, now, name));
  }

  removeAccount(name: string): Promise<boolean> {
    return this.batch.run(() => this.st.REMOVE.run(name).changes > 0);
  }

  recordCall(call: PlatformCall): Promise<void> {
    return this.batch.run(() => void this.st.RECORD.run(...callValues(call)));
  }

  async listCalls(q: CallQuery): Promise<PlatformCall[]> {
    const rows = this.st.CALLS.all({ account: q.account ?? null, since: q.since ?? 0, limit: q.limit });
    return (rows as CallRow[]).map(toCall);
  }

  deleteCallsBefore(at: number): Promise<number> {
    return this.batch.run(() => this.st.PRUNE.run(at).changes);
  }

  setPauseReason(bot: string, reason: string | null): Promise<void> {
    return this.batch.run(() => void this.st.SET_REASON.run(reason, bot));
  }

  async pauseReasons(): Promise<Map<string, string>> {
    return new Map((this.st.REASONS.all() as PauseReasonRow[]).map((r) => [r.name, r.paused_reason]));
  }
}
