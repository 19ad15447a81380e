import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { claim, claimHeldOpen, send, within } from '../fixtures/apiHandlers.js';

// The client side of jobs: create, idempotency, variants and seeds, routing by required labels,
// priority, delays, listing and cancelling. Each test uses its own kind so workers and tasks of one
// test never meet another's.

type Client = HubClient & { readonly token: string };
let h: TestHub;
let client: Client;
let worker: Client;

before(async () => {
  h = await startTestHub({
    kinds: [
      'jobs.create',
      'jobs.seed',
      'jobs.waiting',
      'jobs.other',
      'jobs.req',
      'jobs.prio',
      'jobs.prio-b',
      'jobs.prio-c',
      'jobs.delay',
      'jobs.list',
      'jobs.list-other',
      'jobs.cancel',
    ],
  });
  client = await h.as('client');
  worker = await h.as('worker');
});
after(() => h.close());

test('create answers 201 with the job; the same key answers 200 with the same job', async () => {
  const first = await send(h.url, 'POST', '/v1/jobs', {
    token: client.token,
    body: { kind: 'jobs.create', input: { n: 1 }, key: 'order-17' },
  });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.kind, 'jobs.create');
  assert.deepEqual(first.json.input, { n: 1 });
  assert.equal(first.json.state, 'queued');
  assert.equal(first.json.variants, 1);
  assert.equal(first.json.key, 'order-17');

  const again = await send(h.url, 'POST', '/v1/jobs', {
    token: client.token,
    body: { kind: 'jobs.create', input: { n: 2 }, key: 'order-17' },
  });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.id, first.json.id);
  assert.deepEqual(again.json.input, { n: 1 }, 'the first job stands; the repeat creates nothing');
  assert.equal((await client.get<any>(`/v1/jobs?kind=jobs.create`)).jobs.length, 1);

  const other = await send(h.url, 'POST', '/v1/jobs', {
    token: client.token,
    body: { kind: 'jobs.create', input: { n: 1 }, key: 'order-18' },
  });
  assert.equal(other.status, 201);
  assert.notEqual(other.json.id, first.json.id);
  assert.deepEqual((await client.get<any>(`/v1/jobs/${first.json.id}`)).id, first.json.id);
});

test('variants: 4 with seed: 10 gives tasks seeded 10..13 and results carrying their seed', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'jobs.seed', input: 'p', variants: 4, seed: 10 });
  assert.equal(job.variants, 4);
  assert.equal(job.seed, 10);
  const { tasks } = await client.get<any>(`/v1/jobs/${job.id}/tasks`);
  assert.deepEqual(
    tasks.map((t: any) => [t.index, t.seed, t.state]),
    [
      [0, 10, 'queued'],
      [1, 11, 'queued'],
      [2, 12, 'queued'],
      [3, 13, 'queued'],
    ],
  );

  const claimed = await claim(worker, 'jobs-seed-w', [{ kind: 'jobs.seed' }], { max: 4 });
  assert.equal(claimed.length, 4);
  for (const t of claimed) assert.equal(t.seed, 10 + t.index);
  const reply = await worker.post<any>('/v1/worker/complete', {
    results: claimed.map((t) => ({ leaseId: t.leaseId, output: { from: t.seed } })),
  });
  assert.ok(reply.results.every((r: any) => r.status === 'ok'));

  const done = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.results.length, 4);
  for (const r of done.results) {
    assert.equal(r.seed, 10 + r.index);
    assert.deepEqual(r.output, { from: r.seed });
    assert.equal(r.taskId, `${job.id}.${r.index}`);
  }
  assert.deepEqual(done.results.map((r: any) => r.index).sort(), [0, 1, 2, 3]);
});

