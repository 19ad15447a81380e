import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { DEFAULT_BACKOFF } from '../../src/util/backoff.js';
import { PgStore } from '../../src/store/postgres/pgStore.js';
import { PLAN_ONCE } from '../../src/store/postgres/pipeline.js';
import { sql } from '../../src/store/postgres/statements.js';
import type { NewJob } from '../../src/types.js';
import { NO_DATABASE, PG_URL, testDatabase } from '../helpers/postgres.js';

// The hot path's statements are planned once per connection and the plan kept (pipeline.ts). A
// hub's first calls come while its tables are empty; the plans made then must still reach rows by
// key once the tables hold thousands of jobs, not walk them.

const db = await testDatabase();
const ROUTE = [{ route: 'k', key: null, concurrency: null, rate: null }];

function job(i: number): NewJob {
  return {
    id: `job_${String(i).padStart(8, '0')}`,
    kind: 'k',
    input: { i },
    variants: 1,
    priority: 0,
    runAt: 0,
    maxAttempts: 1,
    backoff: DEFAULT_BACKOFF,
    leaseMs: 60_000,
    key: null,
    requires: null,
    seed: 0,
    createdAt: 0,
    concurrencyKey: null,
    route: 'k',
    cacheKey: null,
    cacheTtlMs: null,
  };
}

interface PlanNode {
  'Node Type': string;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
function nodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(nodes)];
}

if (!db) {
  test('postgres: plans made on empty tables', { skip: NO_DATABASE }, () => {});
} else {
  after(() => db.drop());

  test(
    'postgres: claim and complete planned while the tables were empty still reach their rows by key',
    { timeout: 60_000 },
    async () => {
      const store = await PgStore.open(db.url, { retryDelay: () => 1000 });
      const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${db.schema}` });
      await client.connect();
      // EXPLAIN ANALYZE runs the statement as the hub would (same settings), then rolls it back.
      const explain = async (statement: 'claim' | 'complete', args: unknown[]): Promise<PlanNode[]> => {
        await client.query(PLAN_ONCE);
        try {
          // EXPLAIN takes no parameters of its own: the arguments go in as literals.
          const literal = (v: unknown): string =>
            Array.isArray(v)
              ? `ARRAY[${v.map(literal).join(', ')}]`
              : typeof v === 'number'
                ? String(v)
                : client.escapeLiteral(String(v));
          const r = await client.query(
            `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE ${statement}(${args.map(literal).join(', ')})`,
          );
          return nodes(r.rows[0]['QUERY PLAN'][0].Plan);
        } finally {
          await client.query('ROLLBACK');
        }
      };
      try {
        await client.query(`PREPARE claim AS ${sql.claim}`);
        await client.query(`PREPARE complete AS ${sql.complete}`);
        const claimArgs = [0, 'w', ['k'], [100], ['route:k'], [100], 100, 'worker-token'];
        await explain('claim', claimArgs);
        await explain('complete', [[1], ['x'], ['null'], 0]);
        for (let b = 0; b < 20; b++) await store.createJobs(Array.from({ length: 1000 }, (_, i) => job(b * 1000 + i)));
        for (let round = 0; round < 40; round++) {
          const { tasks } = await store.claim('w', ROUTE, 100, 0);
          if (round % 2)
            await store.complete(
              tasks.map((t) => ({ leaseId: t.leaseId, output: 1 })),
              0,
            );
        }
        const { tasks } = await store.claim('w', ROUTE, 100, 0);
        const leases = tasks.map((t) => t.leaseId.split('.'));
        for (const [statement, args] of [
          ['claim', claimArgs],
          ['complete', [leases.map((l) => Number(l[0])), leases.map((l) => l[1]), leases.map(() => 'null'), 0]],
        ] as const) {
          const plan = await explain(statement, [...args]);
          assert.deepEqual(
            plan.filter((n) => n['Node Type'] === 'Seq Scan'),
            [],
            `${statement}: no sequential scan`,
          );
          const removed = plan.reduce(
            (sum, n) => sum + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Join Filter'] ?? 0),
            0,
          );
          assert.ok(
            removed <= 300,
            `${statement}: ${removed} rows read and thrown away for 100 tasks, among 20,000 jobs`,
          );
        }
      } finally {
        await client.end();
        await store.close();
      }
    },
  );
}
