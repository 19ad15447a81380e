/**
 * Numbers a store hands out, carried in the manifest so that after an import new tasks, results,
 * log lines and posts are numbered after the old ones: each is set to at least its archived value
 * and the highest one in the data. `sequence` names the PostgreSQL sequence when the column does
 * not own one (results are numbered from `result_seq` on every hub of a database; SQLite counts
 * them in the hub from the highest done_seq).
 */
export interface Counter {
  section: string;
  field: string;
  sequence?: string;
}

export const COUNTERS: readonly Counter[] = [
  { section: 'tasks', field: 'id' },
  { section: 'tasks', field: 'done_seq', sequence: 'result_seq' },
  { section: 'bot_logs', field: 'id' },
  { section: 'sandbox_posts', field: 'id' },
];

export function counterName(c: Counter): string {
  return `${c.section}.${c.field}`;
}
