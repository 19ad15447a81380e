import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestHub } from '../helpers/inProcessHub.js';
import { claimHeldOpen, deferred, jobWatched, send, within } from '../fixtures/apiHandlers.js';

// Closing the hub answers every open long-poll at once instead of making clients and workers wait
// out their full timeouts.

test('closing the hub answers open job long-polls and claims with 200', { timeout: 20_000 }, async () => {
  const h = await startTestHub({ kinds: ['close.job', 'close.other'] });
  try {
    const client = await h.as('client');
    const worker = await h.as('worker');
    const job = await client.post<any>('/v1/jobs', { kind: 'close.job', input: 1 });

    const watching = jobWatched(h, job.id);
    const poll = send(h.url, 'GET', `/v1/jobs/${job.id}?wait=60s`, { token: client.token });
    const held = claimHeldOpen(h, 'close-w');
    // A kind the job is not, so the claim stays open.
    const claim = send(h.url, 'POST', '/v1/worker/claim', {
      token: worker.token,
      body: { workerId: 'close-w', capabilities: [{ kind: 'close.other' }], waitMs: 60_000 },
    });
    await within(Promise.all([watching, held]), 5000, 'the long-polls to be open');

    const t0 = Date.now();
    await within(h.hub.close(), 10_000, 'the hub to close');
    const [p, c] = await within(Promise.all([poll, claim]), 10_000, 'the long-polls to be answered');
    const elapsed = Date.now() - t0;
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.id, job.id);
    assert.equal(p.json.state, 'queued');
    assert.deepEqual(p.json.results, []);
    assert.equal(c.status, 200, c.text);
    assert.deepEqual(c.json.tasks, []);
    assert.ok(elapsed < 5000, `answered ${elapsed} ms after close began, not after their 60 s wait`);
  } finally {
    await h.close();
  }
});

test('closing the hub ends open event streams', { timeout: 20_000 }, async () => {
  const h = await startTestHub({ kinds: ['close.sse'] });
  try {
    const client = await h.as('client');
    const job = await client.post<any>('/v1/jobs', { kind: 'close.sse', input: 1 });
    const opened = deferred();
    const events: string[] = [];
    const stream = client.events(`/v1/jobs/${job.id}/events`, (event) => {
      events.push(event);
      if (event === 'job') opened.resolve();
    });
    await within(opened.promise, 5000, 'the stream to open');
    await within(h.hub.close(), 10_000, 'the hub to close');
    await within(stream, 5000, 'the stream to end');
    assert.deepEqual(events, ['job']);
  } finally {
    await h.close();
  }
});
