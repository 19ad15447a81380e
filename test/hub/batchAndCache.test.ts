import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import type { Handler } from '../../src/worker/handler.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { claim, claimHeldOpen, nextCall, send, within } from '../fixtures/apiHandlers.js';
import { startAgents } from '../fixtures/flowHandlers.js';

// Batch submission (all or none, in order, idempotency keys inside a batch) and the result cache
// (a hit reuses a succeeded job's outputs and runs nothing). Each test has its own kind.

type Client = HubClient & { readonly token: string };
let h: TestHub;
let client: Client;
let worker: Client;

const KINDS = [
  'bc.batch',
  'bc.atomic',
  'bc.key',
  'bc.big',
  'bc.tasks',
  'bc.late',
  'bc.health',
  'bc.cache',
  'bc.copy',
  'bc.enough',
];

before(async () => {
  h = await startTestHub({ kinds: KINDS });
  client = await h.as('client');
  worker = await h.as('worker');
});
after(() => h.close());

const batch = (jobs: unknown[]) => send(h.url, 'POST', '/v1/jobs/batch', { token: client.token, body: { jobs } });
const countOf = async (kind: string) => (await client.get<any>(`/v1/jobs?kind=${kind}&limit=500`)).jobs.length;

/** Resolves once the hub's clock has passed `t` (for TTLs measured from a finish time). */
async function clockPast(t: number): Promise<void> {
  while (Date.now() <= t) await delay(Math.max(1, t + 1 - Date.now()));
}

test('a batch creates its jobs in one go and answers them in request order', async () => {
  const r = await batch([
    { kind: 'bc.batch', input: { n: 0 } },
    { kind: 'bc.batch', input: { n: 1 }, variants: 3, seed: 7 },
    { kind: 'bc.batch', input: { n: 2 }, priority: 5, key: 'bc-batch-2' },
  ]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.created, [true, true, true]);
  assert.equal(r.json.jobs.length, 3);
  assert.deepEqual(
    r.json.jobs.map((j: any) => j.input),
    [{ n: 0 }, { n: 1 }, { n: 2 }],
  );
  assert.deepEqual(
    r.json.jobs.map((j: any) => j.state),
    ['queued', 'queued', 'queued'],
  );
  assert.equal(new Set(r.json.jobs.map((j: any) => j.id)).size, 3);
  assert.equal(r.json.jobs[1].variants, 3);
  assert.equal(r.json.jobs[2].key, 'bc-batch-2');
  for (const j of r.json.jobs) assert.deepEqual((await client.get<any>(`/v1/jobs/${j.id}`)).input, j.input);
  const { tasks } = await client.get<any>(`/v1/jobs/${r.json.jobs[1].id}/tasks`);
  assert.deepEqual(
    tasks.map((t: any) => t.seed),
    [7, 8, 9],
  );
  // Listed newest first: the batch's order is its creation order.
  const listed = (await client.get<any>('/v1/jobs?kind=bc.batch')).jobs.map((j: any) => j.id);
  assert.deepEqual(listed, r.json.jobs.map((j: any) => j.id).reverse());
  // Its tasks are claimable like any others, by priority then age.
  const got = await claim(worker, 'bc-batch-w', [{ kind: 'bc.batch' }], { max: 5 });
  assert.equal(got.length, 5);
  assert.equal(got[0]!.jobId, r.json.jobs[2].id);
});