test('waitingForWorker is true until a worker that serves the kind is claiming', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'jobs.waiting', input: 1 });
  assert.equal(job.waitingForWorker, true);
  assert.equal((await client.get<any>(`/v1/jobs/${job.id}`)).waitingForWorker, true);

  // A worker for another kind does not count.
  assert.deepEqual(await claim(worker, 'jobs-waiting-other', [{ kind: 'jobs.other' }]), []);
  assert.equal((await client.get<any>(`/v1/jobs/${job.id}`)).waitingForWorker, true);

  const [task] = await claim(worker, 'jobs-waiting-w', [{ kind: 'jobs.waiting' }]);
  assert.equal(task!.jobId, job.id);
  const running = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(running.state, 'running');
  assert.equal(running.waitingForWorker, false);
  // A later job of the kind finds the worker connected.
  const next = await client.post<any>('/v1/jobs', { kind: 'jobs.waiting', input: 2 });
  assert.equal(next.waitingForWorker, false);
  const listed = (await client.get<any>('/v1/jobs?kind=jobs.waiting')).jobs;
  assert.ok(listed.every((j: any) => j.waitingForWorker === false));
});

test('a claim held open counts as a connected worker, however long it waits', async () => {
  // With workerTimeoutMs 0 a worker counts as connected only while it has a claim open.
  const h2 = await startTestHub({ kinds: ['jobs.held'], workerTimeoutMs: 0 });
  const abort = new AbortController();
  try {
    const c = await h2.as('client');
    const w = await h2.as('worker');
    // Delayed, so the open claim does not take it.
    const job = await c.post<any>('/v1/jobs', { kind: 'jobs.held', input: 1, delayMs: 600_000 });
    assert.equal(job.waitingForWorker, true);
    const held = claimHeldOpen(h2, 'held-w');
    const pending = claim(w, 'held-w', [{ kind: 'jobs.held' }], { waitMs: 60_000, signal: abort.signal }).catch(
      () => [],
    );
    await within(held, 5000, 'the claim to be held open');
    assert.equal((await c.get<any>(`/v1/jobs/${job.id}`)).waitingForWorker, false);
    abort.abort();
    await pending;
  } finally {
    abort.abort();
    await h2.close();
  }
});

test('a job requiring a label goes only to a worker whose capability has it', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'jobs.req', input: 1, requires: { model: 'x' } });
  assert.deepEqual(job.requires, { model: 'x' });
  assert.deepEqual(await claim(worker, 'jobs-req-none', [{ kind: 'jobs.req' }], { max: 10 }), []);
  assert.deepEqual(await claim(worker, 'jobs-req-y', [{ kind: 'jobs.req', labels: { model: 'y' } }], { max: 10 }), []);
  assert.equal(
    (await client.get<any>(`/v1/jobs/${job.id}`)).waitingForWorker,
    true,
    'no connected worker can serve it',
  );
  const got = await claim(worker, 'jobs-req-x', [{ kind: 'jobs.req', labels: { model: 'x', vram: '24' } }], {
    max: 10,
  });
  assert.deepEqual(
    got.map((t) => t.jobId),
    [job.id],
  );
});

test('a higher priority job is claimed first', async () => {
  const low = await client.post<any>('/v1/jobs', { kind: 'jobs.prio', input: 'low', priority: -5 });
  const mid = await client.post<any>('/v1/jobs', { kind: 'jobs.prio', input: 'mid' });
  const high = await client.post<any>('/v1/jobs', { kind: 'jobs.prio', input: 'high', priority: 7 });
  const order: string[] = [];
  for (let i = 0; i < 3; i++) {
    const [t] = await claim(worker, 'jobs-prio-w', [{ kind: 'jobs.prio' }], { max: 1 });
    order.push(t!.jobId);
  }
  assert.deepEqual(order, [high.id, mid.id, low.id]);
});

