import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { claim, refused } from '../fixtures/apiHandlers.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { sampleValue, scrapeMetrics } from '../helpers/prometheus.js';

// GET /metrics as Prometheus scrapes it: the text format parses, and the figures say what the
// hub did (claims, durations, lost leases, failures, requests) and holds (tasks by state).

let h: TestHub;
before(async () => {
  h = await startTestHub({ kinds: ['m.ok', 'm.bad'] });
});
after(() => h.close());

const value = sampleValue;
const scrape = () => scrapeMetrics(h.url, h.adminToken);

test('metrics need an admin token', async () => {
  assert.equal((await fetch(`${h.url}/metrics`)).status, 401);
  const client = await h.as('client');
  assert.equal((await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${client.token}` } })).status, 403);
});

test('the scrape counts claims, durations, lost leases, failed jobs and requests, and reads tasks by state', async () => {
  const client = await h.as('client');
  const worker = await h.as('worker');
  const before = await scrape();
  for (let i = 0; i < 3; i++) await client.post('/v1/jobs', { kind: 'm.ok', input: i });
  const tasks = await claim(worker, 'metrics-w', [{ kind: 'm.ok' }], { max: 3 });
  assert.equal(tasks.length, 3);
  await worker.post('/v1/worker/complete', { results: tasks.map((t) => ({ leaseId: t.leaseId, output: 'x' })) });
  // Completing again under a lease that is not held any more: refused and counted as lost.
  const stale = `${tasks[0]!.leaseId.split('.')[0]}.not-the-token`;
  await refused(worker.post('/v1/worker/complete', { results: [{ leaseId: stale, output: 'late' }] }), 409);
  // One job whose only task fails for good.
  await client.post('/v1/jobs', { kind: 'm.bad', input: 0, maxAttempts: 1 });
  const [bad] = await claim(worker, 'metrics-w', [{ kind: 'm.bad' }]);
  await worker.post('/v1/worker/fail', { leaseId: bad!.leaseId, error: 'no', retryable: false });

  const after = await scrape();
  const grew = (name: string, labels: Record<string, string> = {}) =>
    value(after, name, labels) - value(before, name, labels);
  assert.equal(grew('roost_claims_total', { kind: 'm.ok' }), 3);
  assert.equal(grew('roost_task_duration_seconds_count', { kind: 'm.ok', outcome: 'succeeded' }), 3);
  assert.equal(grew('roost_task_duration_seconds_count', { kind: 'm.bad', outcome: 'failed' }), 1);
  assert.equal(grew('roost_leases_lost_total', { operation: 'complete' }), 1);
  assert.equal(grew('roost_jobs_failed_total'), 1);
  assert.equal(grew('roost_jobs_created_total'), 4);
  assert.equal(grew('roost_task_retries_total'), 0);
  assert.equal(value(after, 'roost_tasks', { kind: 'm.ok', state: 'succeeded' }), 3);
  assert.equal(value(after, 'roost_tasks', { kind: 'm.bad', state: 'dead' }), 1);
  assert.equal(
    grew('roost_http_request_duration_seconds_count', { method: 'POST', route: '/v1/jobs', status_code: '201' }),
    4,
  );
  assert.equal(value(after, 'roost_workers_connected'), 1);
  assert.ok(value(after, 'process_resident_memory_bytes') > 0, 'the process metrics are there too');
});