test('one invalid job refuses the whole batch, naming it; nothing is created', async () => {
  const ok = { kind: 'bc.atomic', input: 1 };
  await client.post('/v1/jobs', { ...ok, key: 'bc-atomic-existing' });
  const before = await countOf('bc.atomic');
  assert.equal(before, 1);
  const cases: Array<[unknown[], string]> = [
    [[ok, { kind: 'bc.unknown', input: 2 }, ok], 'jobs.1.kind'],
    [[ok, ok, { kind: 'bc.nope', input: 3 }], 'jobs.2.kind'],
    [[ok, { ...ok, variants: 5000 }], 'jobs.1.variants'],
    [[ok, { ...ok, delayMs: 10, runAt: Date.now() + 1000 }], 'jobs.1.delayMs'],
    [[{ ...ok, backoff: { delayMs: 5000, maxDelayMs: 10 } }, ok], 'jobs.0.backoff.maxDelayMs'],
    [[ok, { ...ok, variants: 0 }], 'jobs.1.variants'],
    [[ok, { ...ok, kind: 'Not A Kind' }], 'jobs.1.kind'],
    [[ok, { input: 1 }], 'jobs.1.kind'],
    [
      [
        { ...ok, key: 'bc-atomic-new' },
        { ...ok, key: 'bc-atomic-existing' },
        { kind: 'bc.unknown', input: 1 },
      ],
      'jobs.2.kind',
    ],
  ];
  for (const [jobs, field] of cases) {
    const r = await batch(jobs);
    assert.equal(r.status, 400, `${field}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_request');
    assert.equal(r.json.error.field, field, r.json.error.message);
    assert.equal(await countOf('bc.atomic'), before, `a refused batch created jobs (${field})`);
  }
  // The key of a refused batch was never taken.
  const again = await send(h.url, 'POST', '/v1/jobs', { token: client.token, body: { ...ok, key: 'bc-atomic-new' } });
  assert.equal(again.status, 201, again.text);

  const empty = await batch([]);
  assert.equal(empty.status, 400, empty.text);
  assert.equal(empty.json.error.field, 'jobs');
  const worker403 = await send(h.url, 'POST', '/v1/jobs/batch', { token: worker.token, body: { jobs: [ok] } });
  assert.equal(worker403.status, 403);
});

test('idempotency keys in a batch: a used key returns its job, also one used earlier in the same batch', async () => {
  const existing = await client.post<any>('/v1/jobs', { kind: 'bc.key', input: 'old', key: 'bc-key-1' });
  const r = await batch([
    { kind: 'bc.key', input: 'new', key: 'bc-key-1' },
    { kind: 'bc.key', input: 'first', key: 'bc-key-2' },
    { kind: 'bc.key', input: 'second', key: 'bc-key-2' },
    { kind: 'bc.key', input: 'free' },
  ]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.created, [false, true, false, true]);
  assert.equal(r.json.jobs[0].id, existing.id);
  assert.equal(r.json.jobs[0].input, 'old', 'the existing job stands');
  assert.equal(r.json.jobs[2].id, r.json.jobs[1].id, 'the repeat in the batch is the job created earlier in it');
  assert.equal(r.json.jobs[2].input, 'first');
  assert.equal(await countOf('bc.key'), 3);
});

test('a batch takes up to 1000 jobs; 1001 is refused and creates nothing', { timeout: 30_000 }, async () => {
  const jobs = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'bc.big', input: i }));
  const tooMany = await batch(jobs(1001));
  assert.equal(tooMany.status, 400, tooMany.text.slice(0, 300));
  assert.equal(tooMany.json.error.code, 'invalid_request');
  assert.equal(tooMany.json.error.field, 'jobs');
  assert.equal(await countOf('bc.big'), 0);

  const full = await batch(jobs(1000));
  assert.equal(full.status, 200, full.text.slice(0, 300));
  assert.equal(full.json.jobs.length, 1000);
  assert.ok(full.json.created.every((c: boolean) => c));
  assert.deepEqual(
    full.json.jobs.map((j: any) => j.input),
    jobs(1000).map((j) => j.input),
  );
  const stats = await client.get<any>('/v1/stats');
  const queued = stats.tasks
    .filter((t: any) => t.kind === 'bc.big' && t.state === 'queued')
    .reduce((n: number, t: any) => n + t.count, 0);
  assert.equal(queued, 1000);
});

test('a batch may ask for at most 10,000 tasks in all; more is refused naming jobs, and creates nothing', async () => {
  // 1000 jobs x 1000 variants (1M tasks) held the hub 3.5 s in one transaction (issue 16, item 15).
  const jobs = (n: number, variants: number) =>
    Array.from({ length: n }, (_, i) => ({ kind: 'bc.tasks', input: i, variants }));
  const huge = await batch(jobs(1000, 1000));
  assert.equal(huge.status, 400, huge.text.slice(0, 300));
  assert.deepEqual([huge.json.error.code, huge.json.error.field], ['invalid_request', 'jobs']);
  assert.match(huge.json.error.message, /1000000 tasks .* at most 10000/);
  const over = await batch(jobs(11, 1000));
  assert.equal(over.status, 400, over.text.slice(0, 300));
  assert.equal(await countOf('bc.tasks'), 0);
  const atBound = await batch(jobs(10, 1000));
  assert.equal(atBound.status, 200, atBound.text.slice(0, 300));
  assert.equal(atBound.json.jobs.length, 10);
});

test('a bad job at the end of a 10,000-task batch refuses all of it: nothing is created or counted', async () => {
  const jobs = Array.from({ length: 10 }, (_, i) => ({
    kind: 'bc.late',
    input: i,
    variants: 999,
    key: `bc-late-${i}`,
  }));
  const queuedOf = async () =>
    (await client.get<any>('/v1/stats')).tasks
      .filter((t: any) => t.kind === 'bc.late')
      .reduce((n: number, t: any) => n + t.count, 0);
  const r = await batch([...jobs, { kind: 'bc.late', input: 'bad', variants: 10, priority: 1e9 }]);
  assert.equal(r.status, 400, r.text.slice(0, 300));
  assert.equal(r.json.error.field, 'jobs.10.priority');
  assert.equal(await countOf('bc.late'), 0);
  assert.equal(await queuedOf(), 0);
  // Its keys were never taken: the same jobs go in afterwards, all of them new.
  const ok = await batch(jobs);
  assert.equal(ok.status, 200, ok.text.slice(0, 300));
  assert.ok(ok.json.created.every((c: boolean) => c));
  assert.equal(await queuedOf(), 9990);
});

test('/v1/health is answered while a 10,000-task batch is being created, before the batch is', async () => {
  // The store has begun creating the batch when the health request is sent; on SQLite the batch
  // is written in chunks with turns of the event loop between them, on PostgreSQL by the server.
  const creating = nextCall(h.hub.broker.store, 'createJobs');
  const finished: string[] = [];
  const jobs = Array.from({ length: 10 }, (_, i) => ({ kind: 'bc.health', input: i, variants: 1000 }));
  const big = batch(jobs).then((r) => (finished.push('batch'), r));
  await creating;
  const health = await send(h.url, 'GET', '/v1/health').then((r) => (finished.push('health'), r));
  assert.equal(health.status, 200, health.text);
  const r = await big;
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.deepEqual(finished, ['health', 'batch'], 'the health request waited for the batch');
  assert.equal(await countOf('bc.health'), 10);
});

test('a worker waiting on a kind gets tasks of a 10,000-task batch as soon as it is answered', async () => {
  const held = claimHeldOpen(h, 'bc-woken-w');
  const waiting = claim(worker, 'bc-woken-w', [{ kind: 'bc.woken' }], { max: 50, waitMs: 20_000 });
  await held;
  const r = await batch(Array.from({ length: 10 }, (_, i) => ({ kind: 'bc.woken', input: i, variants: 1000 })));
  assert.equal(r.status, 200, r.text.slice(0, 300));
  const got = await within(waiting, 15_000, 'the waiting claim');
  assert.equal(got.length, 50);
  assert.ok(got.every((t) => r.json.jobs.some((j: any) => j.id === t.jobId)));
});

/** A handler that counts its calls; each output carries the call number, so a rerun shows. */
function countingHandler(kind: string): Handler & { calls: number } {
  const h = {
    kind,
    calls: 0,
    run: (input: unknown, ctx: { seed: number; index: number }) => ({
      input,
      seed: ctx.seed,
      index: ctx.index,
      call: ++h.calls,
    }),
  };
  return h;
}

const finished = (id: string) =>
  within(client.get<any>(`/v1/jobs/${id}?wait=20s`, { timeoutMs: 30_000 }), 25_000, `job ${id} to finish`);
const byIndex = (results: any[]) =>
  [...results].sort((a, b) => a.index - b.index).map((r) => ({ index: r.index, seed: r.seed, output: r.output }));

test(
  'cache: an identical job reuses the results of one that succeeded and runs nothing',
  { timeout: 30_000 },
  async () => {
    const kind = 'bc.cache';
    const handler = countingHandler(kind);
    const agents = startAgents(h, worker.token, [handler], { names: ['bc-cache-w'], concurrency: 2 });
    try {
      const spec = { kind, input: { prompt: 'p', opts: { a: 1, b: [1, 2] } }, variants: 2, seed: 5, cache: true };
      const source = await send(h.url, 'POST', '/v1/jobs', { token: client.token, body: spec });
      assert.equal(source.status, 201, source.text);
      assert.equal(source.json.cached, false);
      assert.equal(source.json.cachedFrom, null);
      assert.match(source.json.cacheKey, /^[0-9a-f]{64}$/);
      const done = await finished(source.json.id);
      assert.equal(done.state, 'succeeded');
      assert.equal(handler.calls, 2);

      const hit = await send(h.url, 'POST', '/v1/jobs', { token: client.token, body: spec });
      assert.equal(hit.status, 201, hit.text);
      assert.notEqual(hit.json.id, source.json.id);
      assert.equal(hit.json.cached, true);
      assert.equal(hit.json.cachedFrom, source.json.id);
      assert.equal(hit.json.state, 'succeeded');
      assert.equal(hit.json.cacheKey, source.json.cacheKey);
      assert.equal(typeof hit.json.finishedAt, 'number');
      assert.deepEqual(hit.json.counts, { queued: 0, leased: 0, succeeded: 2, dead: 0, cancelled: 0 });
      const copy = await client.get<any>(`/v1/jobs/${hit.json.id}`);
      assert.deepEqual(byIndex(copy.results), byIndex(done.results), 'the same outputs');
      assert.deepEqual(copy.results.map((r: any) => r.taskId).sort(), [`${hit.json.id}.0`, `${hit.json.id}.1`]);

      // Key order in the input does not matter; other fields outside the identity do not either.
      const reordered = await client.post<any>('/v1/jobs', {
        ...spec,
        input: { opts: { b: [1, 2], a: 1 }, prompt: 'p' },
        priority: 9,
        leaseMs: 5000,
      });
      assert.equal(reordered.cached, true);
      assert.equal(reordered.cachedFrom, source.json.id);

      // A different seed or input is a miss and runs; meanwhile the hits above ran nothing.
      const otherSeed = await client.post<any>('/v1/jobs', { ...spec, seed: 6 });
      assert.equal(otherSeed.cached, false);
      assert.equal(otherSeed.state, 'queued');
      assert.equal((await finished(otherSeed.id)).state, 'succeeded');
      assert.equal(handler.calls, 4, 'only the miss ran; the cache hits called no handler');
      const otherInput = await client.post<any>('/v1/jobs', {
        ...spec,
        input: { prompt: 'q', opts: { a: 1, b: [1, 2] } },
      });
      assert.equal(otherInput.cached, false);
      const otherVariants = await client.post<any>('/v1/jobs', { ...spec, variants: 3 });
      assert.equal(otherVariants.cached, false);
      const notAsked = await client.post<any>('/v1/jobs', { ...spec, cache: false });
      assert.equal(notAsked.cached, false, 'without cache a job always runs');
      for (const j of [otherInput, otherVariants, notAsked]) assert.equal((await finished(j.id)).state, 'succeeded');
      assert.equal(handler.calls, 4 + 2 + 3 + 2);

      // A TTL is measured from when the source finished: ttlMs 0 once it is in the past is a miss.
      const newest = await client.get<any>(`/v1/jobs/${notAsked.id}`);
      await clockPast(Math.max(done.finishedAt, newest.finishedAt));
      const fresh = await client.post<any>('/v1/jobs', { ...spec, cache: { ttlMs: 60_000 } });
      assert.equal(fresh.cached, true);
      const stale = await client.post<any>('/v1/jobs', { ...spec, cache: { ttlMs: 0 } });
      assert.equal(stale.cached, false, 'a ttl of 0 ms does not reuse a result that finished before now');
      assert.equal(stale.state, 'queued');
      assert.equal((await finished(stale.id)).state, 'succeeded');
    } finally {
      await agents.stop();
    }
  },
);

test(
  'cache: copies made by hits are never sources themselves, so a TTL cannot be refreshed by copying',
  { timeout: 30_000 },
  async () => {
    const kind = 'bc.copy';
    const spec = { kind, input: 'c', cache: true };
    const source = await client.post<any>('/v1/jobs', spec);
    const [t] = await claim(worker, 'bc-copy-w', [{ kind }]);
    await worker.post('/v1/worker/complete', { results: [{ leaseId: t!.leaseId, output: 'made once' }] });
    const sourceDone = await client.get<any>(`/v1/jobs/${source.id}`);
    assert.equal(sourceDone.state, 'succeeded');

    // A copy made well after the source finished...
    await clockPast(sourceDone.finishedAt + 300);
    const copy = await client.post<any>('/v1/jobs', spec);
    assert.equal(copy.cached, true);
    assert.ok(copy.finishedAt >= sourceDone.finishedAt + 300);
    // ...does not make a TTL that the source misses hit: the TTL reaches back 100 ms short of the source.
    const ttlMs = Date.now() - sourceDone.finishedAt - 100;
    const late = await client.post<any>('/v1/jobs', { ...spec, cache: { ttlMs } });
    assert.equal(
      late.cached,
      false,
      `a copy (finished ${copy.finishedAt}) served a hit the source (finished ${sourceDone.finishedAt}) is too old for (ttl ${ttlMs} ms)`,
    );
    assert.equal(late.state, 'queued');
  },
);

test('cache: a job stopped early with enough is not a source for a job asking for every variant', async () => {
  const kind = 'bc.enough';
  const spec = { kind, input: 'e', variants: 3, seed: 1, cache: true };
  const partial = await client.post<any>('/v1/jobs', spec);
  const [t] = await claim(worker, 'bc-enough-w', [{ kind }], { max: 1 });
  await worker.post('/v1/worker/complete', { results: [{ leaseId: t!.leaseId, output: 'one of three' }] });
  const stopped = await client.post<any>(`/v1/jobs/${partial.id}/enough`);
  assert.equal(stopped.state, 'succeeded');
  assert.equal(stopped.counts.succeeded, 1);

  const again = await client.post<any>('/v1/jobs', spec);
  assert.equal(again.cached, false, `a cache hit from a job with 1 of 3 results: ${JSON.stringify(again.counts)}`);
  assert.equal(again.state, 'queued');
  assert.equal(again.counts.queued, 3, 'all three variants run');
});
