import type { StoreStats } from '../store.js';
import { toStats } from '../rows.js';
import type { KindCountRow } from '../rowTypes.js';
import type { PgCore } from './core.js';

/** How often each hub folds the appended count deltas into state_counts (migration 007). */
const FOLD_MS = 5_000;

const SQL = {
  // () -> rows (tbl 'tasks' | 'jobs', kind, state, n): the counts, with the deltas not folded yet
  read: `SELECT tbl, kind, state, sum(n)::bigint AS n
    FROM (SELECT tbl, kind, state, n FROM state_counts UNION ALL SELECT tbl, kind, state, n FROM state_count_deltas) AS c
    GROUP BY tbl, kind, state HAVING sum(n) > 0`,
  // () -> nothing: moves the deltas into state_counts in one statement (atomic for readers)
  fold: `WITH d AS (DELETE FROM state_count_deltas RETURNING tbl, kind, state, n)
    INSERT INTO state_counts (tbl, kind, state, n) SELECT tbl, kind, state, sum(n) FROM d GROUP BY tbl, kind, state
    ON CONFLICT (tbl, kind, state) DO UPDATE SET n = state_counts.n + excluded.n`,
};

/**
 * Tasks per kind and state and jobs per state, as triggers keep them (migration 007): a read costs
 * a few rows however many tasks are stored, and is right across hubs because the counts live in
 * the store. A fold that fails (another hub folding the same rows) is left to the next.
 */
export class PgCounts {
  private readonly timer: NodeJS.Timeout;
  private folding = false;

  constructor(private readonly core: PgCore) {
    this.timer = setInterval(() => void this.fold(), FOLD_MS);
    this.timer.unref();
  }

  async read(): Promise<StoreStats> {
    const { rows } = await this.core.pool.query<KindCountRow & { tbl: 'tasks' | 'jobs' }>(SQL.read);
    return toStats(
      rows.filter((r) => r.tbl === 'tasks'),
      rows.filter((r) => r.tbl === 'jobs'),
    );
  }

  async fold(): Promise<void> {
    if (this.folding) return;
    this.folding = true;
    try {
      await this.core.pool.query(SQL.fold);
    } catch {
      // Another hub folded the same rows first, or the store is unreachable: the next fold catches up.
    } finally {
      this.folding = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
