import type pg from 'pg';

/**
 * How a transaction of hot-path statements plans them: once per connection (a generic plan, kept),
 * never with a sequential scan. Planning these statements anew for every call's parameters (a
 * custom plan: PostgreSQL's choice for them) cost more than running them: about 0.4 ms per call,
 * 15 us per job of a batch of 100 (measured). A generic plan is made without the parameters'
 * values and kept, so it must not hang on sizes: these statements reach every table by key (ids
 * in an array, or a subquery run per row), and with sequential scans disabled a plan made while
 * the tables were still empty uses those keys too.
 */
export const PLAN_ONCE = 'BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off';

/** pg's connection writes to a socket; corked, the queries below leave in one write. */
interface Corkable {
  connection?: { stream?: { cork?(): void; uncork?(): void } };
}

/**
 * Writes these statements to the connection in one go, as one transaction, and answers their
 * results in order: a single round trip, each statement still run after the one before it, with a
 * fresh snapshot. The first that fails undoes them all (the rest fail too and COMMIT rolls back)
 * and its error is thrown; `planOnce` plans them as PLAN_ONCE says.
 */
export async function send<R extends pg.QueryResultRow>(
  client: pg.PoolClient,
  steps: pg.QueryConfig[],
  planOnce: boolean,
): Promise<Array<pg.QueryResult<R>>> {
  const stream = (client as unknown as Corkable).connection?.stream;
  const sent: Array<Promise<pg.QueryResult<R>>> = [];
  // Issued (and so run) in this order: the transaction's start, the steps, its end.
  stream?.cork?.();
  try {
    sent.push(client.query<R>(planOnce ? PLAN_ONCE : 'BEGIN'));
    for (const s of steps) sent.push(client.query<R>(s));
    sent.push(client.query<R>('COMMIT'));
  } finally {
    stream?.uncork?.();
  }
  const settled = await Promise.allSettled(sent);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.slice(1, -1).map((r) => (r as PromiseFulfilledResult<pg.QueryResult<R>>).value);
}
