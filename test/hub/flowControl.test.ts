import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import type { Handler } from '../../src/worker/handler.js';
import type { Store } from '../../src/store/store.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { claim, claimHeldOpen, deferred, refused, send, within, type Deferred } from '../fixtures/apiHandlers.js';
import { FlowRecorder, startAgents } from '../fixtures/flowHandlers.js';

// Flow control over the API: per-key concurrency and rate limits (enforced at claim, shown as
// blockedBy on waiting jobs), limits set after submission, the limits API, and early stop. Each
// test has its own kind and its own concurrency keys.

type Client = HubClient & { readonly token: string };
let h: TestHub;
let client: Client;
let worker: Client;

const KINDS = ['fc.conc', 'fc.late', 'fc.late-leased', 'fc.rate', 'fc.enough', 'fc.delete'];

before(async () => {
  h = await startTestHub({ kinds: KINDS });
  client = await h.as('client');
  worker = await h.as('worker');
});
after(() => h.close());

async function putLimit(key: string, body: unknown): Promise<void> {
  const r = await send(h.url, 'PUT', `/v1/limits/${encodeURIComponent(key)}`, { token: h.adminToken, body });
  assert.equal(r.status, 200, r.text);
}

/** Long-polls each job until it is finished; returns the finished jobs. */
function allFinished(ids: string[], ms: number, what: string): Promise<any[]> {
  return within(
    Promise.all(ids.map((id) => client.get<any>(`/v1/jobs/${id}?wait=20s`, { timeoutMs: 30_000 }))),
    ms,
    what,
  );
}

test(
  'a prefix rule limits each matching key on its own; unkeyed work runs beside them',
  { timeout: 30_000 },
  async () => {
    const kind = 'fc.conc';
    const set = await send(h.url, 'PUT', '/v1/limits/bot:*', { token: h.adminToken, body: { concurrency: 1 } });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json, { key: 'bot:*', concurrency: 1, rate: null });

    // Interleaved, so the keyed jobs are as old as the unkeyed ones and would be claimed first.
    const specs: any[] = [];
    for (let i = 0; i < 6; i++) {
      specs.push({ kind, input: { key: 'bot:a', i }, concurrencyKey: 'bot:a' });
      specs.push({ kind, input: { key: 'bot:b', i }, concurrencyKey: 'bot:b' });
      if (i < 4) specs.push({ kind, input: { key: null, i } });
    }
    const batch = await client.post<any>('/v1/jobs/batch', { jobs: specs });
    assert.equal(batch.jobs.length, 16);
    const idsOf = (key: string | null): string[] =>
      batch.jobs.filter((j: any) => (j.input.key ?? null) === key).map((j: any) => j.id as string);
    const [aIds, bIds, uIds] = [idsOf('bot:a'), idsOf('bot:b'), idsOf(null)];
    assert.deepEqual([aIds.length, bIds.length, uIds.length], [6, 6, 4]);

    const rec = new FlowRecorder(kind, 15);
    const agents = startAgents(h, worker.token, [rec.handler()], { names: ['fc-conc-1', 'fc-conc-2'], concurrency: 4 });
    try {
      // Eight slots: one task of each key and all four unkeyed ones fill six of them.
      await rec.until(() => rec.running >= 6, 10_000, 'six tasks to be running');
      assert.equal(rec.runningOf('bot:a'), 1, 'bot:a runs one task at a time');
      assert.equal(rec.runningOf('bot:b'), 1, 'bot:b runs one task at a time');
      assert.equal(rec.runningOf(null), 4, 'every unkeyed job runs at once beside them');

      const runningA = rec.runs.find((r) => r.key === 'bot:a')!;
      const waitingA = aIds.filter((id) => id !== runningA.jobId);
      const waiting = await client.get<any>(`/v1/jobs/${waitingA[0]}`);
      assert.equal(waiting.state, 'queued');
      assert.deepEqual(waiting.blockedBy, { reason: 'concurrency', key: 'bot:a', until: null });

      // bot:a stays at its limit while everything else is let go: the rest still flows past it.
      rec.releaseWhere((r) => r.key !== 'bot:a');
      const others = await allFinished([...bIds, ...uIds], 15_000, 'the bot:b and unkeyed jobs to finish');
      assert.deepEqual(
        others.map((j) => j.state),
        Array(10).fill('succeeded'),
      );
      assert.equal(runningA.finished, false, 'the first bot:a task is still held');
      assert.equal(
        rec.runs.filter((r) => r.key === 'bot:a').length,
        1,
        'no second bot:a task started while the first runs',
      );
      for (const id of waitingA) {
        const j = await client.get<any>(`/v1/jobs/${id}`);
        assert.equal(j.state, 'queued', `${id} waits`);
        assert.equal(j.counts.queued, 1);
        assert.deepEqual(j.blockedBy, { reason: 'concurrency', key: 'bot:a', until: null }, `${id} says why it waits`);
        const { tasks } = await client.get<any>(`/v1/jobs/${id}/tasks`);
        assert.equal(tasks[0].attempt, 0, 'a task over the limit is never leased');
      }

      rec.releaseAll();
      const aDone = await allFinished(aIds, 15_000, 'the bot:a jobs to finish');
      assert.deepEqual(
        aDone.map((j) => j.state),
        Array(6).fill('succeeded'),
      );
      for (const j of aDone) assert.equal(j.blockedBy, null);

      assert.equal(rec.runs.length, 16, 'each job ran once');
      assert.equal(rec.maxOf('bot:a'), 1, 'bot:a never ran two at once');
      assert.equal(rec.maxOf('bot:b'), 1, 'bot:b never ran two at once');
      assert.ok(
        rec.maxRunning > 2,
        `at most ${rec.maxRunning} ran at once; the unkeyed ones should run beside the keyed ones`,
      );
      for (const id of batch.jobs.map((j: any) => j.id)) {
        const { tasks } = await client.get<any>(`/v1/jobs/${id}/tasks`);
        assert.equal(tasks[0].attempt, 1, 'no task was failed or retried by the limit');
      }
    } finally {
      rec.releaseAll();
      await agents.stop();
    }
  },
);

