import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_BACKOFF } from '../../src/util/backoff.js';
import type { Store } from '../../src/store/store.js';
import type { NewJob, RouteClaim } from '../../src/types.js';
import { jobId } from '../../src/util/ids.js';

/** Every store adapter passes this suite; a retry waits exactly RETRY_MS so times are exact. */
export const RETRY_MS = 1000;

export interface StoreFactory {
  name: string;
  /** A fresh, empty store whose retryDelay is always RETRY_MS. */
  open(): Promise<Store>;
}

const T0 = 1_700_000_000_000;

/** Routes with no limits, as a worker serving plain kinds claims them. */
function rc(...routes: string[]): RouteClaim[] {
  return routes.map((route) => ({ route, key: null, concurrency: null, rate: null }));
}

/** A job with every field filled in, as the broker hands it to the store; `over` changes some. */
export function newJob(over: Partial<NewJob> = {}): NewJob {
  const kind = over.kind ?? 'test.echo';
  return {
    route: kind,
    concurrencyKey: null,
    cacheKey: null,
    cacheTtlMs: null,
    id: jobId(T0),
    kind: 'test.echo',
    input: { n: 1 },
    variants: 1,
    priority: 0,
    runAt: T0,
    maxAttempts: 3,
    backoff: DEFAULT_BACKOFF,
    leaseMs: 10_000,
    key: null,
    requires: null,
    seed: 100,
    createdAt: T0,
    ...over,
  };
}

