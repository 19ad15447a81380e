import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { abortWatchingHandler, claim, claimHeldOpen, refused, send, within } from '../fixtures/apiHandlers.js';

// The worker side: long-poll claims, leases and their fencing, heartbeats, complete / fail /
// release, dead tasks and redrive, and cancel reaching a running handler. Each test has its own kind.

type Client = HubClient & { readonly token: string };
let h: TestHub;
let client: Client;
let worker: Client;

const KINDS = [
  'wp.wake',
  'wp.max',
  'wp.hb',
  'wp.complete',
  'wp.twice',
  'wp.lost',
  'wp.fail',
  'wp.retry',
  'wp.partial',
  'wp.release',
  'wp.cancel-hb',
  'wp.cancel-agent',
];

before(async () => {
  // A fast reaper so an expired lease is requeued soon after it runs out.
  h = await startTestHub({ kinds: KINDS, reapIntervalMs: 100 });
  client = await h.as('client');
  worker = await h.as('worker');
});
after(() => h.close());

test('a claim held open is woken by a submit and receives that task', async () => {
  const held = claimHeldOpen(h, 'wp-wake-w');
  const pending = claim(worker, 'wp-wake-w', [{ kind: 'wp.wake' }], { waitMs: 20_000 });
  await within(held, 5000, 'the claim to be held open');
  const job = await client.post<any>('/v1/jobs', { kind: 'wp.wake', input: { hello: 'worker' }, seed: 5 });
  const tasks = await within(pending, 10_000, 'the claim to be answered');
  assert.equal(tasks.length, 1);
  const t = tasks[0]!;
  assert.equal(t.jobId, job.id);
  assert.equal(t.taskId, `${job.id}.0`);
  assert.equal(t.kind, 'wp.wake');
  assert.deepEqual(t.input, { hello: 'worker' });
  assert.equal(t.seed, 5);
  assert.equal(t.attempt, 1);
  assert.equal(typeof t.leaseId, 'string');
  assert.ok(t.leaseExpiresAt > Date.now());
  const task = await client.get<any>(`/v1/tasks/${t.taskId}`);
  assert.equal(task.state, 'leased');
  assert.equal(task.workerId, 'wp-wake-w');
});

test('max: 3 takes up to 3 tasks', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'wp.max', input: 1, variants: 5 });
  const first = await claim(worker, 'wp-max-w', [{ kind: 'wp.max' }], { max: 3 });
  assert.equal(first.length, 3);
  const second = await claim(worker, 'wp-max-w', [{ kind: 'wp.max' }], { max: 3 });
  assert.equal(second.length, 2);
  const ids = [...first, ...second].map((t) => t.taskId);
  assert.equal(new Set(ids).size, 5, 'no task handed out twice');
  assert.ok(ids.every((id) => id.startsWith(job.id)));
  assert.equal(new Set([...first, ...second].map((t) => t.leaseId)).size, 5);
  assert.deepEqual(await claim(worker, 'wp-max-w', [{ kind: 'wp.max' }], { max: 3 }), []);
});

test('heartbeat extends a live lease and reports junk leases as lost', async () => {
  await client.post('/v1/jobs', { kind: 'wp.hb', input: 1, leaseMs: 5000 });
  const [t] = await claim(worker, 'wp-hb-w', [{ kind: 'wp.hb' }]);
  const before = (await client.get<any>(`/v1/tasks/${t!.taskId}`)).leaseExpiresAt;
  const reply = await worker.post<any>('/v1/worker/heartbeat', {
    workerId: 'wp-hb-w',
    leaseIds: [t!.leaseId, 'junk', '424242.deadbeef'],
  });
  assert.deepEqual(reply, { extended: [t!.leaseId], cancelled: [], lost: ['junk', '424242.deadbeef'] });
  const afterHb = (await client.get<any>(`/v1/tasks/${t!.taskId}`)).leaseExpiresAt;
  assert.ok(afterHb >= before, 'the lease runs at least as long as before');
});

