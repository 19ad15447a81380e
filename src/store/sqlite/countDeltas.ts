import type Database from 'better-sqlite3';

/**
 * The state counts (migration 008) that the triggers leave to the writes that make them (migration
 * 017): the rows a creation inserts; a claim's queued -> leased and a completion's leased ->
 * succeeded for tasks, queued -> running -> succeeded for single-variant jobs. A write adds its rows
 * here and writes the sums at its end, in its own transaction: a few statements a batch, not two to
 * four a row (the triggers were a quarter of the store's time per job: docs/benchmarks.md).
 */
export class CountDeltas {
  /** tbl -> kind -> state -> n: nested, so that counting a row builds no key string. */
  private readonly deltas = {
    tasks: new Map<string, Map<string, number>>(),
    jobs: new Map<string, Map<string, number>>(),
  };

  /** `addCount` (leaseSql): adds n to a count, making its row when missing. */
  constructor(private readonly addCount: Database.Statement) {}

  /** One row of `tbl` (jobs count with kind '') moved from one state to another. */
  move(tbl: 'tasks' | 'jobs', kind: string, from: string, to: string): void {
    const byState = this.of(tbl, kind);
    byState.set(from, (byState.get(from) ?? 0) - 1);
    byState.set(to, (byState.get(to) ?? 0) + 1);
  }

  /** n rows of `tbl` added in `state` (or removed, n < 0). */
  add(tbl: 'tasks' | 'jobs', kind: string, state: string, n: number): void {
    const byState = this.of(tbl, kind);
    byState.set(state, (byState.get(state) ?? 0) + n);
  }

  /** Writes the sums; call inside the transaction of the writes that moved the rows. */
  write(): void {
    for (const tbl of ['tasks', 'jobs'] as const) {
      for (const [kind, byState] of this.deltas[tbl])
        for (const [state, n] of byState) if (n !== 0) this.addCount.run(tbl, kind, state, n);
      this.deltas[tbl].clear();
    }
  }

  private of(tbl: 'tasks' | 'jobs', kind: string): Map<string, number> {
    const byKind = this.deltas[tbl];
    let byState = byKind.get(kind);
    if (!byState) byKind.set(kind, (byState = new Map<string, number>()));
    return byState;
  }
}
