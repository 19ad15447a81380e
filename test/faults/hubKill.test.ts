import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HubClient } from '../../src/client/hubClient.js';
import {
  cleanupProcesses,
  createToken,
  dumpOnFailure,
  freePort,
  makeTempDir,
  startHubProcess,
  startWorkerProcess,
  type HubProcess,
} from '../helpers/processes.js';
import { JsonHttp, mapLimit, pollUntil, watchJob } from './support.js';

after(cleanupProcesses);

/** Waits until the (restarted) hub lists these workers as connected: they have reached it. */
async function workersConnected(hub: HubProcess, workerIds: string[]): Promise<void> {
  const admin = new HubClient(hub.url, hub.adminToken);
  await pollUntil(
    `workers ${workerIds.join(', ')} connected to the hub (pid ${hub.pid})`,
    async () => {
      const { workers } = await admin.get<{ workers: Array<{ workerId: string; connected: boolean }> }>('/v1/workers');
      return workerIds.every((id) => workers.some((w) => w.workerId === id && w.connected));
    },
    30_000,
    50,
  );
}

const TOTAL = 5000;
const KILL_AFTER = 2000;
const IN_FLIGHT = 32;
/** Tries per job submission; every retry after the first waits for the restarted hub. */
const MAX_TRIES = 6;

// "Acknowledged" means committed: a hub killed with -9 in the middle of a stream of submissions
// loses none it answered 2xx, and idempotency keys make retrying the unanswered ones safe.
test(
  'kill -9 of the hub during 5,000 submissions: every acknowledged job survives and runs once',
  { timeout: 120_000 },
  () =>
    dumpOnFailure(async () => {
      const started = Date.now();
      const dataDir = makeTempDir();
      const port = await freePort();
      const kinds = ['test.quick'];
      let hub: HubProcess = await startHubProcess({ dataDir, port, kinds, name: 'hub' });
      const url = hub.url;
      const { token: workerToken } = await createToken(url, hub.adminToken, 'worker');
      const { token: clientToken } = await createToken(url, hub.adminToken, 'client');
      const workers = await Promise.all(
        ['worker-1', 'worker-2'].map((name) => startWorkerProcess({ url, token: workerToken, concurrency: 8, name })),
      );

      // key -> job id, for every 2xx received
      const acked = new Map<string, string>();
      let restarted: Promise<void> | null = null;
      let failures = 0;
      let committedUnanswered = 0;
      const failureKinds = new Map<string, number>();
      const http = new JsonHttp(url, clientToken);
      try {
        const killAndRestart = async () => {
          assert.ok(hub.kill('SIGKILL'));
          const exit = await hub.handle.waitForExit(10_000);
          assert.equal(exit.signal, 'SIGKILL');
          hub = await startHubProcess({ dataDir, port, kinds, name: 'hub (restarted)' });
          assert.equal(hub.url, url, 'the restarted hub listens where the first one did');
        };

        const submit = async (i: number): Promise<void> => {
          const key = `k${i}`;
          const spec = { kind: 'test.quick', input: { n: i }, key, leaseMs: 5000 };
          for (let tries = 1; ; tries++) {
            let error: string;
            try {
              const { status, body: job } = await http.request('POST', '/v1/jobs', spec);
              // The hub answered, but not with success: that is not a crash symptom.
              assert.ok(
                status === 200 || status === 201,
                `POST /v1/jobs (${key}) answered HTTP ${status}: ${JSON.stringify(job)}`,
              );
              assert.equal(job.key, key);
              const before = acked.get(key);
              assert.ok(
                before === undefined || before === job.id,
                `key ${key} answered with two ids: ${before} and ${job.id}`,
              );
              acked.set(key, job.id);
              // 200 on a retry: the cut-off request had been committed, only its answer was lost.
              if (tries > 1 && status === 200) committedUnanswered++;
              if (acked.size >= KILL_AFTER && !restarted) restarted = killAndRestart();
              return;
            } catch (e) {
              if (e instanceof assert.AssertionError) throw e;
              error = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
            }
            // Failing to reach the hub is expected only once it has been killed.
            if (!restarted) throw new Error(`POST /v1/jobs (${key}) failed before the hub was killed: ${error}`);
            failures++;
            failureKinds.set(error, (failureKinds.get(error) ?? 0) + 1);
            if (tries >= MAX_TRIES) throw new Error(`POST /v1/jobs (${key}) failed ${tries} times; last: ${error}`);
            await restarted;
          }
        };

        const indexes = Array.from({ length: TOTAL }, (_, i) => i);
        await mapLimit(indexes, IN_FLIGHT, submit);
        assert.ok(restarted, 'the hub was killed');
        await restarted;
        const submittedIn = Date.now() - started;
        assert.equal(acked.size, TOTAL, 'every key was acknowledged in the end');
        assert.ok(failures > 0, 'some submissions were cut off by the kill (else the kill tested nothing)');

        // The workers found the new hub on their own: it only knows workers that reached it.
        await workersConnected(
          hub,
          workers.map((w) => w.workerId),
        );

        // Every acknowledged job exists, succeeded, and has exactly one result: its own.
        await mapLimit(indexes, IN_FLIGHT, async (i) => {
          const id = acked.get(`k${i}`)!;
          const { status, body: job } = await http.request('GET', `/v1/jobs/${id}?wait=30s`, undefined, 45_000);
          assert.equal(status, 200, JSON.stringify(job));
          assert.equal(job.id, id);
          assert.equal(job.key, `k${i}`);
          assert.equal(job.state, 'succeeded', `job ${id} (k${i}): ${JSON.stringify(job)}`);
          assert.equal(job.results.length, 1, `job ${id} has exactly one result`);
          assert.deepEqual(job.results[0].output, { n: i });
        });

        // One job per key: list every job and group by key.
        const client = new HubClient(url, clientToken);
        const byKey = new Map<string, string[]>();
        let listed = 0;
        let cursor: string | null = null;
        for (let page = 0; page < TOTAL / 500 + 5; page++) {
          const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
          const { jobs, nextCursor }: { jobs: any[]; nextCursor: string | null } = await client.get(
            `/v1/jobs?limit=500${q}`,
          );
          for (const j of jobs) {
            listed++;
            byKey.set(j.key, [...(byKey.get(j.key) ?? []), j.id]);
          }
          cursor = nextCursor;
          if (!cursor) break;
        }
        assert.equal(cursor, null, 'listing ended');
        assert.equal(listed, TOTAL, 'exactly one job per submission');
        assert.equal(byKey.size, TOTAL);
        for (const [key, ids] of byKey) assert.deepEqual(ids, [acked.get(key)], `jobs for key ${key}`);

        const stats = await client.get<any>('/v1/stats');
        const total = Object.values(stats.jobs as Record<string, number>).reduce((a, b) => a + b, 0);
        assert.equal(total, TOTAL, `GET /v1/stats jobs: ${JSON.stringify(stats.jobs)}`);
        assert.equal(stats.jobs.succeeded, TOTAL);

        for (const w of workers) assert.equal(w.handle.exit, null, `${w.handle.name} still running`);
        process.stderr.write(
          `# hubKill: ${TOTAL} jobs submitted in ${submittedIn} ms, all done in ${Date.now() - started} ms; ` +
            `${failures} submissions retried after the kill (${JSON.stringify(Object.fromEntries(failureKinds))}), ` +
            `${committedUnanswered} of them had been committed before the kill\n`,
        );
      } finally {
        http.close();
      }
    }),
);