export function storeContract(factory: StoreFactory): void {
  describe(`store contract: ${factory.name}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.open();
    });
    after(async () => {
      await store.close();
    });
    // Each test uses its own kind so leftovers from one never satisfy another's claim.
    let n = 0;
    const kind = () => `contract.k${++n}`;

    test('a job with variants has one task per variant, task i seeded seed + i', async () => {
      const k = kind();
      const { job, created, changes } = await store.createJob(newJob({ kind: k, variants: 4, seed: 7 }));
      assert.equal(created, true);
      assert.equal(job.state, 'queued');
      assert.deepEqual(job.counts, { queued: 4, leased: 0, succeeded: 0, dead: 0, cancelled: 0 });
      assert.deepEqual(changes.routes, [k]);
      const tasks = await store.listTasks(job.id);
      assert.deepEqual(
        tasks.map((t) => [t.index, t.seed, t.state]),
        [
          [0, 7, 'queued'],
          [1, 8, 'queued'],
          [2, 9, 'queued'],
          [3, 10, 'queued'],
        ],
      );
    });

    test('the same idempotency key returns the existing job', async () => {
      const k = kind();
      const first = await store.createJob(newJob({ kind: k, key: `key-${k}` }));
      const second = await store.createJob(newJob({ kind: k, key: `key-${k}`, input: { other: true } }));
      assert.equal(second.created, false);
      assert.equal(second.job.id, first.job.id);
      assert.deepEqual(second.job.input, { n: 1 });
      assert.equal((await store.listJobs({ kind: k, limit: 10 })).length, 1);
    });

    test('concurrent claims never lease one task twice', async () => {
      const k = kind();
      await store.createJob(newJob({ kind: k, variants: 5 }));
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claim(`w${i}`, rc(k), 1, T0)));
      const leased = claims.flatMap((c) => c.tasks.map((t) => t.taskId));
      assert.equal(leased.length, 5);
      assert.equal(new Set(leased).size, 5);
    });

    test('claims take higher priority first, then oldest first, and only from the routes asked', async () => {
      const k = kind();
      const low = await store.createJob(newJob({ kind: k, priority: 0 }));
      const high = await store.createJob(newJob({ kind: k, priority: 5 }));
      const low2 = await store.createJob(newJob({ kind: k, priority: 0 }));
      assert.equal((await store.claim('w', rc(kind()), 10, T0)).tasks.length, 0);
      const { tasks } = await store.claim('w', rc(k), 2, T0);
      assert.deepEqual(
        tasks.map((t) => t.jobId),
        [high.job.id, low.job.id],
      );
      const rest = await store.claim('w', rc(k), 2, T0);
      assert.deepEqual(
        rest.tasks.map((t) => t.jobId),
        [low2.job.id],
      );
    });

    test('a claim across several routes takes the best tasks of all of them, so none starves', async () => {
      const [a, b] = [kind(), kind()];
      const oldA = await store.createJob(newJob({ kind: a, id: jobId(T0 - 10) }));
      const urgentB = await store.createJob(newJob({ kind: b, priority: 9 }));
      const newA = await store.createJob(newJob({ kind: a }));
      const { tasks } = await store.claim('w', rc(a, b), 2, T0);
      assert.deepEqual(
        tasks.map((t) => t.jobId),
        [urgentB.job.id, oldA.job.id],
      );
      assert.deepEqual(
        (await store.claim('w', rc(a, b), 5, T0)).tasks.map((t) => t.jobId),
        [newA.job.id],
      );
    });

    test('a key at its concurrency limit waits while other routes flow, and frees its slot on completion', async () => {
      const [k, plain] = [kind(), kind()];
      const key = `bot:${k}`;
      const route = `${k}#${key}`;
      await store.createJob(newJob({ kind: k, route, concurrencyKey: key, variants: 3 }));
      await store.createJob(newJob({ kind: plain }));
      const limited = { route, key, concurrency: 1, rate: null };
      const first = await store.claim('w', [limited, ...rc(plain)], 10, T0);
      assert.equal(first.tasks.filter((t) => t.kind === k).length, 1, 'one task of the key, not three');
      assert.equal(first.tasks.filter((t) => t.kind === plain).length, 1, 'the unlimited route still flows');
      const second = await store.claim('w', [limited], 10, T0);
      assert.equal(second.tasks.length, 0);
      assert.deepEqual(second.blocked, [{ route, key, reason: 'concurrency', until: null }]);
      const done = await store.complete([{ leaseId: first.tasks.find((t) => t.kind === k)!.leaseId, output: 1 }], T0);
      assert.ok(done.changes.routes.includes(route), 'completing frees the slot and wakes the route');
      assert.equal((await store.claim('w', [limited], 10, T0)).tasks.length, 1);
    });

    test('a rate-limited key starts at most count tasks per interval and says when it refills', async () => {
      const k = kind();
      const key = `model:${k}`;
      const route = `${k}#${key}`;
      await store.createJob(newJob({ kind: k, route, concurrencyKey: key, variants: 5 }));
      const limited = { route, key, concurrency: null, rate: { count: 2, intervalMs: 1000 } };
      assert.equal((await store.claim('w', [limited], 10, T0)).tasks.length, 2);
      const empty = await store.claim('w', [limited], 10, T0);
      assert.equal(empty.tasks.length, 0);
      assert.deepEqual(empty.blocked, [{ route, key, reason: 'rate', until: T0 + 500 }]);
      assert.equal((await store.claim('w', [limited], 10, T0 + 500)).tasks.length, 1);
      assert.equal(
        (await store.claim('w', [limited], 10, T0 + 1500)).tasks.length,
        2,
        'a bucket never holds more than count',
      );
    });

    test('enough: the rest is cancelled and the job succeeds with the results it has', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k, variants: 3 }));
      const [a, b] = (await store.claim('w', rc(k), 2, T0)).tasks;
      await store.complete([{ leaseId: a!.leaseId, output: 'a' }], T0);
      const r = await store.enough(job.id, T0 + 1);
      assert.equal(r!.job.state, 'succeeded');
      assert.equal(r!.job.enough, true);
      const other = await store.createJob(newJob({ kind: k }));
      await store.cancelJob(other.job.id, T0);
      const late = await store.enough(other.job.id, T0 + 2);
      assert.deepEqual(
        [late!.job.state, late!.job.enough],
        ['cancelled', false],
        'enough does not change a finished job',
      );
      assert.deepEqual(r!.job.counts, { queued: 0, leased: 0, succeeded: 1, dead: 0, cancelled: 2 });
      assert.deepEqual((await store.heartbeat([b!.leaseId], T0 + 1)).cancelled, [b!.leaseId]);
      assert.deepEqual(
        (await store.getResults(job.id)).map((x) => x.output),
        ['a'],
      );
      assert.equal(await store.enough('job_missing', T0), null);
    });

    test('a job with a cache key reuses the results of a succeeded twin, within its ttl', async () => {
      const k = kind();
      const cacheKey = `cache-${k}`;
      const { job: source } = await store.createJob(newJob({ kind: k, variants: 2, cacheKey }));
      const miss = await store.createJob(newJob({ kind: k, variants: 2, cacheKey }));
      assert.equal(miss.job.cachedFrom, null, 'a running twin is not a cache hit');
      await store.cancelJob(miss.job.id, T0);
      const tasks = (await store.claim('w', rc(k), 2, T0)).tasks.filter((t) => t.jobId === source.id);
      await store.complete(
        tasks.map((t) => ({ leaseId: t.leaseId, output: `out${t.index}` })),
        T0 + 10,
      );
      const hit = await store.createJob(newJob({ kind: k, variants: 2, cacheKey, createdAt: T0 + 20 }));
      assert.equal(hit.job.state, 'succeeded');
      assert.equal(hit.job.cachedFrom, source.id);
      assert.deepEqual((await store.getResults(hit.job.id)).map((r) => [r.index, r.output]).sort(), [
        [0, 'out0'],
        [1, 'out1'],
      ]);
      assert.equal((await store.claim('w', rc(k), 5, T0 + 20)).tasks.length, 0, 'a cache hit dispatches nothing');
      const stale = await store.createJob(
        newJob({ kind: k, variants: 2, cacheKey, cacheTtlMs: 5, createdAt: T0 + 20 }),
      );
      assert.equal(stale.job.cachedFrom, null, 'a result older than the ttl is not reused');
    });

    test('createJobs creates a batch in one go, honouring idempotency keys', async () => {
      const k = kind();
      const existing = await store.createJob(newJob({ kind: k, key: `b-${k}` }));
      const r = await store.createJobs([
        newJob({ kind: k }),
        newJob({ kind: k, key: `b-${k}` }),
        newJob({ kind: k, variants: 2 }),
      ]);
      assert.deepEqual(
        r.jobs.map((j) => j.created),
        [true, false, true],
      );
      assert.equal(r.jobs[1]!.job.id, existing.job.id);
      assert.deepEqual(r.changes.routes, [k]);
      assert.equal((await store.claim('w', rc(k), 10, T0)).tasks.length, 4);
    });

    test('a batch is created in order: a key used twice answers the first, delays wait, cache hits copy', async () => {
      const k = kind();
      const cacheKey = `cache-${k}`;
      const { job: source } = await store.createJob(newJob({ kind: k, cacheKey, variants: 2 }));
      const done = (await store.claim('w', rc(k), 2, T0)).tasks;
      await store.complete(
        done.map((t) => ({ leaseId: t.leaseId, output: `src${t.index}` })),
        T0 + 1,
      );
      const r = await store.createJobs([
        newJob({ kind: k, key: `dup-${k}`, variants: 2, seed: 10 }),
        newJob({ kind: k, key: `dup-${k}`, input: { other: true } }),
        newJob({ kind: k, cacheKey, variants: 2, createdAt: T0 + 2 }),
        newJob({ kind: k, runAt: T0 + 5000 }),
        newJob({ kind: k }),
        newJob({ kind: k, priority: 5 }),
      ]);
      const [first, again, hit, delayed, plain, urgent] = r.jobs;
      assert.deepEqual(
        r.jobs.map((j) => j.created),
        [true, false, true, true, true, true],
      );
      assert.equal(again!.job.id, first!.job.id);
      assert.deepEqual(again!.job.input, { n: 1 }, 'the first job of the key answers, as stored');
      assert.deepEqual([hit!.job.state, hit!.job.cachedFrom, hit!.job.counts.succeeded], ['succeeded', source.id, 2]);
      assert.deepEqual(
        (await store.getResults(hit!.job.id)).map((x) => x.output),
        (await store.getResults(source.id)).map((x) => x.output),
      );
      assert.deepEqual(r.changes.routes, [k]);
      assert.equal(r.changes.nextRunAt, T0 + 5000);
      for (const { job } of r.jobs) {
        assert.deepEqual(job, (await store.getJob(job.id))!, 'a job answers as stored');
      }
      // Priority first; among equals, the order of the batch, variants by index.
      const claimed = (await store.claim('w', rc(k), 10, T0)).tasks;
      assert.deepEqual(
        claimed.map((t) => [t.jobId, t.index, t.seed]),
        [
          [urgent!.job.id, 0, 100],
          [first!.job.id, 0, 10],
          [first!.job.id, 1, 11],
          [plain!.job.id, 0, 100],
        ],
      );
      assert.equal((await store.getJob(delayed!.job.id))!.counts.queued, 1, 'the delayed job waits');
    });

    test('a claim issued right after a create, in the same turn, runs behind it and gets its tasks', async () => {
      const k = kind();
      let taken = '';
      for (let round = 0; round < 5; round++) {
        // No await between the two: the broker issues a waiting worker's claim this way.
        const created = store.createJobs([newJob({ kind: k, variants: 2 }), newJob({ kind: k })]);
        const claimed = store.claim('w', rc(k), 10, T0);
        const ids = (await created).jobs.map((j) => j.job.id);
        assert.deepEqual(
          (await claimed).tasks.map((t) => t.jobId),
          [ids[0], ids[0], ids[1]],
        );
        taken = ids[0]!;
      }
      const failed = store.createJobs([newJob({ kind: k, id: taken })]);
      const after = store.claim('w', rc(k), 10, T0);
      await assert.rejects(failed);
      assert.deepEqual(
        (await after).tasks,
        [],
        'a claim behind a create that failed finds nothing, and fails not with it',
      );
    });

    test('a batch that cannot be written creates none of its jobs', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k }));
      const fresh = newJob({ kind: k });
      await assert.rejects(store.createJobs([fresh, newJob({ kind: k, id: job.id })]));
      assert.equal(await store.getJob(fresh.id), null);
      assert.equal((await store.claim('w', rc(k), 10, T0)).tasks.length, 1, "only the first call's task is there");
    });

    test('a large batch that fails at its end creates none of its jobs, and no count sees them', async () => {
      // 1000 tasks: SQLite writes them in several transactions (SqliteCreation) before the failing job.
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k }));
      const before = await store.stats();
      const jobs = Array.from({ length: 40 }, (_, i) => newJob({ kind: k, variants: 25, key: `late-${k}-${i}` }));
      await assert.rejects(store.createJobs([...jobs, newJob({ kind: k, id: job.id })]));
      for (const j of jobs) assert.equal(await store.getJob(j.id), null);
      assert.deepEqual(await store.stats(), before);
      assert.deepEqual(
        (await store.listJobs({ kind: k, limit: 100 })).map((j) => j.id),
        [job.id],
      );
      assert.equal((await store.claim('w', rc(k), 2000, T0)).tasks.length, 1);
      const again = await store.createJobs(jobs.map((j) => ({ ...j, id: jobId(T0) })));
      assert.ok(
        again.jobs.every((j) => j.created),
        'the keys of the failed batch were never taken',
      );
    });

    test('a large batch answers as a small one: keys, delays, cache hits, counts and claim order', async () => {
      const k = kind();
      const cacheKey = `cache-${k}`;
      const { job: source } = await store.createJob(newJob({ kind: k, cacheKey, variants: 2 }));
      const done = (await store.claim('w', rc(k), 2, T0)).tasks;
      await store.complete(
        done.map((t) => ({ leaseId: t.leaseId, output: `src${t.index}` })),
        T0 + 1,
      );
      const r = await store.createJobs([
        newJob({ kind: k, key: `big-${k}`, variants: 600 }),
        newJob({ kind: k, key: `big-${k}` }),
        newJob({ kind: k, cacheKey, variants: 2, createdAt: T0 + 2 }),
        newJob({ kind: k, runAt: T0 + 5000, variants: 300 }),
        newJob({ kind: k, priority: 5 }),
      ]);
      const [first, again, hit, , urgent] = r.jobs;
      assert.deepEqual(
        r.jobs.map((j) => j.created),
        [true, false, true, true, true],
      );
      assert.equal(again!.job.id, first!.job.id);
      assert.deepEqual([hit!.job.state, hit!.job.cachedFrom, hit!.job.counts.succeeded], ['succeeded', source.id, 2]);
      assert.deepEqual(r.changes.routes, [k]);
      assert.equal(r.changes.nextRunAt, T0 + 5000);
      for (const { job } of r.jobs) assert.deepEqual(job, (await store.getJob(job.id))!, 'a job answers as stored');
      const counts = (await store.stats()).tasks.filter((t) => t.kind === k);
      assert.deepEqual(Object.fromEntries(counts.filter((t) => t.count > 0).map((t) => [t.state, t.count])), {
        queued: 901,
        succeeded: 4,
      });
      assert.equal((await store.listJobs({ kind: k, limit: 10 })).length, 5);
      const claimed = (await store.claim('w', rc(k), 1000, T0)).tasks;
      assert.equal(claimed.length, 601, 'the delayed tasks wait');
      assert.deepEqual(
        claimed.slice(0, 3).map((t) => [t.jobId, t.index]),
        [
          [urgent!.job.id, 0],
          [first!.job.id, 0],
          [first!.job.id, 1],
        ],
      );
    });

    // PostgreSQL binds a batch of over 100 jobs as array literals written in turns
    // (columnLiterals); SQLite stages one of over 250 tasks. Neither may change a value.
    test('a batch of 150 jobs keeps every value as sent: quotes, backslashes, braces, unicode, "NULL"', async () => {
      const k = kind();
      const odd = [
        'a "quoted" word',
        'back\\slash \\" both',
        '{braces, and commas}',
        'NULL',
        '',
        'ünïcødé ✓ 𝄞',
        "it's",
      ];
      const { job: earlier } = await store.createJob(newJob({ kind: k, key: `${k}-taken "1"` }));
      const jobs = Array.from({ length: 150 }, (_, i) =>
        newJob({
          kind: k,
          variants: 2,
          input: { text: odd[i % odd.length], i, nested: { list: [odd[(i + 1) % odd.length], null] } },
          key: i % 10 === 0 ? `${k}-key "${i}" \\ {x}` : null,
          requires: i % 3 === 0 ? { model: odd[i % odd.length]! } : null,
          createdBy: i % 2 === 0 ? `tok_${i}` : null,
        }),
      );
      jobs.push(newJob({ kind: k, key: `${k}-taken "1"` }), newJob({ kind: k, key: `${k}-key "0" \\ {x}` }));
      const r = await store.createJobs(jobs);
      assert.deepEqual(
        r.jobs.map((j) => j.created),
        [...jobs.slice(0, 150).map(() => true), false, false],
      );
      assert.equal(r.jobs[150]!.job.id, earlier.id);
      assert.equal(r.jobs[151]!.job.id, r.jobs[0]!.job.id);
      for (const [i, { job }] of r.jobs.slice(0, 150).entries()) {
        assert.deepEqual(job.input, jobs[i]!.input);
        assert.equal(job.key, jobs[i]!.key);
        assert.deepEqual(job.requires, jobs[i]!.requires);
        assert.deepEqual(job, (await store.getJob(job.id))!, 'a job answers as stored');
      }
      const claimed = (await store.claim('w', rc(k), 1000, T0)).tasks;
      assert.equal(claimed.length, 301);
      const byJob = new Map([
        [earlier.id, earlier.input],
        ...r.jobs.slice(0, 150).map(({ job }, i) => [job.id, jobs[i]!.input] as const),
      ]);
      for (const t of claimed) assert.deepEqual(t.input, byJob.get(t.jobId));
    });

    test('retention deletes finished jobs past their age and keeps failed ones until purged', async () => {
      const k = kind();
      const ok = await store.createJob(newJob({ kind: k }));
      const bad = await store.createJob(newJob({ kind: k }));
      const [a, b] = (await store.claim('w', rc(k), 2, T0)).tasks;
      await store.complete([{ leaseId: a!.leaseId, output: 1 }], T0);
      await store.fail(b!.leaseId, 'no', false, T0);
      assert.equal(await store.sweep(T0, 1000), 0, 'a job finished at the cut-off is kept');
      assert.ok((await store.sweep(T0 + 1, 1000)) >= 1);
      assert.equal(await store.getJob(ok.job.id), null);
      assert.equal((await store.getResults(ok.job.id)).length, 0);
      assert.deepEqual(
        [await store.getTask(a!.taskId), await store.listTasks(ok.job.id)],
        [null, []],
        'its tasks went with it',
      );
      assert.equal((await store.getJob(bad.job.id))!.state, 'failed');
      assert.equal(await store.purgeDead(`${ok.job.id}.0`), 0);
      assert.equal(await store.purgeDead(b!.taskId), 1);
      assert.equal(await store.getJob(bad.job.id), null);
      assert.deepEqual(await store.listTasks(bad.job.id), []);
      const all = await Promise.all([1, 2].map(() => store.createJob(newJob({ kind: k, maxAttempts: 1 }))));
      for (const t of (await store.claim('w', rc(k), 2, T0)).tasks) await store.fail(t.leaseId, 'no', false, T0);
      assert.ok((await store.purgeDead('all')) >= 2);
      for (const { job } of all)
        assert.deepEqual([await store.getJob(job.id), await store.listTasks(job.id)], [null, []]);
      assert.equal((await store.listDead(undefined, 100)).filter((d) => d.kind === k).length, 0);
    });

    test('limits are stored, and rerouting moves waiting tasks of matching keys', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k, concurrencyKey: `bot:${k}:a` }));
      await store.setLimit({ key: `bot:${k}:*`, concurrency: 1, rate: { count: 5, intervalMs: 60_000 } }, T0);
      assert.deepEqual(
        (await store.listLimits()).find((l) => l.key === `bot:${k}:*`),
        {
          key: `bot:${k}:*`,
          concurrency: 1,
          rate: { count: 5, intervalMs: 60_000 },
        },
      );
      const changes = await store.reroute(
        `bot:${k}:*`,
        (kind2, requires, key) => `${kind2}${requires ? '?x' : ''}#${key}`,
      );
      assert.deepEqual(changes.routes, [`${k}#bot:${k}:a`]);
      assert.equal((await store.claim('w', rc(k), 5, T0)).tasks.length, 0, 'the task left the plain route');
      assert.equal((await store.claim('w', rc(`${k}#bot:${k}:a`), 5, T0)).tasks[0]!.jobId, job.id);
      // A task leased before the limit was set returns to its key's queue when released.
      const { job: leasedJob } = await store.createJob(newJob({ kind: k, concurrencyKey: `bot:${k}:b` }));
      const [held] = (await store.claim('w', rc(k), 1, T0)).tasks;
      assert.equal(held!.jobId, leasedJob.id);
      await store.reroute(`bot:${k}:*`, (kind2, _requires, key) => `${kind2}#${key}`);
      await store.release([held!.leaseId], T0);
      assert.equal((await store.claim('w', rc(k), 5, T0)).tasks.length, 0);
      assert.equal((await store.claim('w', rc(`${k}#bot:${k}:b`), 5, T0)).tasks[0]!.jobId, leasedJob.id);
      assert.equal(await store.deleteLimit(`bot:${k}:*`), true);
      assert.equal(await store.deleteLimit(`bot:${k}:*`), false);
    });

    test('a claimed task carries its input, seed, attempt and lease; the job is running', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k, input: { prompt: 'x' }, seed: 3 }));
      const { tasks, changes } = await store.claim(`w-${k}`, rc(k), 1, T0);
      assert.equal(tasks.length, 1);
      const t = tasks[0]!;
      assert.deepEqual(t.input, { prompt: 'x' });
      assert.equal(t.seed, 3);
      assert.equal(t.attempt, 1);
      assert.equal(t.leaseExpiresAt, T0 + 10_000);
      assert.deepEqual(changes.jobs, [{ jobId: job.id, state: 'running' }]);
      assert.equal((await store.leasesByWorker()).get(`w-${k}`), 1);
    });

    test('delayed tasks are not claimable until promoted at their runAt', async () => {
      const k = kind();
      const { changes } = await store.createJob(newJob({ kind: k, runAt: T0 + 5000 }));
      assert.equal(changes.nextRunAt, T0 + 5000);
      assert.equal((await store.claim('w', rc(k), 1, T0)).tasks.length, 0);
      assert.ok(((await store.nextDueAt()) ?? Infinity) <= T0 + 5000);
      assert.deepEqual((await store.promoteDue(T0 + 4999)).routes.includes(k), false);
      assert.deepEqual((await store.promoteDue(T0 + 5000)).routes.includes(k), true);
      assert.equal((await store.claim('w', rc(k), 1, T0 + 5000)).tasks.length, 1);
    });

    test('a result is recorded once; completing again with the same lease answers ok', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k }));
      const [t] = (await store.claim('w', rc(k), 1, T0)).tasks;
      const first = await store.complete([{ leaseId: t!.leaseId, output: { text: 'a' } }], T0 + 1);
      assert.deepEqual(first.outcomes, [{ leaseId: t!.leaseId, status: 'ok' }]);
      assert.deepEqual(first.changes.jobs, [{ jobId: job.id, state: 'succeeded' }]);
      const again = await store.complete([{ leaseId: t!.leaseId, output: { text: 'b' } }], T0 + 2);
      assert.deepEqual(again.outcomes, [{ leaseId: t!.leaseId, status: 'ok' }]);
      const results = await store.getResults(job.id);
      assert.equal(results.length, 1);
      assert.deepEqual(results[0]!.output, { text: 'a' });
      assert.equal((await store.getJob(job.id))!.state, 'succeeded');
    });

    test('one completion call answers each item: a lease given twice, a cancelled task, an unknown lease', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k, variants: 2 }));
      const { job: doomed } = await store.createJob(newJob({ kind: k }));
      const tasks = (await store.claim('w', rc(k), 3, T0)).tasks;
      const [a, b] = tasks.filter((t) => t.jobId === job.id);
      const c = tasks.find((t) => t.jobId === doomed.id)!;
      await store.cancelJob(doomed.id, T0);
      const r = await store.complete(
        [
          { leaseId: a!.leaseId, output: 1 },
          { leaseId: a!.leaseId, output: 2 },
          { leaseId: c.leaseId, output: 3 },
          { leaseId: '1.nope', output: 4 },
        ],
        T0 + 1,
      );
      assert.deepEqual(
        r.outcomes.map((o) => o.status),
        ['ok', 'ok', 'cancelled', 'lease_lost'],
      );
      assert.equal(r.changes.results.length, 1);
      assert.deepEqual(r.changes.jobs, [], 'a job with a task still leased goes on running');
      const last = await store.complete([{ leaseId: b!.leaseId, output: 5 }], T0 + 2);
      assert.deepEqual(last.changes.jobs, [{ jobId: job.id, state: 'succeeded' }]);
      assert.equal((await store.getResults(job.id)).length, 2);
    });

    test('fencing: after a lease expires and the task is leased again, the old lease is refused', async () => {
      const k = kind();
      const { job } = await store.createJob(
        newJob({ kind: k, leaseMs: 1000, backoff: { ...DEFAULT_BACKOFF, delayMs: 0 } }),
      );
      const [old] = (await store.claim('w-old', rc(k), 1, T0)).tasks;
      const reaped = await store.reapExpired(T0 + 1000, 100);
      assert.equal(reaped.reaped, 1);
      const retryAt = T0 + 1000 + RETRY_MS;
      await store.promoteDue(retryAt);
      const [fresh] = (await store.claim('w-new', rc(k), 1, retryAt)).tasks;
      assert.equal(fresh!.attempt, 2);
      assert.deepEqual(
        (await store.complete([{ leaseId: old!.leaseId, output: 'late' }], retryAt)).outcomes[0]!.status,
        'lease_lost',
      );
      assert.equal((await store.heartbeat([old!.leaseId], retryAt)).lost[0], old!.leaseId);
      assert.equal((await store.fail(old!.leaseId, 'x', true, retryAt)).status, 'lease_lost');
      assert.equal(
        (await store.complete([{ leaseId: fresh!.leaseId, output: 'ok' }], retryAt)).outcomes[0]!.status,
        'ok',
      );
      const results = await store.getResults(job.id);
      assert.deepEqual(
        results.map((r) => r.output),
        ['ok'],
      );
    });

    test('heartbeats extend current leases and report lost ones', async () => {
      const k = kind();
      await store.createJob(newJob({ kind: k, leaseMs: 1000 }));
      const [t] = (await store.claim('w', rc(k), 1, T0)).tasks;
      const hb = await store.heartbeat([t!.leaseId, '999999999.nope', 'garbage'], T0 + 900);
      assert.deepEqual(hb, { extended: [t!.leaseId], cancelled: [], lost: ['999999999.nope', 'garbage'] });
      assert.equal(
        (await store.reapExpired(T0 + 1000, 100)).reaped,
        0,
        'the extended lease must not be reaped at the old expiry',
      );
      assert.equal((await store.getTask(t!.taskId))!.leaseExpiresAt, T0 + 1900);
    });

    test('a retryable failure requeues after the backoff with the attempt counted; the last one kills', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k, maxAttempts: 2, variants: 2 }));
      const [a] = (await store.claim('w', rc(k), 1, T0)).tasks;
      const failed = await store.fail(a!.leaseId, 'boom', true, T0);
      assert.equal(failed.status, 'ok');
      assert.equal(failed.changes.nextRunAt, T0 + RETRY_MS);
      let task = (await store.getTask(a!.taskId))!;
      assert.deepEqual([task.state, task.attempt, task.runAt, task.error], ['queued', 1, T0 + RETRY_MS, 'boom']);
      // The sibling is claimable now; the failed one only once its backoff has passed.
      const [b] = (await store.claim('w', rc(k), 5, T0)).tasks;
      assert.equal(b!.index, 1);
      await store.promoteDue(T0 + RETRY_MS);
      const [a2] = (await store.claim('w', rc(k), 5, T0 + RETRY_MS)).tasks;
      assert.equal(a2!.attempt, 2);
      const dead = await store.fail(a2!.leaseId, 'boom again', true, T0 + RETRY_MS);
      assert.deepEqual(dead.changes.jobs, [{ jobId: job.id, state: 'failed' }]);
      task = (await store.getTask(a!.taskId))!;
      assert.equal(task.state, 'dead');
      // The running sibling is cancelled under its lease: its heartbeat says so, its result is refused.
      assert.deepEqual((await store.heartbeat([b!.leaseId], T0 + RETRY_MS)).cancelled, [b!.leaseId]);
      assert.equal(
        (await store.complete([{ leaseId: b!.leaseId, output: 1 }], T0 + RETRY_MS)).outcomes[0]!.status,
        'cancelled',
      );
      const listed = await store.listDead(undefined, 500);
      assert.ok(listed.some((d) => d.id === a!.taskId && d.error === 'boom again'));
    });

    test('a non-retryable failure kills at once; redrive gives fresh attempts and requeues the siblings', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k, variants: 2 }));
      const [a, b] = (await store.claim('w', rc(k), 2, T0)).tasks;
      await store.fail(a!.leaseId, 'bad input', false, T0);
      assert.equal((await store.getJob(job.id))!.state, 'failed');
      assert.equal((await store.redrive(b!.taskId, T0)).status, 'not_dead');
      assert.equal((await store.redrive(`${job.id}.9`, T0)).status, 'not_found');
      const r = await store.redrive(a!.taskId, T0 + 1);
      assert.equal(r.status, 'ok');
      assert.ok(r.changes.routes.includes(k));
      const again = (await store.claim('w', rc(k), 5, T0 + 1)).tasks;
      assert.deepEqual(again.map((t) => [t.index, t.attempt]).sort(), [
        [0, 1],
        [1, 1],
      ]);
      await store.complete(
        again.map((t) => ({ leaseId: t.leaseId, output: t.index })),
        T0 + 2,
      );
      assert.equal((await store.getJob(job.id))!.state, 'succeeded');
    });

    test('release puts a task back without counting an attempt', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k }));
      const [t] = (await store.claim('w', rc(k), 1, T0)).tasks;
      const r = await store.release([t!.leaseId, 'bogus'], T0);
      assert.deepEqual(r.released, [t!.leaseId]);
      assert.deepEqual(r.changes.routes, [k]);
      const task = (await store.getTask(t!.taskId))!;
      assert.deepEqual([task.state, task.attempt], ['queued', 0]);
      assert.equal((await store.getJob(job.id))!.state, 'queued');
      assert.equal((await store.claim('w', rc(k), 1, T0)).tasks[0]!.attempt, 1);
    });

    test('the reaper requeues expired leases counting the attempt, and kills when attempts are used up', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k, maxAttempts: 1, leaseMs: 1000 }));
      await store.claim('w', rc(k), 1, T0);
      assert.equal((await store.reapExpired(T0 + 999, 100)).reaped, 0);
      const r = await store.reapExpired(T0 + 1000, 100);
      assert.equal(r.reaped, 1);
      assert.deepEqual(r.changes.jobs, [{ jobId: job.id, state: 'failed' }]);
      const [task] = await store.listTasks(job.id);
      assert.equal(task!.state, 'dead');
      assert.match(task!.error!, /lease expired/);
    });

    test('cancel stops queued tasks at once and tells the worker of a leased one', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k, variants: 2 }));
      const [t] = (await store.claim('w', rc(k), 1, T0)).tasks;
      const c = await store.cancelJob(job.id, T0);
      assert.equal(c!.job.state, 'cancelled');
      assert.equal((await store.claim('w', rc(k), 5, T0)).tasks.length, 0);
      assert.deepEqual((await store.heartbeat([t!.leaseId], T0)).cancelled, [t!.leaseId]);
      assert.equal(await store.cancelJob('job_missing', T0), null);
    });

    test('results come in completion order', async () => {
      const k = kind();
      const { job } = await store.createJob(newJob({ kind: k, variants: 3 }));
      const tasks = (await store.claim('w', rc(k), 3, T0)).tasks;
      for (const t of [tasks[2]!, tasks[0]!, tasks[1]!])
        await store.complete([{ leaseId: t.leaseId, output: t.index }], T0 + 1);
      const results = await store.getResults(job.id);
      assert.deepEqual(
        results.map((r) => r.index),
        [2, 0, 1],
      );
      assert.deepEqual(
        (await store.getResults(job.id, results[0]!.seq)).map((r) => r.index),
        [0, 1],
      );
    });

    test('jobs list newest first, filter by state and kind, and page with a cursor', async () => {
      const k = kind();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await store.createJob(newJob({ kind: k, id: jobId(T0 + i) }))).job.id);
      const page1 = await store.listJobs({ kind: k, limit: 3 });
      assert.deepEqual(
        page1.map((j) => j.id),
        ids.slice(2).reverse(),
      );
      const page2 = await store.listJobs({ kind: k, limit: 3, cursor: page1.at(-1)!.id });
      assert.deepEqual(
        page2.map((j) => j.id),
        ids.slice(0, 2).reverse(),
      );
      assert.equal((await store.listJobs({ kind: k, state: 'succeeded', limit: 10 })).length, 0);
    });

    test('jobs list by concurrency key and by creation time (since inclusive, until exclusive)', async () => {
      const k = kind();
      const at = (i: number) => T0 + 60_000 * (i + 1);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const job = newJob({ kind: k, id: jobId(at(i)), createdAt: at(i), concurrencyKey: i % 2 ? `bot:${k}` : null });
        ids.push((await store.createJob(job)).job.id);
      }
      const keyed = await store.listJobs({ kind: k, concurrencyKey: `bot:${k}`, limit: 10 });
      assert.deepEqual(
        keyed.map((j) => j.id),
        [ids[3], ids[1]],
      );
      const range = await store.listJobs({ kind: k, since: at(1), until: at(3), limit: 10 });
      assert.deepEqual(
        range.map((j) => j.id),
        [ids[2], ids[1]],
      );
      assert.deepEqual((await store.listJobs({ kind: k, since: at(3) + 1, limit: 10 })).length, 0);
    });

    test('a claimed task says when it became ready: its runAt, after a retry the end of its backoff', async () => {
      const k = kind();
      await store.createJob(newJob({ kind: k, runAt: T0 - 500, createdAt: T0 - 500 }));
      const [first] = (await store.claim('w', rc(k), 1, T0)).tasks;
      assert.equal(first!.readyAt, T0 - 500);
      await store.fail(first!.leaseId, 'again', true, T0 + 10);
      await store.promoteDue(T0 + 10 + RETRY_MS);
      const [second] = (await store.claim('w', rc(k), 1, T0 + 10 + RETRY_MS + 7)).tasks;
      assert.equal(second!.readyAt, T0 + 10 + RETRY_MS);
    });

    test('tokens are stored by hash and can be revoked', async () => {
      await store.createToken({ id: `tok${n}`, name: 'ci', scope: 'client', hash: 'ab'.repeat(32), createdAt: T0 });
      const t = await store.getToken(`tok${n}`);
      assert.equal(t!.hash, 'ab'.repeat(32));
      assert.equal(t!.scope, 'client');
      assert.ok((await store.listTokens()).some((x) => x.id === `tok${n}` && !('hash' in x)));
      assert.equal(await store.revokeToken(`tok${n}`, T0), true);
      assert.equal(await store.revokeToken(`tok${n}`, T0), false);
      assert.equal((await store.getToken(`tok${n}`))!.revokedAt, T0);
    });

    test('workers and the kinds they offer are remembered', async () => {
      const k = kind();
      await store.upsertWorker({
        workerId: `w-${k}`,
        name: 'gpu1',
        capabilities: [{ kind: k, labels: { vram: '24' } }],
        concurrency: 2,
        version: 't',
        firstSeen: T0,
        lastSeen: T0,
      });
      await store.upsertWorker({
        workerId: `w-${k}`,
        name: 'gpu1',
        capabilities: [{ kind: k, labels: { vram: '24' } }],
        concurrency: 4,
        version: 't',
        firstSeen: T0,
        lastSeen: T0 + 5,
      });
      const w = (await store.listWorkers()).find((x) => x.workerId === `w-${k}`)!;
      assert.deepEqual([w.concurrency, w.firstSeen, w.lastSeen], [4, T0, T0 + 5]);
      assert.ok((await store.knownKinds()).includes(k));
    });

    test('stats count tasks by kind and state', async () => {
      const k = kind();
      await store.createJob(newJob({ kind: k, variants: 3 }));
      await store.claim('w', rc(k), 1, T0);
      const stats = await store.stats();
      const mine = stats.tasks.filter((t) => t.kind === k).sort((a, b) => a.state.localeCompare(b.state));
      assert.deepEqual(mine, [
        { kind: k, state: 'leased', count: 1 },
        { kind: k, state: 'queued', count: 2 },
      ]);
    });
  });
}
