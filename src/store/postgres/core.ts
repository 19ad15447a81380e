import pg from 'pg';
import { InputError } from '../../errors.js';
import type { JobState } from '../../types.js';
import type { Row } from '../rows.js';
import type { Changes, StoreOptions } from '../store.js';
import { botSql } from './botStatements.js';
import { sandboxSql } from './sandboxStatements.js';
import { sql as brokerSql } from './statements.js';

/** Every statement of the adapter by name; the names of the three sets do not overlap. */
const sql = { ...brokerSql, ...botSql, ...sandboxSql };
export type Statement = keyof typeof sql;

/** Runs one named statement; inside `tx`, on the transaction's connection. */
export type Query = (name: Statement, params?: unknown[]) => Promise<pg.QueryResult<Row>>;

/** Deadlock and serialization failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
/** A text PostgreSQL cannot store (U+0000): the caller's input, so a 400 rather than a failure of ours. */
const UNSTORABLE = new Set(['22021', '22P05']);
const MAX_TRIES = 5;

// bigint columns (epoch-ms times, task ids, seeds) as numbers: all of them fit in 2^53.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** What the parts of the PostgreSQL store share: the pool, the transaction runner, job bookkeeping. */
export class PgCore {
  readonly pool: pg.Pool;

  constructor(config: pg.PoolConfig, readonly options: StoreOptions) {
    // Pipelined: a connection sends each query at once rather than after the previous one's reply,
    // so the statements of a transaction whose parameters are known up front travel together (steps).
    this.pool = new pg.Pool({ ...config, types, pipeline: true });
    // A pooled connection the server drops while idle is replaced at the next checkout; without a
    // listener the error would end the process.
    this.pool.on('error', () => {});
    // A connection the server terminates emits 'error' on its client, also while checked out or
    // after it was handed back; unheard, that event would end the hub. The failure still reaches
    // whoever runs a query on it, as a rejected promise.
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** One statement in its own implicit transaction: committed when the promise resolves. */
  q: Query = (name, params = []) => this.retrying(() => this.pool.query({ name, text: sql[name], values: params }));

  /** Runs `fn` in one transaction on one connection; a deadlock or serialization failure runs it again. */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn((name, params = []) => client.query({ name, text: sql[name], values: params }));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }

  /**
   * Runs these statements in one transaction in a single round trip: written to the connection
   * together, run one after the other, each with a fresh snapshot (so one run after a lock sees
   * every commit made before it). The first that fails undoes them all and its error is thrown;
   * a deadlock or serialization failure runs them again.
   */
  steps(...steps: Array<[Statement, unknown[]]>): Promise<Array<pg.QueryResult<Row>>> {
    return this.retrying(async () => {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        const stream = (client as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
        let sent: Array<Promise<pg.QueryResult<Row>>>;
        stream.cork();
        try {
          sent = [client.query('BEGIN'), ...steps.map(([name, values]) => client.query<Row>({ name, text: sql[name], values })), client.query('COMMIT')];
        } finally {
          stream.uncork();
        }
        const settled = await Promise.allSettled(sent);
        // A failure aborts the transaction: the statements after it fail too, and COMMIT rolls back.
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
        return settled.slice(1, -1).map((r) => (r as PromiseFulfilledResult<pg.QueryResult<Row>>).value);
      } catch (error) {
        if (client.getTransactionStatus() !== 'I') await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }

  private async retrying<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (UNSTORABLE.has(code)) throw new InputError('body', 'a text value contains the NUL character (\\u0000), which PostgreSQL cannot store');
        if (attempt >= MAX_TRIES || !RETRYABLE.has(code)) throw error;
      }
    }
  }

  /** Recomputes the states of these jobs (locked by the caller: see statements.ts), noting the ones that moved. */
  async refresh(q: Query, jobIds: Iterable<string>, now: number, changes: Changes): Promise<void> {
    const ids = [...new Set(jobIds)];
    if (ids.length === 0) return;
    for (const r of (await q('refreshJobs', [ids, now])).rows) changes.jobs.push({ jobId: r.id, state: r.state as JobState });
  }

  /** Cancels a job's unfinished tasks; the limited keys among its leases have a slot free again. */
  async cancelRest(q: Query, jobId: string, error: string, now: number, changes: Changes): Promise<void> {
    for (const r of (await q('cancelRest', [error, now, jobId])).rows) {
      if (r.was === 'leased' && r.concurrency_key !== null) changes.routes.push(r.route);
    }
  }
}
