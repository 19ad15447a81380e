import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { HubError } from '../../src/client/hubClient.js';
import { sqliteOnly, startTestHub } from '../helpers/inProcessHub.js';
import { claim, echoHandler, refused } from '../fixtures/apiHandlers.js';
import { pollUntil, startAgents } from '../fixtures/flowHandlers.js';

// Retention: under a steady load the store stays the same size, because finished jobs are deleted
// a while after they finish and SQLite reuses the freed pages. Failed jobs stay until purged.

const ROUNDS = 8;
const PER_ROUND = 300;

const totalJobs = (stats: any) => Object.values(stats.jobs as Record<string, number>).reduce((a, b) => a + b, 0);
const tasksOf = (stats: any, kind: string) =>
  stats.tasks.filter((t: any) => t.kind === kind).reduce((n: number, t: any) => n + t.count, 0);

test(
  'under a steady load the store does not grow: finished jobs are swept and their pages reused',
  { ...sqliteOnly, timeout: 40_000 },
  async () => {
    const kind = 'ret.load';
    // The test reads the SQLite file's pages.
    const h = await startTestHub({ store: 'sqlite', kinds: [kind], retainSucceededMs: 200, sweepIntervalMs: 100 });
    const db = new Database(join(h.dataDir, 'roost.db'), { readonly: true, fileMustExist: true });
    const client = await h.as('client');
    const workerToken = (await h.as('worker')).token;
    const agents = startAgents(h, workerToken, [echoHandler(kind)], { names: ['ret-load-w'], concurrency: 32 });
    const pages: number[] = [];
    const totals: number[] = [];
    try {
      const stats = () => client.get<any>('/v1/stats');
      for (let round = 1; round <= ROUNDS; round++) {
        // Some weight per job, so the pages a round needs are clearly above the fixed overhead.
        const jobs = Array.from({ length: PER_ROUND }, (_, i) => ({
          kind,
          input: { round, i, text: `${round}:${i} `.padEnd(200, 'x') },
        }));
        const r = await client.post<any>('/v1/jobs/batch', { jobs });
        assert.equal(r.jobs.length, PER_ROUND);

        // The round is done when nothing is queued or running any more.
        const afterRound = await pollUntil(
          stats,
          (s) => !s.jobs.queued && !s.jobs.running,
          15_000,
          `round ${round} to finish`,
        );
        assert.equal(afterRound.jobs.failed ?? 0, 0);
        assert.equal(afterRound.jobs.cancelled ?? 0, 0);
        totals.push(totalJobs(afterRound));
        assert.ok(totalJobs(afterRound) <= 2 * PER_ROUND, `round ${round}: ${totalJobs(afterRound)} jobs in the store`);

        // The sweeper removes the rounds before this one (jobs with their tasks).
        const swept = await pollUntil(
          stats,
          (s) => totalJobs(s) <= PER_ROUND,
          10_000,
          `the rounds before ${round} to be swept`,
        );
        assert.ok(
          tasksOf(swept, kind) <= PER_ROUND,
          `round ${round}: ${tasksOf(swept, kind)} tasks left; tasks go with their jobs`,
        );
        pages.push(db.pragma('page_count', { simple: true }) as number);
      }
      // Everything is swept in the end.
      const last = await pollUntil(stats, (s) => totalJobs(s) === 0, 10_000, 'the last round to be swept');
      assert.equal(tasksOf(last, kind), 0);

      // At any moment at most two rounds live in the store (one waiting for its sweep, one running),
      // so the file stays within about two rounds' worth of pages; kept, the eight rounds would
      // need eight times the first round's pages.
      const [firstPages, lastPages] = [pages[0]!, pages[ROUNDS - 1]!];
      assert.ok(
        lastPages <= firstPages * 2.5,
        `page_count grew from ${firstPages} after round 1 to ${lastPages} after round ${ROUNDS} (all: ${pages.join(', ')}); totals: ${totals.join(', ')}`,
      );
    } finally {
      db.close();
      await agents.stop();
      await h.close();
    }
  },
);

