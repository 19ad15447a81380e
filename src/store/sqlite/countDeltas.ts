import type Database from 'better-sqlite3';

const countSql = {
  // (hot 0 or 1) -> nothing: while 1, the triggers of migration 017 leave the counting to CountDeltas
  gate: 'UPDATE count_gate SET hot = ?',
  // (tbl, kind, state, n) -> nothing: adds n (which may be negative) to a count
  add: `INSERT INTO state_counts (tbl, kind, state, n) VALUES (?, ?, ?, ?)
    ON CONFLICT (tbl, kind, state) DO UPDATE SET n = n + excluded.n`,
} as const;

/** A snapshot of the pending deltas, to go back to when a replayed write fails alone. */
export type DeltaMark = ReadonlyMap<string, number>;

/**
 * The state counts (state_counts) of the hot writes, added up in memory during a transaction
 * and written once before its commit: a claim of 100 tasks is one upsert, not 200 trigger
 * statements. Every other write is counted by the triggers, which skip the rows of hot writes
 * (`TxBatcher.runHot`). The TxBatcher calls `enter()` before each write, `write()` last in the
 * transaction and `reset()` when it rolls one back.
 */
export class CountDeltas {
  private pending = new Map<string, number>();
  private readonly st: { [K in keyof typeof countSql]: Database.Statement };

  constructor(db: Database.Database) {
    this.st = { gate: db.prepare(countSql.gate), add: db.prepare(countSql.add) };
  }

  /**
   * What count_gate.hot holds in the open transaction, as far as this connection knows (null: not
   * known, after a rollback). A run of hot writes, the usual transaction, switches it once.
   */
  private gate: 0 | 1 | null = null;

  /** Before each write: hot writes count what they change here, the others leave it to the triggers. */
  enter(hot: boolean): void {
    const to = hot ? 1 : 0;
    if (this.gate === to) return;
    this.st.gate.run(to);
    this.gate = to;
  }

  /** `n` rows of `tbl` (jobs: kind '') entered `state`. */
  add(tbl: 'jobs' | 'tasks', kind: string, state: string, n = 1): void {
    const key = `${tbl}\u0000${kind}\u0000${state}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + n);
  }

  move(tbl: 'jobs' | 'tasks', kind: string, from: string, to: string, n = 1): void {
    this.add(tbl, kind, from, -n);
    this.add(tbl, kind, to, n);
  }

  mark(): DeltaMark {
    return new Map(this.pending);
  }

  /** Back to a mark (a write rolled back to its savepoint), or to nothing (a whole transaction). */
  reset(mark: DeltaMark = new Map()): void {
    this.pending = new Map(mark);
    this.gate = null;
  }

  /** Writes the pending deltas and turns the gate off; last in the transaction they count. */
  write(): void {
    this.enter(false);
    for (const [key, n] of this.pending) {
      if (n === 0) continue;
      const [tbl, kind, state] = key.split('\u0000');
      this.st.add.run(tbl, kind, state, n);
    }
    this.pending.clear();
  }
}
