import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { quietLog, startTestHub } from '../helpers/inProcessHub.js';
import { GatedHandlers, claim, within } from '../fixtures/apiHandlers.js';

// Variants run in parallel on different workers, and their results reach the client one at a time:
// through a long-poll asking for k results, and through the job's event stream.

test(
  'a 2-variant job runs on two workers at once and streams its results one by one',
  { timeout: 30_000 },
  async () => {
    const h = await startTestHub({ kinds: ['stream.gated'] });
    const gated = new GatedHandlers('stream.gated');
    const workerToken = (await h.as('worker')).token;
    const agents = ['agent-a', 'agent-b'].map(
      (name) =>
        new WorkerAgent({
          hub: h.url,
          token: workerToken,
          workerId: name,
          name,
          handlers: [gated.for(name)],
          concurrency: 1,
          waitMs: 5000,
          graceMs: 500,
          log: quietLog,
        }),
    );
    const loops = agents.map((a) => a.start());
    try {
      const client = await h.as('client');
      const job = await client.post<any>('/v1/jobs', { kind: 'stream.gated', input: 'go', variants: 2 });

      // Both variants are running, each on its own agent, before either is let go.
      await within(gated.started(2), 10_000, 'both variants to be running');
      assert.equal(gated.runs.length, 2);
      assert.deepEqual(gated.runs.map((r) => r.agent).sort(), ['agent-a', 'agent-b']);
      assert.deepEqual(gated.runs.map((r) => r.index).sort(), [0, 1]);
      const [first, second] = gated.runs as [(typeof gated.runs)[0], (typeof gated.runs)[0]];

      // Release one: a long-poll for one result answers with exactly it while the job still runs.
      first.gate.resolve();
      // Answered as soon as the result lands, well before the wait runs out.
      const partial = await within(
        client.get<any>(`/v1/jobs/${job.id}?results=1&wait=10s`),
        5000,
        'the long-poll to answer with one result',
      );
      assert.equal(partial.state, 'running');
      assert.equal(partial.results.length, 1);
      assert.equal(partial.results[0].taskId, first.taskId);
      assert.deepEqual(partial.results[0].output, { agent: first.agent, index: first.index });

      // The event stream replays the job and the finished result, then follows the rest live.
      const events: Array<{ event: string; data: any }> = [];
      const stream = client.events(`/v1/jobs/${job.id}/events`, (event, data: any) => {
        events.push({ event, data });
        // The already-finished result has arrived: now let the second variant finish.
        if (event === 'result' && events.filter((e) => e.event === 'result').length === 1) second.gate.resolve();
      });
      await within(stream, 10_000, 'the event stream to end');

      assert.deepEqual(
        events.map((e) => e.event),
        ['job', 'result', 'result', 'state'],
        JSON.stringify(events),
      );
      assert.equal(events[0]!.data.id, job.id);
      assert.equal(events[0]!.data.state, 'running');
      assert.equal(events[1]!.data.taskId, first.taskId, 'the already-finished result comes first');
      assert.equal(events[2]!.data.taskId, second.taskId);
      assert.deepEqual(events[2]!.data.output, { agent: second.agent, index: second.index });
      assert.ok(events[2]!.data.seq > events[1]!.data.seq);
      assert.deepEqual(events[3]!.data, { state: 'succeeded' });

      const done = await client.get<any>(`/v1/jobs/${job.id}`);
      assert.equal(done.state, 'succeeded');
      assert.deepEqual(
        done.results.map((r: any) => r.taskId),
        [first.taskId, second.taskId],
        'results in completion order',
      );
    } finally {
      gated.openAll();
      await Promise.all(agents.map((a) => a.stop()));
      await Promise.all(loops);
      await h.close();
    }
  },
);

test('the event stream of a finished job replays it and ends', async () => {
  const h = await startTestHub({ kinds: ['stream.done'] });
  try {
    const client = await h.as('client');
    const worker = await h.as('worker');
    const job = await client.post<any>('/v1/jobs', { kind: 'stream.done', input: 1, variants: 2 });
    const { tasks } = await worker.post<any>('/v1/worker/claim', {
      workerId: 'stream-done-w',
      capabilities: [{ kind: 'stream.done' }],
      max: 2,
    });
    await worker.post('/v1/worker/complete', {
      results: tasks.map((t: any) => ({ leaseId: t.leaseId, output: t.index })),
    });
    const events: string[] = [];
    await within(
      client.events(`/v1/jobs/${job.id}/events`, (event) => events.push(event)),
      10_000,
      'the stream to end',
    );
    assert.deepEqual(events, ['job', 'result', 'result']);
  } finally {
    await h.close();
  }
});

test('progress and partial output reach the event stream while a task runs', async () => {
  const h = await startTestHub({ kinds: ['stream.progress'] });
  try {
    const client = await h.as('client');
    const worker = await h.as('worker');
    const job = await client.post<any>('/v1/jobs', { kind: 'stream.progress', input: 1 });
    const [t] = await claim(worker, 'stream-progress-w', [{ kind: 'stream.progress' }]);
    const events: Array<{ event: string; data: any }> = [];
    const errors: unknown[] = [];
    const stream = client.events(`/v1/jobs/${job.id}/events`, (event, data: any) => {
      events.push({ event, data });
      // Progress is not replayed, so it is sent once the stream is open; then the task finishes.
      const next =
        event === 'job'
          ? worker.post('/v1/worker/progress', { leaseId: t!.leaseId, progress: 0.5, partial: { text: 'half' } })
          : event === 'progress'
            ? worker.post('/v1/worker/complete', { results: [{ leaseId: t!.leaseId, output: { text: 'whole' } }] })
            : null;
      next?.catch((e) => errors.push(e));
    });
    await within(stream, 10_000, 'the stream to end');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      events.map((e) => e.event),
      ['job', 'progress', 'result', 'state'],
    );
    assert.deepEqual(events[1]!.data, { taskId: t!.taskId, progress: 0.5, partial: { text: 'half' } });
    assert.deepEqual(events[2]!.data.output, { text: 'whole' });
    assert.deepEqual(events[3]!.data, { state: 'succeeded' });
    assert.equal((await client.get<any>(`/v1/tasks/${t!.taskId}`)).progress, 0.5);
  } finally {
    await h.close();
  }
});
