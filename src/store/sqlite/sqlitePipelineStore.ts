import { pipelineStoreOver, type PipelineStore } from '../pipelineStore.js';
import type { SqliteCore } from './core.js';
import { named, prepareDollar } from './dollarParams.js';

/** The pipeline tables on the SQLite store's connection; writes join its batched transactions. */
export function sqlitePipelineStore({ db, batch }: SqliteCore): PipelineStore {
  const prepared = new Map<string, ReturnType<typeof prepareDollar>>();
  const stmt = (sql: string) => {
    let s = prepared.get(sql);
    if (!s) prepared.set(sql, (s = prepareDollar(db, sql)));
    return s;
  };
  // SQLite has no booleans: a step's `reused` is 0 or 1.
  const args = (a: unknown[]) => named(a.map((v) => (typeof v === 'boolean' ? Number(v) : v)));
  return pipelineStoreOver({
    write: (sql, list) => batch.run(() => list.forEach((a) => stmt(sql).run(args(a)))),
    rows: async <R>(sql: string, a: unknown[]) => stmt(sql).all(args(a)) as R[],
  });
}
