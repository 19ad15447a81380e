import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { claim, echoHandler, within } from '../fixtures/apiHandlers.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { NO_DATABASE, testDatabase } from '../helpers/postgres.js';

// The hub end to end on PostgreSQL (`--store postgres://...`): what a client submits, a worker
// runs, and the results come back, all through the store the flag selects.

type Client = HubClient & { readonly token: string };
const db = await testDatabase();

if (!db) {
  test('hub on postgres', { skip: NO_DATABASE }, () => {});
} else {
  let h: TestHub;
  let client: Client;
  let worker: Client;
  before(async () => {
    h = await startTestHub({ store: db.url, kinds: ['pg.echo', 'pg.manual'] });
    client = await h.as('client');
    worker = await h.as('worker');
  });
  after(async () => {
    await h.close();
    await db.drop();
  });

  test('hub on postgres: jobs submitted, run by a worker agent, and their results read back', async () => {
    const agent = new WorkerAgent({
      hub: h.url,
      token: worker.token,
      handlers: [echoHandler('pg.echo')],
      concurrency: 4,
      waitMs: 5000,
      graceMs: 500,
      log: quietLog,
    });
    const running = agent.start();
    try {
      const jobs = await Promise.all(
        [1, 2, 3].map((n) =>
          client.post<any>('/v1/jobs', { kind: 'pg.echo', input: { n }, variants: 3, seed: 10 * n }),
        ),
      );
      for (const [i, job] of jobs.entries()) {
        const done = await within(client.get<any>(`/v1/jobs/${job.id}?wait=20s`), 25_000, `job ${i} to finish`);
        assert.equal(done.state, 'succeeded');
        assert.deepEqual(
          done.results.map((r: any) => [r.index, r.seed, r.output]).sort(),
          [0, 1, 2].map((idx) => [
            idx,
            10 * (i + 1) + idx,
            { input: { n: i + 1 }, seed: 10 * (i + 1) + idx, index: idx },
          ]),
        );
      }
    } finally {
      await agent.stop();
      await running;
    }
  });

  test('hub on postgres: a result is recorded once, and the task is not handed out again', async () => {
    const job = await client.post<any>('/v1/jobs', { kind: 'pg.manual', input: 'x' });
    const [t] = await claim(worker, 'pg-w', [{ kind: 'pg.manual' }]);
    assert.equal(t!.jobId, job.id);
    assert.equal((await client.get<any>(`/v1/tasks/${t!.taskId}`)).state, 'leased');
    for (const text of ['first', 'again']) {
      const reply = await worker.post<any>('/v1/worker/complete', {
        results: [{ leaseId: t!.leaseId, output: { text } }],
      });
      assert.deepEqual(
        reply.results,
        [{ leaseId: t!.leaseId, status: 'ok' }],
        'completing twice with one lease answers ok',
      );
    }
    const [none] = await claim(worker, 'pg-w', [{ kind: 'pg.manual' }]);
    assert.equal(none, undefined, 'a completed task is not handed out again');
    const got = await client.get<any>(`/v1/jobs/${job.id}`);
    assert.equal(got.state, 'succeeded');
    assert.deepEqual(
      got.results.map((r: any) => r.output),
      [{ text: 'first' }],
    );
  });
}
