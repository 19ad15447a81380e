import pg from 'pg';
import { InputError } from '../../errors.js';
import { isConnectionError, OutageWatch } from '../outage.js';
import type { JobState } from '../../types.js';
import type { JobRow, TaskRow } from '../rowTypes.js';
import type { Changes, StoreOptions } from '../store.js';
import { botSql } from './botStatements.js';
import { sandboxSql } from './sandboxStatements.js';
import { sql as brokerSql } from './statements.js';
import { send } from './pipeline.js';
import { TurnLane } from './turnLane.js';

/** Every statement of the adapter by name; the names of the three sets do not overlap. */
const sql = { ...brokerSql, ...botSql, ...sandboxSql };
export type Statement = keyof typeof sql;

/**
 * Runs one named statement; inside `tx`, on the transaction's connection. `R` is the shape of its
 * rows as its header says (rowTypes.ts); a statement whose rows are not read needs none.
 */
export type Query = <R extends pg.QueryResultRow = Record<string, unknown>>(
  name: Statement,
  params?: unknown[],
) => Promise<pg.QueryResult<R>>;

/** The hot path's statements, planned once per connection (see pipeline.ts). */
const PLANNED_ONCE: ReadonlySet<Statement> = new Set([
  'insertJobs',
  'insertKeylessJobs',
  'claim',
  'lockJobsOfTasks',
  'complete',
]);

function config(name: Statement, values: unknown[]): pg.QueryConfig {
  return { name, text: sql[name], values };
}

/** One statement on this connection: in a transaction of its own where it is planned once. */
async function one<R extends pg.QueryResultRow>(
  client: pg.PoolClient,
  name: Statement,
  params: unknown[],
): Promise<pg.QueryResult<R>> {
  if (!PLANNED_ONCE.has(name)) return client.query<R>(config(name, params));
  return (await send<R>(client, [config(name, params)], true))[0]!;
}

/** Deadlock and serialization failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
/** A text PostgreSQL cannot store (U+0000): the caller's input, so a 400 rather than a failure of ours. */
const UNSTORABLE = new Set(['22021', '22P05']);
const MAX_TRIES = 5;

// bigint columns (epoch-ms times, task ids, seeds) as numbers: all of them fit in 2^53.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === (pg.types.builtins.INT8 as number)
      ? Number
      : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
};

/** What the parts of the PostgreSQL store share: the pool, the transaction runner, job bookkeeping. */
export class PgCore {
  readonly pool: pg.Pool;
  private readonly lane: TurnLane;
  /** Says once in the log when the database stops answering and once when it is back. */
  readonly outage: OutageWatch;

  constructor(
    config: pg.PoolConfig,
    readonly options: StoreOptions,
  ) {
    // Pipelined: a connection sends each query at once rather than after the previous one's reply,
    // so statements whose parameters are known up front travel together (send).
    this.pool = new pg.Pool({ ...config, types, pipeline: true });
    this.lane = new TurnLane(this.pool);
    this.outage = new OutageWatch(options.log);
    // A pooled connection the server drops while idle is replaced at the next checkout; without a
    // listener the error would end the process.
    this.pool.on('error', () => {});
    // A connection the server terminates emits 'error' on its client, also while checked out or
    // after it was handed back; unheard, that event would end the hub. The failure still reaches
    // whoever runs a query on it, as a rejected promise.
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** One statement in its own transaction: committed when the promise resolves. */
  q: Query = <R extends pg.QueryResultRow>(name: Statement, params: unknown[] = []) =>
    this.retrying(() =>
      PLANNED_ONCE.has(name)
        ? this.checkedOut((c) => one<R>(c, name, params))
        : this.pool.query<R>(config(name, params)),
    );

  /** q, as this turn's first statement: statements that follow it in this turn run next on its connection. */
  first: Query = <R extends pg.QueryResultRow>(name: Statement, params: unknown[] = []) =>
    this.retrying((attempt) =>
      attempt === 1 ? this.lane.first((c) => one<R>(c, name, params)) : this.checkedOut((c) => one<R>(c, name, params)),
    );

  /** q, behind this turn's first statement when there is one (see TurnLane). */
  follow: Query = <R extends pg.QueryResultRow>(name: Statement, params: unknown[] = []) =>
    this.retrying(
      (attempt) =>
        (attempt === 1 && this.lane.follow((c) => one<R>(c, name, params))) ||
        this.checkedOut((c) => one<R>(c, name, params)),
    );

  /** Runs `fn` in one transaction on one connection; a deadlock or serialization failure runs it again. */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.retrying(() =>
      this.checkedOut(async (client) => {
        await client.query('BEGIN');
        const result = await fn(<R extends pg.QueryResultRow>(name: Statement, params: unknown[] = []) =>
          client.query<R>(config(name, params)),
        );
        await client.query('COMMIT');
        return result;
      }),
    );
  }

  /**
   * Runs these statements in one transaction in a single round trip (see send): one run after a
   * lock sees every commit made before it. A deadlock or serialization failure runs them again.
   * `R` is the shape of the rows the caller reads (of the step that has them).
   */
  steps<R extends pg.QueryResultRow = Record<string, unknown>>(
    ...steps: Array<[Statement, unknown[]]>
  ): Promise<Array<pg.QueryResult<R>>> {
    const planOnce = steps.some(([name]) => PLANNED_ONCE.has(name));
    return this.retrying(() =>
      this.checkedOut((c) =>
        send<R>(
          c,
          steps.map(([name, params]) => config(name, params)),
          planOnce,
        ),
      ),
    );
  }

  /** Runs `fn` on a pooled connection; one left inside a transaction by a failure is rolled back first. */
  private async checkedOut<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (error) {
      if (client.getTransactionStatus() !== 'I') await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async retrying<T>(run: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await run(attempt);
        this.outage.answered();
        return result;
      } catch (error) {
        // Not retried here: a write whose connection broke may have committed; the 503 lets the
        // client retry with its idempotency key.
        if (isConnectionError(error)) throw this.outage.failed(error);
        const code = (error as { code?: string }).code ?? '';
        if (UNSTORABLE.has(code))
          throw new InputError(
            'body',
            'a text value contains the NUL character (\\u0000), which PostgreSQL cannot store',
          );
        if (attempt >= MAX_TRIES || !RETRYABLE.has(code)) throw error;
      }
    }
  }

  /** Recomputes the states of these jobs (locked by the caller: see statements.ts), noting the ones that moved. */
  async refresh(q: Query, jobIds: Iterable<string>, now: number, changes: Changes): Promise<void> {
    const ids = [...new Set(jobIds)];
    if (ids.length === 0) return;
    for (const r of (await q<Pick<JobRow, 'id' | 'state'>>('refreshJobs', [ids, now])).rows)
      changes.jobs.push({ jobId: r.id, state: r.state as JobState });
  }

  /** Cancels a job's unfinished tasks; the limited keys among its leases have a slot free again. */
  async cancelRest(q: Query, jobId: string, error: string, now: number, changes: Changes): Promise<void> {
    const { rows } = await q<Pick<TaskRow, 'route' | 'concurrency_key'> & { was: string }>('cancelRest', [
      error,
      now,
      jobId,
    ]);
    for (const r of rows) {
      if (r.was === 'leased' && r.concurrency_key !== null) changes.routes.push(r.route);
    }
  }
}
