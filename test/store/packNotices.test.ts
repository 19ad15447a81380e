import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HubNotice } from '../../src/store/cluster.js';
import { packNotices } from '../../src/store/postgres/pgCluster.js';

// NOTIFY payloads stop at 8000 bytes: a busy turn's notices are merged, then cut to fit, with
// results ahead of job states (a watcher stops at a final state and needs the results first).
test('notices merge, fit the payload limit, and put results before states', () => {
  const jobs = Array.from({ length: 600 }, (_, i) => `job_${String(i).padStart(20, '0')}`);
  const notices: HubNotice[] = jobs.map((jobId) => ({
    routes: ['k'],
    jobs: [{ jobId, state: 'succeeded' }],
    results: [jobId],
    nextRunAt: null,
    limits: [],
  }));
  notices.push({ routes: ['other'], jobs: [], results: [], nextRunAt: 50, limits: ['bot:*'] });
  notices.push({ routes: [], jobs: [], results: [], nextRunAt: 20, limits: [] });
  const packed = packNotices(notices, 7000);
  assert.ok(packed.length > 1, 'too much for one notification');
  for (const p of packed) assert.ok(JSON.stringify({ h: 'abcdefabcdef', n: p }).length < 8000);
  assert.deepEqual(
    packed.flatMap((p) => p.routes),
    ['k', 'other'],
  );
  assert.deepEqual(
    packed.flatMap((p) => p.limits),
    ['bot:*'],
  );
  assert.equal(packed[0]!.nextRunAt, 20);
  assert.deepEqual(
    packed.flatMap((p) => p.results),
    jobs,
  );
  assert.deepEqual(
    packed.flatMap((p) => p.jobs.map((j) => j.jobId)),
    jobs,
  );
  const lastResult = packed.findLastIndex((p) => p.results.length > 0);
  const firstState = packed.findIndex((p) => p.jobs.length > 0);
  assert.ok(lastResult <= firstState, 'every result is sent before any state');
});

test('bot notices travel in the order they were sent, however the notices are cut; many posts make one wake-up', () => {
  const bots = Array.from({ length: 400 }, (_, i) => ({
    type: 'running' as const,
    bot: `bot-${String(i).padStart(40, '0')}`,
    running: i % 2 === 0,
  }));
  const notices: HubNotice[] = bots.map((b) => ({
    routes: [],
    jobs: [],
    results: [],
    nextRunAt: null,
    limits: [],
    bots: [{ type: 'posted' }, b],
  }));
  const packed = packNotices(notices, 7000);
  assert.ok(packed.length > 1);
  for (const p of packed) assert.ok(JSON.stringify({ h: 'abcdefabcdef', n: p }).length < 8000);
  assert.deepEqual(
    packed.flatMap((p) => p.bots ?? []),
    [{ type: 'posted' }, ...bots],
  );
});
