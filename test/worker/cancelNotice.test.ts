import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { abortWatchingHandler, claim, within } from '../fixtures/apiHandlers.js';

// How soon a worker hears that a task it runs was cancelled, with the default lease (30 s: a plain
// heartbeat every 10 s). Held heartbeats (docs/protocol.md, POST /v1/worker/heartbeat) answer
// as soon as a job of theirs changes state.

type Client = HubClient & { readonly token: string };
let h: TestHub;
let client: Client;
let worker: Client;

before(async () => {
  h = await startTestHub({ kinds: ['cn.agent', 'cn.enough', 'cn.held', 'cn.plain'] });
  client = await h.as('client');
  worker = await h.as('worker');
});
after(() => h.close());

/** Starts an agent running one abort-watching handler of `kind`; returns its start/abort promises. */
function agentFor(kind: string) {
  const { handler, started, aborted } = abortWatchingHandler(kind);
  const agent = new WorkerAgent({
    hub: h.url,
    token: worker.token,
    handlers: [handler],
    concurrency: 1,
    log: quietLog,
  });
  const running = agent.start();
  return {
    started,
    aborted,
    async stop() {
      await agent.stop();
      await running;
    },
  };
}

for (const how of ['cancel', 'enough'] as const) {
  test(`${how} reaches a running handler within a second with the default lease`, { timeout: 30_000 }, async () => {
    const kind = how === 'cancel' ? 'cn.agent' : 'cn.enough';
    const a = agentFor(kind);
    try {
      const job = await client.post<any>('/v1/jobs', { kind, input: 1, variants: 1 });
      assert.equal(job.leaseMs, 30_000, 'the default lease');
      const ctx = await within(a.started, 10_000, 'the handler to start');
      assert.equal(ctx.jobId, job.id);
      // At once: the task is not yet covered by a held heartbeat (it gets one after half a second).
      assert.equal(ctx.signal.aborted, false);
      const sent = Date.now();
      await client.post<any>(`/v1/jobs/${job.id}/${how}`);
      const reason = await within(a.aborted, 5000, "the handler's signal to abort");
      const tookMs = Date.now() - sent;
      assert.match(String((reason as Error)?.message ?? reason), /cancel/);
      process.stderr.write(`# cancelNotice: a running handler heard of the ${how} ${tookMs} ms after it\n`);
      assert.ok(tookMs < 1000, `the handler heard of the ${how} ${tookMs} ms after it`);
    } finally {
      await a.stop();
    }
  });
}

test('a held heartbeat extends at once and answers as soon as its job is cancelled', async () => {
  const job = await client.post<any>('/v1/jobs', { kind: 'cn.held', input: 1, leaseMs: 20_000 });
  const [t] = await claim(worker, 'cn-held-w', [{ kind: 'cn.held' }]);
  const before = (await client.get<any>(`/v1/tasks/${t!.taskId}`)).leaseExpiresAt;
  const beat = worker.post<any>('/v1/worker/heartbeat', {
    workerId: 'cn-held-w',
    leaseIds: [t!.leaseId],
    jobIds: [job.id],
    waitMs: 20_000,
  });
  // Extended when it arrived, though not answered yet.
  for (let i = 0; ; i++) {
    const now = (await client.get<any>(`/v1/tasks/${t!.taskId}`)).leaseExpiresAt;
    if (now > before) break;
    assert.ok(i < 500, 'the held heartbeat extended the lease');
    await new Promise((r) => setTimeout(r, 10));
  }
  const sent = Date.now();
  await client.post(`/v1/jobs/${job.id}/cancel`);
  const reply = await within(beat, 5000, 'the held heartbeat to answer');
  assert.deepEqual(reply, { extended: [], cancelled: [t!.leaseId], lost: [] });
  assert.ok(Date.now() - sent < 1000, `answered ${Date.now() - sent} ms after the cancel`);
});

test('a heartbeat without waitMs answers at once, as before (the documented Python worker)', async () => {
  await client.post<any>('/v1/jobs', { kind: 'cn.plain', input: 1 });
  const [t] = await claim(worker, 'cn-plain-w', [{ kind: 'cn.plain' }]);
  const sent = Date.now();
  const reply = await worker.post<any>('/v1/worker/heartbeat', { workerId: 'cn-plain-w', leaseIds: [t!.leaseId] });
  assert.deepEqual(reply, { extended: [t!.leaseId], cancelled: [], lost: [] });
  assert.ok(Date.now() - sent < 2000);
});