test('a limit set after submission applies to the jobs already waiting', { timeout: 30_000 }, async () => {
  const kind = 'fc.late';
  const batch = await client.post<any>('/v1/jobs/batch', {
    jobs: Array.from({ length: 5 }, (_, i) => ({ kind, input: { key: 'late:a', i }, concurrencyKey: 'late:a' })),
  });
  const ids: string[] = batch.jobs.map((j: any) => j.id);
  assert.equal((await client.get<any>(`/v1/jobs/${ids[0]}`)).blockedBy, null);
  await putLimit('late:a', { concurrency: 1 });

  const rec = new FlowRecorder(kind, 10);
  // The agent has four slots: it takes the one task the limit allows, then waits with a claim open.
  const held = claimHeldOpen(h, 'fc-late-1');
  const agents = startAgents(h, worker.token, [rec.handler()], { names: ['fc-late-1'], concurrency: 4 });
  try {
    await within(held, 10_000, 'the agent to wait with a claim held open (it would not, were it running four)');
    assert.equal(rec.running, 1, `${rec.running} tasks of late:a run at once under concurrency 1`);
    const waiting = ids.filter((id) => id !== rec.runs[0]!.jobId);
    for (const id of waiting) {
      const j = await client.get<any>(`/v1/jobs/${id}`);
      assert.equal(j.state, 'queued');
      assert.deepEqual(j.blockedBy, { reason: 'concurrency', key: 'late:a', until: null });
    }
    rec.releaseAll();
    const done = await allFinished(ids, 15_000, 'the late:a jobs to finish');
    assert.deepEqual(
      done.map((j) => j.state),
      Array(5).fill('succeeded'),
    );
    assert.equal(rec.runs.length, 5);
    assert.equal(rec.maxOf('late:a'), 1, 'the limit held for every job submitted before it');
  } finally {
    rec.releaseAll();
    await agents.stop();
  }
});

test('a task that held a lease when its limit was set obeys the limit once it is queued again', async () => {
  const kind = 'fc.late-leased';
  const spec = { kind, input: 1, concurrencyKey: 'late:b', maxAttempts: 5, backoff: { delayMs: 0 } };
  for (let i = 0; i < 3; i++) await client.post('/v1/jobs', spec);
  const first = await claim(worker, 'fc-late-leased-w', [{ kind }], { max: 3 });
  assert.equal(first.length, 3, 'no limit yet: all three are leased');

  await putLimit('late:b', { concurrency: 1 });
  // All three fail and go back to the queue, now under concurrency 1.
  for (const t of first)
    await worker.post('/v1/worker/fail', { leaseId: t.leaseId, error: 'try again', retryable: true });
  for (const t of first) assert.equal((await client.get<any>(`/v1/tasks/${t.taskId}`)).state, 'queued');

  const again = await claim(worker, 'fc-late-leased-w', [{ kind }], { max: 3 });
  assert.equal(again.length, 1, `a claim leased ${again.length} tasks of late:b, whose limit is concurrency 1`);
});

