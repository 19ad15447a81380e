import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULTS } from '../../src/config.js';
import type { MinutePoint } from '../../src/types.js';
import { startHub } from '../../src/hub/hub.js';
import { claim, refused } from '../fixtures/apiHandlers.js';
import { quietLog, sqliteOnly, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// What the dashboard's overview reads: per-minute counts of jobs and claims with dispatch latency,
// kept by the store across a restart; live snapshots; and the job list's bot and time filters.

let h: TestHub;
before(async () => {
  h = await startTestHub({ kinds: ['o.run'] });
});
after(() => h.close());

type Point = MinutePoint;

const sum = (points: Point[], f: (p: Point) => number) => points.reduce((n, p) => n + f(p), 0);

async function runJobs(n: number): Promise<void> {
  const client = await h.as('client');
  const worker = await h.as('worker');
  for (let i = 0; i < n; i++) await client.post('/v1/jobs', { kind: 'o.run', input: i });
  const tasks = await claim(worker, 'o-w', [{ kind: 'o.run' }], { max: n });
  assert.equal(tasks.length, n);
  await worker.post('/v1/worker/complete', { results: tasks.map((t) => ({ leaseId: t.leaseId, output: 1 })) });
}

test('the minute series counts created and succeeded jobs, claims by kind and their dispatch latency', async () => {
  await runJobs(4);
  const { minutes } = await h.admin.get<{ minutes: Point[] }>('/v1/stats/minutes');
  assert.ok(minutes.length >= 60 && minutes.length <= 62, `an hour of minutes, zeros included: ${minutes.length}`);
  assert.ok(minutes.every((p, i) => i === 0 || p.minute - minutes[i - 1]!.minute === 60_000));
  assert.equal(
    sum(minutes, (p) => p.jobsCreated),
    4,
  );
  assert.equal(
    sum(minutes, (p) => p.jobsSucceeded),
    4,
  );
  assert.equal(
    sum(minutes, (p) => p.claimsByKind['o.run'] ?? 0),
    4,
  );
  const busy = minutes.filter((p) => p.claims > 0);
  assert.ok(busy.every((p) => p.dispatchP50Ms !== null && p.dispatchP50Ms >= 0 && p.dispatchP99Ms! >= p.dispatchP50Ms));
  await refused(h.admin.get('/v1/stats/minutes?since=soon'), 400, { field: 'since' });
  await refused(h.admin.get(`/v1/stats/minutes?since=${Date.now()}&until=${Date.now() - 60_000}`), 400, {
    field: 'until',
  });
});

test('the overview stream opens with a snapshot: tasks by kind and state, workers, the current minutes, dead tasks', async () => {
  const client = await h.as('client');
  const abort = new AbortController();
  let snapshot: any;
  await client.events(
    '/v1/stats/events',
    (event, data) => {
      assert.equal(event, 'overview');
      snapshot = data;
      abort.abort();
    },
    abort.signal,
  );
  assert.ok(snapshot.stats.tasks.some((t: any) => t.kind === 'o.run' && t.state === 'succeeded'));
  assert.equal(typeof snapshot.workersConnected, 'number');
  assert.equal(snapshot.minutes.length, 2);
  assert.ok(Array.isArray(snapshot.dead));
});

test('the per-minute rollups survive a restart of the hub', sqliteOnly, async () => {
  const config = { ...DEFAULTS, port: 0, dataDir: h.dataDir, botsDir: `${h.dataDir}/bots2`, kinds: ['o.run'] };
  const first = await startHub(config, quietLog);
  await first.broker.jobs.submit({ kind: 'o.run', input: 'kept' });
  await first.close();
  const second = await startHub(config, quietLog);
  try {
    const res = await fetch(`${second.url}/v1/stats/minutes`, { headers: { authorization: `Bearer ${h.adminToken}` } });
    const { minutes } = (await res.json()) as { minutes: Point[] };
    assert.ok(sum(minutes, (p) => p.jobsCreated) >= 1, 'the job created before the restart is counted');
  } finally {
    await second.close();
  }
});

test('jobs list by bot and by creation time, and a bad filter names its field', async () => {
  const client = await h.as('client');
  const t0 = Date.now();
  const mine = await client.post<{ id: string }>('/v1/jobs', {
    kind: 'o.run',
    input: 'b',
    concurrencyKey: 'bot:frank',
  });
  await client.post('/v1/jobs', { kind: 'o.run', input: 'c', concurrencyKey: 'bot:ann' });
  const byBot = await client.get<{ jobs: Array<{ id: string }> }>('/v1/jobs?bot=frank');
  assert.deepEqual(
    byBot.jobs.map((j) => j.id),
    [mine.id],
  );
  const recent = await client.get<{ jobs: unknown[] }>(`/v1/jobs?since=${t0}&kind=o.run`);
  assert.equal(recent.jobs.length, 2);
  assert.equal((await client.get<{ jobs: unknown[] }>(`/v1/jobs?until=${t0}&kind=o.run&bot=frank`)).jobs.length, 0);
  await refused(client.get('/v1/jobs?bot=Not%20A%20Bot'), 400, { field: 'bot' });
  await refused(client.get('/v1/jobs?since=yesterday'), 400, { field: 'since' });
});
