import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { addLatency, mergeInto, quantile, type LatencyHistogram } from '../../src/util/latencyHistogram.js';
import { minuteSeries } from '../../src/broker/minuteSeries.js';
import { RollupRecorder } from '../../src/broker/rollupRecorder.js';
import { WorkerThroughput } from '../../src/broker/workerThroughput.js';
import { SqliteStore } from '../../src/store/sqlite/sqliteStore.js';
import type { RollupRow } from '../../src/store/store.js';
import type { ClaimedTask } from '../../src/types.js';
import { quietLog } from '../helpers/inProcessHub.js';

const M = 60_000;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % M);

function histogram(samples: number[]): LatencyHistogram {
  const h: LatencyHistogram = {};
  for (const s of samples) addLatency(h, s);
  return h;
}

test('dispatch latency quantiles: whole milliseconds come back whole, within a bucket of the truth', () => {
  assert.equal(quantile({}, 0.5), null);
  assert.equal(quantile(histogram([1, 1, 1, 1]), 0.5), 1);
  assert.equal(quantile(histogram([0, 0, 0, 2]), 0.5), 0);
  const spread = Array.from({ length: 1000 }, (_, i) => i + 1);
  const h = histogram(spread);
  for (const [q, truth] of [
    [0.5, 500],
    [0.99, 990],
  ] as const) {
    const got = quantile(h, q)!;
    assert.ok(Math.abs(got - truth) / truth < 0.25, `q${q}: ${got} vs ${truth}`);
  }
  assert.equal(quantile(histogram([10_000_000_000]), 0.5), 8_000_000, 'beyond the last bucket: its lower edge');
  // Histograms add up: two halves merged give the quantiles of the whole.
  assert.deepEqual(mergeInto(histogram(spread.slice(0, 500)), histogram(spread.slice(500))), h);
});

function row(over: Partial<RollupRow>): RollupRow {
  return {
    minute: T0,
    hub: 'a',
    kind: '',
    jobsCreated: 0,
    jobsSucceeded: 0,
    jobsFailed: 0,
    claims: 0,
    latency: {},
    ...over,
  };
}

test('the minute series adds hubs and kinds up, fills empty minutes with zeros, and prefers unwritten rows', () => {
  const stored = [
    row({ jobsCreated: 2, jobsSucceeded: 1 }),
    row({ hub: 'b', jobsCreated: 3, jobsFailed: 1 }),
    row({ kind: 'x', claims: 2, latency: histogram([1, 1]) }),
    row({ hub: 'b', kind: 'y', claims: 2, latency: histogram([100, 100]) }),
    row({ minute: T0 + 2 * M, kind: 'x', claims: 1, latency: histogram([5]) }),
  ];
  const unwritten = [row({ minute: T0 + 2 * M, kind: 'x', claims: 4, latency: histogram([3, 3, 3, 3]) })];
  const series = minuteSeries(stored, unwritten, T0 + 5, T0 + 2 * M + 30_000);
  assert.deepEqual(
    series.map((p) => p.minute),
    [T0, T0 + M, T0 + 2 * M],
  );
  const [first, empty, last] = series;
  assert.deepEqual([first!.jobsCreated, first!.jobsSucceeded, first!.jobsFailed, first!.claims], [5, 1, 1, 4]);
  assert.deepEqual(first!.claimsByKind, { x: 2, y: 2 });
  assert.equal(first!.dispatchP50Ms, 1);
  assert.ok(first!.dispatchP99Ms! >= 81 && first!.dispatchP99Ms! <= 100, String(first!.dispatchP99Ms));
  assert.deepEqual([empty!.claims, empty!.dispatchP50Ms], [0, null]);
  assert.deepEqual([last!.claims, last!.dispatchP50Ms], [4, 3], 'the unwritten row replaced the stored one');
});

const claimed = (kind: string, readyAt: number): ClaimedTask => ({
  taskId: 'j.0',
  leaseId: '1.x',
  jobId: 'j',
  kind,
  index: 0,
  seed: 0,
  attempt: 1,
  input: null,
  leaseMs: 1000,
  leaseExpiresAt: 0,
  readyAt,
});

const dir = mkdtempSync(join(tmpdir(), 'roost-rollups-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the recorder writes finished minutes once, the minute in progress on close, and keeps counts a failed write missed', async () => {
  const store = new SqliteStore(join(dir, 'r.db'), { retryDelay: () => 1000 });
  let now = T0 + 1000;
  const rec = new RollupRecorder(store, quietLog, () => now);
  rec.jobsCreated(3);
  rec.claimed([claimed('x', now - 4), claimed('x', now - 4), claimed('y', now)], now);
  rec.jobsEnded('succeeded', 2);
  now = T0 + M + 1000;
  rec.jobsEnded('failed', 1);
  await rec.flush(false);
  const written = await store.readRollups(0);
  assert.deepEqual(
    written.map((r) => [r.minute, r.kind, r.jobsCreated, r.jobsSucceeded, r.claims]),
    [
      [T0, '', 3, 2, 0],
      [T0, 'x', 0, 0, 2],
      [T0, 'y', 0, 0, 1],
    ],
  );
  assert.deepEqual(written[1]!.latency, { '4': 2 });
  assert.deepEqual(
    rec.unwritten().map((r) => [r.minute, r.jobsFailed]),
    [[T0 + M, 1]],
    'the minute in progress stays in memory',
  );

  const failing = Object.create(store, {
    writeRollups: { value: async () => Promise.reject(new Error('disk full')) },
  }) as SqliteStore;
  const flaky = new RollupRecorder(failing, quietLog, () => now);
  flaky.jobsCreated(5);
  now = T0 + 2 * M + 1000;
  await flaky.flush(false);
  assert.deepEqual(
    flaky.unwritten().map((r) => [r.minute, r.jobsCreated]),
    [[T0 + M, 5]],
    'a failed write keeps its counts',
  );

  await rec.close();
  const all = await store.readRollups(0);
  assert.deepEqual(
    all.filter((r) => r.minute === T0 + M).map((r) => [r.kind, r.jobsFailed, r.hub]),
    [['', 1, rec.hub]],
  );
  assert.deepEqual(rec.unwritten(), []);
  await store.close();
});

test('worker throughput counts claims per worker over the last minutes and forgets what is older than an hour', () => {
  const t = new WorkerThroughput();
  t.add('w1', 3, T0);
  t.add('w1', 2, T0 + 4 * M);
  t.add('w2', 1, T0 + 4 * M);
  assert.equal(t.claimed('w1', T0 + 4 * M, 5), 5);
  assert.equal(t.claimed('w1', T0 + 4 * M, 1), 2);
  assert.equal(t.claimed('w1', T0 + 61 * M, 60), 2);
  t.add('w2', 1, T0 + 200 * M);
  assert.equal(t.claimed('w1', T0 + 200 * M, 60), 0);
  assert.equal(t.claimed('nobody', T0, 60), 0);
});