test('a rate limit spaces the starts of a key as its token bucket allows', { timeout: 30_000 }, async () => {
  const kind = 'fc.rate';
  await putLimit('model:x', { rate: { count: 2, intervalMs: 1000 } });
  const batch = await client.post<any>('/v1/jobs/batch', {
    jobs: Array.from({ length: 5 }, (_, i) => ({ kind, input: { key: 'model:x', i }, concurrencyKey: 'model:x' })),
  });
  const ids: string[] = batch.jobs.map((j: any) => j.id);

  // The times the hub granted each start (the `now` its claims ran at): a worker's own start
  // times also carry the delivery delay, which a loaded machine makes uneven.
  const store = (h.hub.broker as unknown as { store: Store }).store;
  const claimStore = store.claim.bind(store);
  const granted: number[] = [];
  store.claim = async (...args: Parameters<Store['claim']>) => {
    const out = await claimStore(...args);
    for (const t of out.tasks) if (t.kind === kind) granted.push(args[3]);
    return out;
  };
  const rec = new FlowRecorder(kind);
  rec.releaseAll();
  const held = claimHeldOpen(h, 'fc-rate-1');
  const agents = startAgents(h, worker.token, [rec.handler()], { names: ['fc-rate-1'], concurrency: 5 });
  try {
    // The full bucket allows a burst of two; the agent's next claim finds it empty and waits.
    await within(held, 10_000, 'the agent to wait with a claim held open after the burst');
    assert.equal(rec.runs.length, 2, `${rec.runs.length} tasks started in the burst; the bucket holds 2`);
    const started = new Set(rec.runs.map((r) => r.jobId));
    const before = Date.now();
    const waiting = await client.get<any>(`/v1/jobs/${ids.find((id) => !started.has(id))}`);
    assert.equal(waiting.state, 'queued');
    assert.equal(waiting.blockedBy?.reason, 'rate', JSON.stringify(waiting.blockedBy));
    assert.equal(waiting.blockedBy.key, 'model:x');
    assert.ok(waiting.blockedBy.until > before, `until ${waiting.blockedBy.until} is not in the future (${before})`);
    assert.ok(waiting.blockedBy.until <= before + 1000, 'the bucket refills a token within 500 ms');

    const done = await allFinished(ids, 15_000, 'the rate-limited jobs to finish');
    assert.deepEqual(
      done.map((j) => j.state),
      Array(5).fill('succeeded'),
    );
    for (const id of ids) {
      const { tasks } = await client.get<any>(`/v1/jobs/${id}/tasks`);
      assert.equal(tasks[0].state, 'succeeded');
      assert.equal(tasks[0].attempt, 1, 'waiting for the rate is not a failed attempt');
    }
    // One token per 500 ms after a burst of 2: the k-th start after a start is (k-1) * 500 ms later.
    const starts = granted.sort((a, b) => a - b);
    assert.equal(starts.length, 5);
    const slack = 1;
    for (let i = 0; i < starts.length; i++) {
      for (let j = i + 2; j < starts.length; j++) {
        const gap = starts[j]! - starts[i]!;
        assert.ok(
          gap >= (j - i - 1) * 500 - slack,
          `starts ${i} and ${j} are ${gap} ms apart; the bucket allows ${j - i + 1} starts only over ${(j - i - 1) * 500} ms (starts: ${starts.map((s) => s - starts[0]!).join(', ')})`,
        );
      }
    }
    assert.ok(starts[2]! - starts[0]! >= 500 - slack, 'the third start waited for a token');
  } finally {
    store.claim = claimStore;
    rec.releaseAll();
    await agents.stop();
  }
});