test('complete records the result and the job succeeds', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'wp.complete', input: 'q' });
  const [t] = await claim(worker, 'wp-complete-w', [{ kind: 'wp.complete' }]);
  const reply = await send(h.url, 'POST', '/v1/worker/complete', {
    token: worker.token,
    body: { results: [{ leaseId: t!.leaseId, output: { answer: 42 } }] },
  });
  assert.equal(reply.status, 200, reply.text);
  assert.deepEqual(reply.json.results, [{ leaseId: t!.leaseId, status: 'ok' }]);
  const done = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.counts.succeeded, 1);
  assert.equal(typeof done.finishedAt, 'number');
  assert.equal(done.results.length, 1);
  assert.deepEqual(done.results[0].output, { answer: 42 });
  assert.equal(done.results[0].taskId, t!.taskId);
  assert.equal((await client.get<any>(`/v1/tasks/${t!.taskId}`)).state, 'succeeded');
});

test('completing the same lease twice answers 200 both times and records one result', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'wp.twice', input: 1 });
  const [t] = await claim(worker, 'wp-twice-w', [{ kind: 'wp.twice' }]);
  const first = await send(h.url, 'POST', '/v1/worker/complete', {
    token: worker.token,
    body: { results: [{ leaseId: t!.leaseId, output: 'first' }] },
  });
  const second = await send(h.url, 'POST', '/v1/worker/complete', {
    token: worker.token,
    body: { results: [{ leaseId: t!.leaseId, output: 'second' }] },
  });
  assert.equal(first.status, 200, first.text);
  assert.equal(second.status, 200, second.text);
  assert.deepEqual(second.json.results, [{ leaseId: t!.leaseId, status: 'ok' }]);
  const done = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.results.length, 1);
  assert.equal(done.results[0].output, 'first', 'the result is recorded once; a repeat does not replace it');
});

test('work under a lost lease is refused with 409 lease_lost after the task was requeued', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'wp.lost', input: 1, leaseMs: 1000, backoff: { delayMs: 0 } });
  const [old] = await claim(worker, 'wp-lost-1', [{ kind: 'wp.lost' }]);
  assert.equal(old!.attempt, 1);
  // The first worker goes silent; a second one long-polls and gets the task once the reaper requeues it.
  const [again] = await within(
    claim(worker, 'wp-lost-2', [{ kind: 'wp.lost' }], { waitMs: 10_000 }),
    12_000,
    'the requeued task',
  );
  assert.ok(again, 'the requeued task reached the second worker');
  assert.equal(again.taskId, old!.taskId);
  assert.equal(again.attempt, 2);
  assert.notEqual(again.leaseId, old!.leaseId);

  const stale = await send(h.url, 'POST', '/v1/worker/complete', {
    token: worker.token,
    body: { results: [{ leaseId: old!.leaseId, output: 'stale' }] },
  });
  assert.equal(stale.status, 409, stale.text);
  assert.equal(stale.json.error.code, 'lease_lost');
  assert.equal(typeof stale.json.error.message, 'string');
  await refused(worker.post('/v1/worker/fail', { leaseId: old!.leaseId, error: 'x' }), 409, { code: 'lease_lost' });
  assert.deepEqual((await worker.post<any>('/v1/worker/heartbeat', { leaseIds: [old!.leaseId] })).lost, [old!.leaseId]);

  await worker.post('/v1/worker/complete', { results: [{ leaseId: again.leaseId, output: 'fresh' }] });
  const done = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(done.state, 'succeeded');
  assert.deepEqual(
    done.results.map((r: any) => r.output),
    ['fresh'],
  );
});

