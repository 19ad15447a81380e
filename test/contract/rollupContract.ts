import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RollupRow, Store } from '../../src/store/store.js';
import { jobId } from '../../src/util/ids.js';
import { newJob, type StoreFactory } from './storeContract.js';

const M = 60_000;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % M);

function row(over: Partial<RollupRow>): RollupRow {
  return {
    minute: T0,
    hub: 'h1',
    kind: '',
    jobsCreated: 0,
    jobsSucceeded: 0,
    jobsFailed: 0,
    claims: 0,
    latency: {},
    ...over,
  };
}

/** The per-minute rollups behind the dashboard's charts, on every store adapter. */
export function rollupContract(factory: StoreFactory): void {
  describe(`rollup contract: ${factory.name}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.open();
    });
    after(() => store.close());

    test('rollup rows are read back from a minute on, oldest first, histograms intact', async () => {
      const rows = [
        row({ minute: T0, jobsCreated: 3, jobsSucceeded: 2, jobsFailed: 1 }),
        row({ minute: T0, kind: 'text.markov', claims: 5, latency: { '0': 2, '1.5': 1, '+Inf': 2 } }),
        row({ minute: T0 + M, hub: 'h2', kind: 'text.markov', claims: 1, latency: { '10': 1 } }),
      ];
      await store.writeRollups(rows);
      assert.deepEqual(await store.readRollups(T0), rows);
      assert.deepEqual(await store.readRollups(T0 + M), [rows[2]]);
    });

    test('writing a row again for the same minute, hub and kind replaces it; other hubs keep theirs', async () => {
      const minute = T0 + 10 * M;
      await store.writeRollups([
        row({ minute, hub: 'a', claims: 1, kind: 'k' }),
        row({ minute, hub: 'b', claims: 2, kind: 'k' }),
      ]);
      await store.writeRollups([row({ minute, hub: 'a', claims: 7, kind: 'k', latency: { '2': 7 } })]);
      const back = (await store.readRollups(minute)).filter((r) => r.minute === minute);
      assert.deepEqual(
        back.map((r) => [r.hub, r.claims, r.latency]),
        [
          ['a', 7, { '2': 7 }],
          ['b', 2, {}],
        ],
      );
    });

    test('job counts per minute come from the jobs: created by creation time, succeeded and failed by their end', async () => {
      // Far from the other tests' times, so only these jobs are counted.
      const base = T0 + 1000 * M;
      const at = (ms: number, kind: string) => newJob({ id: jobId(ms), kind, route: kind, createdAt: ms, runAt: ms });
      await store.createJob(at(base - 2 * M, 'jm.old'));
      for (const ms of [base + 5, base + 30_000, base + M + 1]) await store.createJob(at(ms, 'jm.a'));
      const route = [{ route: 'jm.a', key: null, concurrency: null, rate: null }];
      const claimed = await store.claim('w', route, 3, base + M + 2);
      assert.equal(claimed.tasks.length, 3);
      const [a, b, c] = claimed.tasks;
      await store.complete([{ leaseId: a!.leaseId, output: 1 }], base + M + 10);
      await store.complete([{ leaseId: b!.leaseId, output: 2 }], base + 2 * M + 10);
      await store.fail(c!.leaseId, 'no', false, base + 2 * M + 20);
      assert.deepEqual(await store.jobMinutes(base), [
        { minute: base, created: 2, succeeded: 0, failed: 0 },
        { minute: base + M, created: 1, succeeded: 1, failed: 0 },
        { minute: base + 2 * M, created: 0, succeeded: 1, failed: 1 },
      ]);
    });

    test('pruning deletes the minutes before a time and says how many rows went', async () => {
      const base = T0 + 100 * M;
      await store.writeRollups([0, 1, 2].map((i) => row({ minute: base + i * M, hub: 'p', jobsCreated: 1 })));
      const before = (await store.readRollups(0)).length;
      const pruned = await store.pruneRollups(base + 2 * M);
      const left = await store.readRollups(0);
      assert.equal(before - left.length, pruned);
      assert.ok(left.every((r) => r.minute >= base + 2 * M));
      assert.deepEqual(
        left.map((r) => [r.minute, r.hub]),
        [[base + 2 * M, 'p']],
      );
    });
  });
}