test('limits API: validation, scopes, listing and removal', async () => {
  const client2 = client;
  const put = (key: string, body: unknown, token = h.adminToken) =>
    send(h.url, 'PUT', `/v1/limits/${encodeURIComponent(key)}`, { token, body });

  for (const body of [{}, { concurrency: null }, { concurrency: null, rate: null }]) {
    const r = await put('val:a', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_request');
    assert.equal(r.json.error.field, 'concurrency');
  }
  const zero = await put('val:a', { concurrency: 0 });
  assert.equal(zero.status, 400, zero.text);
  assert.equal(zero.json.error.field, 'concurrency');
  for (const body of [
    { concurrency: 1.5 },
    { concurrency: '2' },
    { rate: { count: 0, intervalMs: 1000 } },
    { rate: { count: 1 } },
    { rate: { count: 1, intervalMs: 0 } },
    { concurrency: 1, extra: true },
  ]) {
    const r = await put('val:a', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_request');
  }
  assert.equal((await put('val:a', { concurrency: 2 }, client2.token)).status, 403, 'a client may not set limits');
  assert.equal((await put('val:a', { concurrency: 2 }, worker.token)).status, 403, 'a worker may not set limits');
  assert.equal((await put('val:a', { concurrency: 2 }, '')).status, 401);

  const set = await put('val:a', { concurrency: 2 });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json, { key: 'val:a', concurrency: 2, rate: null });
  // A PUT replaces what was set: only the rate remains.
  const replaced = await put('val:a', { rate: { count: 3, intervalMs: 60_000 } });
  assert.deepEqual(replaced.json, { key: 'val:a', concurrency: null, rate: { count: 3, intervalMs: 60_000 } });
  await putLimit('val:*', { concurrency: 5, rate: { count: 10, intervalMs: 1000 } });

  const { limits } = await client.get<any>('/v1/limits');
  assert.deepEqual(
    limits.filter((l: any) => l.key.startsWith('val:')),
    [
      { key: 'val:*', concurrency: 5, rate: { count: 10, intervalMs: 1000 } },
      { key: 'val:a', concurrency: null, rate: { count: 3, intervalMs: 60_000 } },
    ],
  );
  const keys = limits.map((l: any) => l.key);
  assert.deepEqual(
    keys,
    [...keys].sort((a: string, b: string) => a.localeCompare(b)),
    'sorted by key',
  );

  await refused(client.request('DELETE', `/v1/limits/${encodeURIComponent('val:a')}`), 403);
  assert.deepEqual(await h.admin.request('DELETE', `/v1/limits/${encodeURIComponent('val:a')}`), { deleted: 'val:a' });
  await refused(h.admin.request('DELETE', `/v1/limits/${encodeURIComponent('val:a')}`), 404, { code: 'not_found' });
  await refused(h.admin.request('DELETE', '/v1/limits/never-set'), 404, { code: 'not_found' });
  const left = (await client.get<any>('/v1/limits')).limits.filter((l: any) => l.key.startsWith('val:'));
  assert.deepEqual(
    left.map((l: any) => l.key),
    ['val:*'],
  );
});

test('removing a limit frees its waiting jobs and leaves no blockedBy behind', async () => {
  const kind = 'fc.delete';
  await putLimit('del:a', { concurrency: 1 });
  const j1 = await client.post<any>('/v1/jobs', { kind, input: 1, concurrencyKey: 'del:a' });
  const j2 = await client.post<any>('/v1/jobs', { kind, input: 2, concurrencyKey: 'del:a' });
  const [t1, ...rest] = await claim(worker, 'fc-delete-w', [{ kind }], { max: 2 });
  assert.equal(t1!.jobId, j1.id);
  assert.equal(rest.length, 0, 'concurrency 1');
  // The next claim finds the key at its limit, and says so on the waiting job.
  assert.deepEqual(await claim(worker, 'fc-delete-w', [{ kind }], { max: 2 }), []);
  assert.deepEqual((await client.get<any>(`/v1/jobs/${j2.id}`)).blockedBy, {
    reason: 'concurrency',
    key: 'del:a',
    until: null,
  });

  await h.admin.request('DELETE', `/v1/limits/${encodeURIComponent('del:a')}`);
  // No limit now: the waiting task moved to the unlimited queue, and goes out while the first still runs.
  const [t2] = await claim(worker, 'fc-delete-w', [{ kind }], { max: 2 });
  assert.equal(t2?.jobId, j2.id);
  // A new job of the key waits for a worker, not for a limit that no longer exists.
  const j3 = await client.post<any>('/v1/jobs', { kind, input: 3, concurrencyKey: 'del:a' });
  assert.equal(j3.state, 'queued');
  assert.equal(j3.blockedBy, null, `blockedBy ${JSON.stringify(j3.blockedBy)} although del:a has no limit any more`);
  assert.equal((await client.get<any>(`/v1/jobs/${j3.id}`)).blockedBy, null);
});

test(
  'enough stops a job early: it succeeds with the results it has, running variants are aborted, queued ones never start',
  { timeout: 30_000 },
  async () => {
    const kind = 'fc.enough';
    const started: number[] = [];
    const aborted = new Map<number, Deferred<unknown>>([2, 3, 4, 5].map((i) => [i, deferred<unknown>()]));
    const twoBlocked = deferred();
    const handler: Handler = {
      kind,
      run: (_input, ctx) => {
        started.push(ctx.index);
        // Variants 0 and 1 finish at once; the others run until they are told to stop.
        if (ctx.index < 2) return { index: ctx.index };
        return new Promise((resolve) => {
          ctx.signal.addEventListener(
            'abort',
            () => {
              aborted.get(ctx.index)?.resolve(ctx.signal.reason);
              resolve({ index: ctx.index, late: true });
            },
            { once: true },
          );
          if (started.filter((i) => i >= 2).length === 2) twoBlocked.resolve();
        });
      },
    };
    const job = await client.post<any>('/v1/jobs', { kind, input: 'go', variants: 6, leaseMs: 1500 });
    // Two slots: variants 0 and 1 run and finish, then 2 and 3 take the slots and block; 4 and 5 wait.
    const agents = startAgents(h, worker.token, [handler], { names: ['fc-enough-w'], concurrency: 2 });
    try {
      const two = await within(
        client.get<any>(`/v1/jobs/${job.id}?results=2&wait=10s`, { timeoutMs: 20_000 }),
        15_000,
        'two results',
      );
      assert.equal(two.state, 'running');
      assert.deepEqual(two.results.map((r: any) => r.index).sort(), [0, 1]);
      await within(twoBlocked.promise, 10_000, 'variants 2 and 3 to be running');

      // Once the agent's slots free up it claims again, and finds nothing: 4 and 5 were cancelled.
      const held = claimHeldOpen(h, 'fc-enough-w');
      const stopped = await client.post<any>(`/v1/jobs/${job.id}/enough`);
      assert.equal(stopped.id, job.id);
      assert.equal(stopped.state, 'succeeded');
      assert.equal(stopped.enough, true);
      assert.deepEqual(stopped.counts, { queued: 0, leased: 0, succeeded: 2, dead: 0, cancelled: 4 });
      assert.equal(typeof stopped.finishedAt, 'number');

      const reasons = await within(
        Promise.all([aborted.get(2)!.promise, aborted.get(3)!.promise]),
        10_000,
        'the running variants to be aborted (via heartbeat)',
      );
      for (const r of reasons) assert.match(String((r as Error)?.message ?? r), /cancel/);
      await within(held, 10_000, 'the agent to claim again and find nothing');
      assert.deepEqual([...started].sort(), [0, 1, 2, 3], 'variants 4 and 5 never started');

      const done = await client.get<any>(`/v1/jobs/${job.id}`);
      assert.equal(done.state, 'succeeded');
      assert.equal(done.enough, true);
      assert.deepEqual(done.results.map((r: any) => r.index).sort(), [0, 1], 'exactly the two results it had');
      const { tasks } = await client.get<any>(`/v1/jobs/${job.id}/tasks`);
      assert.deepEqual(
        tasks.map((t: any) => [t.index, t.state, t.attempt]),
        [
          [0, 'succeeded', 1],
          [1, 'succeeded', 1],
          [2, 'cancelled', 1],
          [3, 'cancelled', 1],
          [4, 'cancelled', 0],
          [5, 'cancelled', 0],
        ],
      );
      for (const t of tasks.slice(2)) assert.equal(t.error, 'cancelled: the client had enough results');

      // Enough on an unknown job is 404; a worker token may not call it.
      await refused(client.post('/v1/jobs/job_nope/enough'), 404, { code: 'not_found' });
      await refused(worker.post(`/v1/jobs/${job.id}/enough`), 403);
    } finally {
      for (const d of aborted.values()) d.resolve(undefined);
      await agents.stop();
    }
  },
);
