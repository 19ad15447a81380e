import type { RollupRow } from '../store.js';
import { toRollup } from '../rows.js';
import type { PgCore } from './core.js';

/** The dashboard's per-minute rollups in PostgreSQL: one statement a minute per hub. */
export class PgRollups {
  constructor(private readonly core: PgCore) {}

  async write(rows: RollupRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.core.q('writeRollups', [
      rows.map((r) => r.minute),
      rows.map((r) => r.hub),
      rows.map((r) => r.kind),
      rows.map((r) => r.jobsCreated),
      rows.map((r) => r.jobsSucceeded),
      rows.map((r) => r.jobsFailed),
      rows.map((r) => r.claims),
      rows.map((r) => JSON.stringify(r.latency)),
    ]);
  }

  async read(since: number): Promise<RollupRow[]> {
    return (await this.core.q('readRollups', [since])).rows.map(toRollup);
  }

  async prune(before: number): Promise<number> {
    return (await this.core.q('pruneRollups', [before])).rowCount ?? 0;
  }
}