test('a failed job outlives the sweeps until its dead task is purged', { timeout: 20_000 }, async () => {
  const h = await startTestHub({ kinds: ['ret.dead', 'ret.ok'], retainSucceededMs: 100, sweepIntervalMs: 50 });
  try {
    const client = await h.as('client');
    const worker = await h.as('worker');
    const failedJob = await client.post<any>('/v1/jobs', { kind: 'ret.dead', input: 1, variants: 2 });
    const [dead] = await claim(worker, 'ret-w', [{ kind: 'ret.dead' }]);
    await worker.post('/v1/worker/fail', { leaseId: dead!.leaseId, error: 'broken for good', retryable: false });
    assert.equal((await client.get<any>(`/v1/jobs/${failedJob.id}`)).state, 'failed');

    // A job that succeeds after the failure, with an idempotency key; once the sweeper has taken
    // it, a sweep has run with the failed job past retention too.
    const okJob = await client.post<any>('/v1/jobs', { kind: 'ret.ok', input: 1, key: 'ret-key' });
    const [t] = await claim(worker, 'ret-w', [{ kind: 'ret.ok' }]);
    await refused(client.post(`/v1/tasks/${t!.taskId}/purge`), 409, { code: 'not_dead' });
    await worker.post('/v1/worker/complete', { results: [{ leaseId: t!.leaseId, output: 'fine' }] });
    await refused(client.post(`/v1/tasks/${t!.taskId}/purge`), 409, { code: 'not_dead' });
    await pollUntil(
      () =>
        client.get<any>(`/v1/jobs/${okJob.id}`).then(
          () => 'there',
          (e: unknown) => {
            if (e instanceof HubError && e.status === 404) return 'gone';
            throw e;
          },
        ),
      (s) => s === 'gone',
      10_000,
      'the succeeded job to be swept',
    );
    await refused(client.get(`/v1/tasks/${t!.taskId}`), 404);
    // Its idempotency key is free again.
    const reused = await client.send<any>('POST', '/v1/jobs', { kind: 'ret.ok', input: 2, key: 'ret-key' });
    assert.equal(reused.status, 201);
    assert.notEqual(reused.body.id, okJob.id);

    const survivor = await client.get<any>(`/v1/jobs/${failedJob.id}`);
    assert.equal(survivor.state, 'failed');
    assert.deepEqual(survivor.counts, { queued: 0, leased: 0, succeeded: 0, dead: 1, cancelled: 1 });
    assert.equal((await client.get<any>(`/v1/tasks/${dead!.taskId}`)).state, 'dead');
    assert.ok((await client.get<any>('/v1/tasks/dead')).tasks.some((d: any) => d.id === dead!.taskId));

    // Purging a task that is not dead (its cancelled sibling) is refused; an unknown one is 404.
    await refused(client.post(`/v1/tasks/${failedJob.id}.1/purge`), 409, { code: 'not_dead' });
    await refused(client.post(`/v1/tasks/${failedJob.id}.7/purge`), 404, { code: 'not_found' });
    assert.deepEqual(await client.post(`/v1/tasks/${dead!.taskId}/purge`), { purgedJobs: 1 });
    await refused(client.get(`/v1/jobs/${failedJob.id}`), 404, { code: 'not_found' });
    await refused(client.get(`/v1/tasks/${dead!.taskId}`), 404, { code: 'not_found' });
    await refused(client.get(`/v1/tasks/${failedJob.id}.1`), 404, { code: 'not_found' });
    assert.ok(!(await client.get<any>('/v1/tasks/dead')).tasks.some((d: any) => d.id === dead!.taskId));
    await refused(client.post(`/v1/tasks/${dead!.taskId}/purge`), 404, { code: 'not_found' });
  } finally {
    await h.close();
  }
});

test('purging every dead task is for admins and deletes exactly the failed jobs', async () => {
  const h = await startTestHub({ kinds: ['ret.all'], retainSucceededMs: 60_000, sweepIntervalMs: 0 });
  try {
    const client = await h.as('client');
    const worker = await h.as('worker');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.post<any>('/v1/jobs', { kind: 'ret.all', input: i })).id);
    const tasks = await claim(worker, 'ret-all-w', [{ kind: 'ret.all' }], { max: 3 });
    assert.equal(tasks.length, 3);
    // Two fail for good; one succeeds.
    for (const t of tasks.slice(0, 2))
      await worker.post('/v1/worker/fail', { leaseId: t.leaseId, error: 'no', retryable: false });
    await worker.post('/v1/worker/complete', { results: [{ leaseId: tasks[2]!.leaseId, output: 'ok' }] });

    await refused(client.post('/v1/tasks/dead/purge'), 403);
    assert.deepEqual(await h.admin.post('/v1/tasks/dead/purge'), { purgedJobs: 2 });
    for (const t of tasks.slice(0, 2)) await refused(client.get(`/v1/jobs/${t.jobId}`), 404);
    assert.equal(
      (await client.get<any>(`/v1/jobs/${tasks[2]!.jobId}`)).state,
      'succeeded',
      'a succeeded job is not purged',
    );
    assert.deepEqual((await client.get<any>('/v1/tasks/dead')).tasks, []);
    assert.deepEqual(await h.admin.post('/v1/tasks/dead/purge'), { purgedJobs: 0 });
  } finally {
    await h.close();
  }
});