test('priority holds across the kinds a worker serves', async () => {
  // The low one is submitted first, so its kind is the one the hub learned of first.
  const low = await client.post<any>('/v1/jobs', { kind: 'jobs.prio-b', input: 'low', priority: 0 });
  const high = await client.post<any>('/v1/jobs', { kind: 'jobs.prio-c', input: 'high', priority: 10 });
  const [t] = await claim(worker, 'jobs-prio-two-kinds', [{ kind: 'jobs.prio-c' }, { kind: 'jobs.prio-b' }], {
    max: 1,
  });
  assert.equal(t!.jobId, high.id, `got the ${t!.jobId === low.id ? 'low' : 'unexpected'} priority job`);
});

test('a delayed job is not claimable before its time, and a waiting claim receives it when due', async () => {
  const t0 = Date.now();
  const job = await client.post<any>('/v1/jobs', { kind: 'jobs.delay', input: 1, delayMs: 300 });
  assert.equal(job.state, 'queued');
  assert.ok(job.runAt >= t0 + 300);
  assert.deepEqual(await claim(worker, 'jobs-delay-w', [{ kind: 'jobs.delay' }], { waitMs: 0 }), []);
  const tasks = await claim(worker, 'jobs-delay-w', [{ kind: 'jobs.delay' }], { waitMs: 5000 });
  const elapsed = Date.now() - t0;
  assert.deepEqual(
    tasks.map((t) => t.jobId),
    [job.id],
  );
  assert.ok(elapsed >= 250, `handed out after ${elapsed} ms; the delay was 300 ms`);
});

test('listing filters by state and kind and pages with a cursor, newest first', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await client.post<any>('/v1/jobs', { kind: 'jobs.list', input: i })).id);
  await client.post('/v1/jobs', { kind: 'jobs.list-other', input: 'x' });
  await client.post(`/v1/jobs/${ids[1]}/cancel`);
  const newestFirst = [...ids].reverse();

  const all = await client.get<any>('/v1/jobs?kind=jobs.list');
  assert.deepEqual(
    all.jobs.map((j: any) => j.id),
    newestFirst,
  );
  assert.ok(all.jobs.every((j: any) => j.kind === 'jobs.list'));
  assert.equal(all.nextCursor, null);

  const cancelled = await client.get<any>('/v1/jobs?kind=jobs.list&state=cancelled');
  assert.deepEqual(
    cancelled.jobs.map((j: any) => j.id),
    [ids[1]],
  );
  const queued = await client.get<any>('/v1/jobs?state=queued&kind=jobs.list');
  assert.deepEqual(
    queued.jobs.map((j: any) => j.id),
    newestFirst.filter((id) => id !== ids[1]),
  );

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: any = await client.get(
      `/v1/jobs?kind=jobs.list&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    assert.ok(page.jobs.length <= 2);
    seen.push(...page.jobs.map((j: any) => j.id));
    cursor = page.nextCursor;
    pages++;
    assert.ok(pages <= 4, 'paging ends');
  } while (cursor);
  assert.deepEqual(seen, newestFirst);
  assert.equal(pages, 3);
});

test('cancelling a queued job cancels it and its tasks, and it is never handed out', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'jobs.cancel', input: 1, variants: 2 });
  const cancelled = await client.post<any>(`/v1/jobs/${job.id}/cancel`);
  assert.equal(cancelled.id, job.id);
  assert.equal(cancelled.state, 'cancelled');
  assert.equal(cancelled.counts.cancelled, 2);
  assert.equal(cancelled.waitingForWorker, false);
  const got = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(got.state, 'cancelled');
  assert.deepEqual(got.results, []);
  const { tasks } = await client.get<any>(`/v1/jobs/${job.id}/tasks`);
  assert.deepEqual(
    tasks.map((t: any) => t.state),
    ['cancelled', 'cancelled'],
  );
  assert.deepEqual(await claim(worker, 'jobs-cancel-w', [{ kind: 'jobs.cancel' }], { max: 5 }), []);
  // Cancelling again is harmless.
  assert.equal((await client.post<any>(`/v1/jobs/${job.id}/cancel`)).state, 'cancelled');
});