test('a non-retryable failure kills the task and fails the job; redrive brings it back to succeed', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'wp.fail', input: 1, maxAttempts: 5 });
  const [t] = await claim(worker, 'wp-fail-w', [{ kind: 'wp.fail' }]);
  assert.deepEqual(
    await worker.post('/v1/worker/fail', { leaseId: t!.leaseId, error: 'bad input: no prompt', retryable: false }),
    { ok: true },
  );

  const failed = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(failed.state, 'failed');
  const dead = await client.get<any>(`/v1/tasks/${t!.taskId}`);
  assert.equal(dead.state, 'dead');
  assert.equal(dead.error, 'bad input: no prompt');
  const listed = (await client.get<any>('/v1/tasks/dead')).tasks.find((d: any) => d.id === t!.taskId);
  assert.ok(listed, 'the dead task is listed');
  assert.equal(listed.error, 'bad input: no prompt');
  assert.deepEqual(await claim(worker, 'wp-fail-w', [{ kind: 'wp.fail' }]), [], 'a dead task is not handed out');

  const redriven = await client.post<any>(`/v1/tasks/${t!.taskId}/redrive`);
  assert.equal(redriven.id, t!.taskId);
  assert.equal(redriven.state, 'queued');
  assert.equal(redriven.attempt, 0);
  assert.equal((await client.get<any>(`/v1/jobs/${job.id}`)).state, 'queued');
  assert.ok(
    !(await client.get<any>('/v1/tasks/dead')).tasks.some((d: any) => d.id === t!.taskId),
    'no longer listed as dead',
  );

  const [retry] = await claim(worker, 'wp-fail-w', [{ kind: 'wp.fail' }]);
  assert.equal(retry!.taskId, t!.taskId);
  assert.equal(retry!.attempt, 1);
  await worker.post('/v1/worker/complete', { results: [{ leaseId: retry!.leaseId, output: 'ok now' }] });
  const done = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(done.state, 'succeeded');
  assert.deepEqual(
    done.results.map((r: any) => r.output),
    ['ok now'],
  );
});

test('a retryable failure requeues the task with its attempt counted, until attempts run out', async () => {
  const job = await client.post<any>('/v1/jobs', {
    kind: 'wp.retry',
    input: 1,
    maxAttempts: 2,
    backoff: { delayMs: 0 },
  });
  const [t1] = await claim(worker, 'wp-retry-w', [{ kind: 'wp.retry' }]);
  await worker.post('/v1/worker/fail', { leaseId: t1!.leaseId, error: 'gpu fell over', retryable: true });
  const requeued = await client.get<any>(`/v1/tasks/${t1!.taskId}`);
  assert.equal(requeued.state, 'queued');
  assert.equal(requeued.attempt, 1);
  assert.equal(requeued.error, 'gpu fell over');
  assert.equal((await client.get<any>(`/v1/jobs/${job.id}`)).state, 'running');

  const [t2] = await claim(worker, 'wp-retry-w', [{ kind: 'wp.retry' }]);
  assert.equal(t2!.taskId, t1!.taskId);
  assert.equal(t2!.attempt, 2);
  await worker.post('/v1/worker/fail', { leaseId: t2!.leaseId, error: 'again', retryable: true });
  assert.equal((await client.get<any>(`/v1/tasks/${t1!.taskId}`)).state, 'dead', 'attempts used up');
  assert.equal((await client.get<any>(`/v1/jobs/${job.id}`)).state, 'failed');
});

test('when one variant dies the job fails, the rest are cancelled, finished results stay readable; redrive resumes it', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'wp.partial', input: 1, variants: 3 });
  const [a, b] = await claim(worker, 'wp-partial-w', [{ kind: 'wp.partial' }], { max: 2 });
  await worker.post('/v1/worker/complete', { results: [{ leaseId: a!.leaseId, output: 'kept' }] });
  await worker.post('/v1/worker/fail', { leaseId: b!.leaseId, error: 'no', retryable: false });

  const failed = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(failed.state, 'failed');
  assert.deepEqual(failed.counts, { queued: 0, leased: 0, succeeded: 1, dead: 1, cancelled: 1 });
  assert.deepEqual(
    failed.results.map((r: any) => r.output),
    ['kept'],
  );
  assert.deepEqual(
    await claim(worker, 'wp-partial-w', [{ kind: 'wp.partial' }], { max: 3 }),
    [],
    'cancelled siblings are not handed out',
  );

  await client.post(`/v1/tasks/${b!.taskId}/redrive`);
  const resumed = await claim(worker, 'wp-partial-w', [{ kind: 'wp.partial' }], { max: 3 });
  assert.equal(resumed.length, 2, 'the dead task and the sibling cancelled because of it run again');
  await worker.post('/v1/worker/complete', {
    results: resumed.map((t) => ({ leaseId: t.leaseId, output: `redo ${t.index}` })),
  });
  const done = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.results.length, 3);
  assert.equal(done.results[0].output, 'kept');
});

