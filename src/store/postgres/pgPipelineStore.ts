import { pipelineStoreOver, type PipelineStore } from '../pipelineStore.js';
import type { PgCore } from './core.js';

/** The pipeline tables on the PostgreSQL store's pool; a write of several rows is one transaction. */
export function pgPipelineStore({ pool }: PgCore): PipelineStore {
  return pipelineStoreOver({
    async write(sql, list) {
      if (list.length === 1) return void (await pool.query(sql, list[0]));
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const a of list) await client.query(sql, a);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    rows: async <R extends object>(sql: string, a: unknown[]) => (await pool.query<R>(sql, a)).rows,
  });
}
