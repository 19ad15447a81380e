import type Database from 'better-sqlite3';

/**
 * The state counts (migration 008) that the triggers leave to the writes that make them (migration
 * 017): the rows a creation inserts; a claim's queued -> leased and a completion's leased ->
 * succeeded for tasks, queued -> running -> succeeded for single-variant jobs. A write adds its rows
 * here and writes the sums at its end, in its own transaction: a few statements a batch, not two to
 * four a row (the triggers were a quarter of the store's time per job: docs/benchmarks.md).
 */
export class CountDeltas {
  private readonly deltas = new Map<string, { tbl: string; kind: string; state: string; n: number }>();

  /** `addCount` (leaseSql): adds n to a count, making its row when missing. */
  constructor(private readonly addCount: Database.Statement) {}

  /** One row of `tbl` (jobs count with kind '') moved from one state to another. */
  move(tbl: 'tasks' | 'jobs', kind: string, from: string, to: string): void {
    this.add(tbl, kind, from, -1);
    this.add(tbl, kind, to, 1);
  }

  /** n rows of `tbl` added in `state` (or removed, n < 0). */
  add(tbl: 'tasks' | 'jobs', kind: string, state: string, n: number): void {
    const key = `${tbl}\0${kind}\0${state}`;
    const d = this.deltas.get(key);
    if (d) d.n += n;
    else this.deltas.set(key, { tbl, kind, state, n });
  }

  /** Writes the sums; call inside the transaction of the writes that moved the rows. */
  write(): void {
    for (const d of this.deltas.values()) if (d.n !== 0) this.addCount.run(d.tbl, d.kind, d.state, d.n);
    this.deltas.clear();
  }
}
