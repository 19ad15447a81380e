import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store, StoreStats } from '../../src/store/store.js';
import { jobId } from '../../src/util/ids.js';
import { newJob, type StoreFactory } from './storeContract.js';

const T0 = 1_700_000_000_000;
const rc = (route: string) => [{ route, key: null, concurrency: null, rate: null }];

/** Stats in a comparable order. */
function sorted(s: StoreStats): StoreStats {
  return {
    tasks: [...s.tasks].sort((a, b) => `${a.kind}|${a.state}`.localeCompare(`${b.kind}|${b.state}`)),
    jobs: Object.fromEntries(Object.entries(s.jobs).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/**
 * The counts /v1/stats, /metrics and the overview read are kept as work changes, not counted each
 * time (issue 16, item 15): after every kind of change they equal a tally of the jobs and tasks
 * themselves. `shared` opens a second store on the same data, as a second hub would.
 */
export function countContract(factory: StoreFactory, shared: boolean): void {
  describe(`count contract: ${factory.name}`, () => {
    let a: Store;
    let b: Store;
    const ids: string[] = [];
    before(async () => {
      a = await factory.open();
      b = shared ? await factory.open() : a;
    });
    after(async () => {
      if (b !== a) await b.close();
      await a.close();
    });

    /** What the stats must say: every task and job still stored, counted one by one. */
    async function tally(): Promise<StoreStats> {
      const tasks = new Map<string, { kind: string; state: string; count: number }>();
      const jobs: Record<string, number> = {};
      for (const id of ids) {
        const job = await a.getJob(id);
        if (!job) continue;
        jobs[job.state] = (jobs[job.state] ?? 0) + 1;
        for (const t of await a.listTasks(id)) {
          const key = `${t.kind}|${t.state}`;
          const e = tasks.get(key) ?? { kind: t.kind, state: t.state, count: 0 };
          e.count++;
          tasks.set(key, e);
        }
      }
      return sorted({ tasks: [...tasks.values()], jobs });
    }

    async function check(step: string): Promise<void> {
      const expected = await tally();
      assert.deepEqual(sorted(await a.stats()), expected, `after ${step}, read on the first store`);
      assert.deepEqual(sorted(await b.stats()), expected, `after ${step}, read on the second store`);
    }

    const job = (kind: string, variants: number, at: number, over = {}) => {
      const id = jobId(at);
      ids.push(id);
      return newJob({ id, kind, route: kind, variants, createdAt: at, runAt: at, maxAttempts: 1, ...over });
    };

    test('counts follow creates, claims, completes, failures, cancels, releases, sweeps and purges', async () => {
      await check('nothing');
      await a.createJob(job('cnt.a', 3, T0));
      await b.createJobs([job('cnt.b', 2, T0 + 1), job('cnt.a', 1, T0 + 2), job('cnt.a', 1, T0 + 3)]);
      await a.createJob(job('cnt.b', 1, T0 + 4, { runAt: T0 + 3_600_000 }));
      await check('creates (one delayed)');

      const claimed = await a.claim('w1', rc('cnt.a'), 5, T0 + 10);
      assert.equal(claimed.tasks.length, 5);
      const [t1, t2, t3, t4, t5] = claimed.tasks;
      await check('a claim');
      await b.complete(
        [
          { leaseId: t1!.leaseId, output: 1 },
          { leaseId: t4!.leaseId, output: 4 },
        ],
        T0 + 20,
      );
      await a.fail(t5!.leaseId, 'broken', false, T0 + 21);
      await check('completes and a failure');
      await b.release([t2!.leaseId], T0 + 22);
      await check('a release');
      await a.cancelJob(ids[1]!, T0 + 23);
      await check('a cancel');
      await b.heartbeat([t3!.leaseId], T0 + 24);
      await check('a heartbeat (no state changes)');
      assert.ok((await a.reapExpired(T0 + 10_000_000, 100)).reaped >= 1);
      await check('leases reaped');
      await a.promoteDue(T0 + 3_600_001);
      await check('a delayed task promoted');

      assert.ok((await b.sweep(T0 + 100_000_000, 100)) >= 1);
      await check('a retention sweep');
      assert.ok((await a.purgeDead('all')) >= 1);
      await check('purging the dead');
    });

    // SQLite counts a single-variant job's start and end where its task's claim and completion
    // write them (migration 017): a re-claim after a retry or a release, and a redrive, must still
    // count each move once.
    test('counts follow single-variant jobs through retries, releases, redrives and enough', async () => {
      const one = async (kind: string) => (await a.claim('w2', rc(kind), 1, T0 + 200)).tasks[0]!;
      await a.createJob(job('cnt.e', 1, T0 + 100, { maxAttempts: 3 }));
      await a.fail((await one('cnt.e')).leaseId, 'again', true, T0 + 201);
      await a.promoteDue(T0 + 100_000_000);
      await check('a retry');
      await b.release([(await one('cnt.e')).leaseId], T0 + 202);
      await check('a second attempt released');
      await b.complete([{ leaseId: (await one('cnt.e')).leaseId, output: 'e' }], T0 + 203);
      await check('the third attempt completed');

      await a.createJob(job('cnt.f', 1, T0 + 101));
      const dead = await one('cnt.f');
      await a.fail(dead.leaseId, 'broken', false, T0 + 204);
      await check('a failed job');
      assert.equal((await b.redrive(dead.taskId, T0 + 205)).status, 'ok');
      await check('its task redriven');
      await a.complete([{ leaseId: (await one('cnt.f')).leaseId, output: 'f' }], T0 + 206);
      await check('the redriven task completed');

      const many = job('cnt.g', 3, T0 + 102);
      await a.createJob(many);
      await a.complete([{ leaseId: (await one('cnt.g')).leaseId, output: 'g' }], T0 + 207);
      await b.enough(many.id, T0 + 208);
      await check('enough of a job of three');
    });

    // SQLite commits a turn's writes together and counts the hot ones (create, claim, complete)
    // per transaction: a write failing beside them must take none of their counts with it.
    test('counts hold for cache hits and for a turn in which one write fails alone', async () => {
      const first = job('cnt.c', 2, T0 + 30, { cacheKey: 'cnt-cache' });
      await a.createJob(first);
      const { tasks } = await a.claim('w2', rc('cnt.c'), 2, T0 + 31);
      assert.equal(tasks.length, 2);
      await a.complete(
        tasks.map((t) => ({ leaseId: t.leaseId, output: t.index })),
        T0 + 32,
      );
      const hit = await a.createJob(job('cnt.c', 2, T0 + 33, { cacheKey: 'cnt-cache' }));
      assert.equal(hit.job.state, 'succeeded', 'the second job is a cache hit');
      await check('a cache hit');

      await a.createJob(job('cnt.d', 2, T0 + 40));
      const again = job('cnt.d', 1, T0 + 41);
      const turn = await Promise.allSettled([
        a.createJob(again),
        a.claim('w3', rc('cnt.d'), 1, T0 + 42),
        // a job, then the same id again: refused as a whole, after the first was written
        a.createJobs([job('cnt.d', 2, T0 + 44), { ...again, variants: 3 }]),
        a.createJob(job('cnt.d', 1, T0 + 43)),
      ]);
      assert.deepEqual(
        turn.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
      );
      await check('a turn with a refused create');
    });
  });
}
