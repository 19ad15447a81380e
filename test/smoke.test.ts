import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerAgent } from '../src/worker/agent.js';
import { markovHandler } from '../src/worker/handlers/markov.js';
import { quietLog, startTestHub } from './helpers/inProcessHub.js';

test('smoke: a markov job with 3 variants runs end to end', async () => {
  const h = await startTestHub({ kinds: ['text.markov'] });
  const worker = await h.as('worker');
  const agent = new WorkerAgent({ hub: h.url, token: worker.token, handlers: [markovHandler], concurrency: 4, log: quietLog });
  const running = agent.start();
  const client = await h.as('client');
  const job = await client.post<any>('/v1/jobs', { kind: 'text.markov', input: { prompt: 'the sea', maxWords: 10 }, variants: 3 });
  const done = await client.get<any>(`/v1/jobs/${job.id}?wait=10s`);
  assert.equal(done.state, 'succeeded');
  await agent.stop();
  await running;
  await h.close();
});