test('admins see workers with their capabilities and the tasks they hold', async () => {
  const { workers } = await h.admin.get<any>('/v1/workers');
  const w = workers.find((x: any) => x.workerId === 'wp-wake-w');
  assert.ok(w, 'a worker that claimed is listed');
  assert.deepEqual(w.capabilities, [{ kind: 'wp.wake', labels: {} }]);
  assert.equal(w.connected, true);
  assert.equal(w.inFlight, 1, 'it still holds the lease from the first test');
  await refused(client.get('/v1/workers'), 403, { code: 'forbidden' });
});

test('release puts a task back as queued without counting the attempt', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'wp.release', input: 1 });
  const [t] = await claim(worker, 'wp-release-w', [{ kind: 'wp.release' }]);
  assert.deepEqual(await worker.post('/v1/worker/release', { leaseIds: [t!.leaseId] }), { released: [t!.leaseId] });
  const task = await client.get<any>(`/v1/tasks/${t!.taskId}`);
  assert.equal(task.state, 'queued');
  assert.equal(task.attempt, 0);
  assert.equal(task.workerId, null);
  assert.equal((await client.get<any>(`/v1/jobs/${job.id}`)).state, 'queued');
  // The released lease is gone; the task goes out again as a first attempt.
  assert.deepEqual(await worker.post('/v1/worker/release', { leaseIds: [t!.leaseId] }), { released: [] });
  await refused(worker.post('/v1/worker/complete', { results: [{ leaseId: t!.leaseId, output: 1 }] }), 409, {
    code: 'lease_lost',
  });
  const [again] = await claim(worker, 'wp-release-w2', [{ kind: 'wp.release' }]);
  assert.equal(again!.taskId, t!.taskId);
  assert.equal(again!.attempt, 1);
});

test('cancelling a leased job: the next heartbeat says cancelled and the result is refused', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'wp.cancel-hb', input: 1 });
  const [t] = await claim(worker, 'wp-cancel-hb-w', [{ kind: 'wp.cancel-hb' }]);
  assert.equal((await client.post<any>(`/v1/jobs/${job.id}/cancel`)).state, 'cancelled');
  assert.deepEqual(await worker.post('/v1/worker/heartbeat', { leaseIds: [t!.leaseId] }), {
    extended: [],
    cancelled: [t!.leaseId],
    lost: [],
  });
  await refused(worker.post('/v1/worker/complete', { results: [{ leaseId: t!.leaseId, output: 'late' }] }), 409, {
    code: 'cancelled',
  });
  const got = await client.get<any>(`/v1/jobs/${job.id}`);
  assert.equal(got.state, 'cancelled');
  assert.deepEqual(got.results, []);
});

test('cancel reaches a running handler: its signal aborts', { timeout: 15_000 }, async () => {
  const { handler, started, aborted } = abortWatchingHandler('wp.cancel-agent');
  const agent = new WorkerAgent({
    hub: h.url,
    token: worker.token,
    handlers: [handler],
    concurrency: 1,
    waitMs: 5000,
    graceMs: 500,
    log: quietLog,
  });
  const running = agent.start();
  try {
    const job = await client.post<any>('/v1/jobs', { kind: 'wp.cancel-agent', input: 1, leaseMs: 1500 });
    const ctx = await within(started, 10_000, 'the handler to start');
    assert.equal(ctx.jobId, job.id);
    assert.equal(ctx.signal.aborted, false);
    assert.equal((await client.post<any>(`/v1/jobs/${job.id}/cancel`)).state, 'cancelled');
    const reason = await within(aborted, 10_000, "the handler's signal to abort");
    assert.match(String((reason as Error)?.message ?? reason), /cancel/);
    const got = await client.get<any>(`/v1/jobs/${job.id}`);
    assert.equal(got.state, 'cancelled');
    assert.deepEqual(got.results, [], 'the aborted run reports no result');
  } finally {
    await agent.stop();
    await running;
  }
});