// Leases live in the store, not in the hub's memory: a task running on a worker while the hub is
// killed and restarted keeps its lease, and its result is accepted by the new hub process.
test(
  'kill -9 of the hub while a worker runs a task: the result lands after the restart, attempt 1',
  { timeout: 120_000 },
  () =>
    dumpOnFailure(async () => {
      const dataDir = makeTempDir();
      const port = await freePort();
      const kinds = ['test.sleep'];
      let hub = await startHubProcess({ dataDir, port, kinds, name: 'hub' });
      const admin = new HubClient(hub.url, hub.adminToken);
      const { token } = await createToken(hub.url, hub.adminToken, 'worker');
      const job = await admin.post<any>('/v1/jobs', {
        kind: 'test.sleep',
        input: { ms: 2000 },
        variants: 2,
        leaseMs: 10_000,
      });
      const watch = watchJob(admin, job.id);
      let worker;
      try {
        await watch.opened;
        worker = await startWorkerProcess({ url: hub.url, token, concurrency: 2, name: 'worker' });
        await watch.progressOf(2);
      } finally {
        watch.close();
      }
      assert.ok(hub.kill('SIGKILL'));
      assert.equal((await hub.handle.waitForExit(10_000)).signal, 'SIGKILL');
      hub = await startHubProcess({ dataDir, port, kinds, name: 'hub (restarted)' });

      const done = await admin.get<any>(`/v1/jobs/${job.id}?wait=30s`, { timeoutMs: 45_000 });
      assert.equal(done.state, 'succeeded', JSON.stringify(done));
      assert.equal(done.results.length, 2);
      for (const r of done.results) assert.deepEqual(r.output, { slept: 2000, ran: worker.pid });
      const tasks = (await admin.get<any>(`/v1/jobs/${job.id}/tasks`)).tasks;
      assert.deepEqual(
        tasks.map((t: any) => [t.state, t.attempt]),
        [
          ['succeeded', 1],
          ['succeeded', 1],
        ],
        'the tasks ran once: their leases survived the restart',
      );
      await workersConnected(hub, [worker.workerId]);
      assert.equal(worker.handle.exit, null);
    }),
);
