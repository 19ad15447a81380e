import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { echoModelHandlers } from '../fixtures/llmHandlers.js';
import { roost } from '../cli/roostCli.js';

// The OpenAI-compatible front door driven by the official `openai` client (6.49.x, the last on
// Node 20), unchanged but for its base URL and a Roost token as the API key.

let h: TestHub;
let agent: WorkerAgent;
let loop: Promise<void>;
let clientToken: string;
let client: OpenAI;

before(async () => {
  h = await startTestHub({ kinds: ['llm.chat', 'llm.complete', 'llm.embed'] });
  agent = new WorkerAgent({
    hub: h.url,
    token: (await h.as('worker')).token,
    handlers: echoModelHandlers('echo-1'),
    concurrency: 8,
    waitMs: 2000,
    graceMs: 200,
    log: quietLog,
  });
  loop = agent.start();
  clientToken = (await h.as('client')).token;
  client = new OpenAI({ baseURL: `${h.url}/openai/v1`, apiKey: clientToken, maxRetries: 0 });
  // The worker has said what it offers once its first claim is in.
  for (let i = 0; i < 200 && (await client.models.list()).data.length === 0; i++)
    await new Promise((r) => setTimeout(r, 20));
});

after(async () => {
  await agent.stop();
  await loop;
  await h.close();
});

const ask = [{ role: 'user' as const, content: 'the sea at night' }];

test('GET /models lists the models connected workers offer', async () => {
  const models = await client.models.list();
  assert.deepEqual(
    models.data.map((m) => m.id),
    ['echo-1'],
  );
});

test('a chat completion: n choices are variants, the seed passes through, usage is counted', async () => {
  const r = await client.chat.completions.create({ model: 'echo-1', messages: ask, n: 2, seed: 40 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'echo-1');
  assert.deepEqual(
    r.choices.map((c) => [c.index, c.message.role, c.message.content, c.finish_reason]),
    [
      [0, 'assistant', 'echo 40: the sea at night', 'stop'],
      [1, 'assistant', 'echo 41: the sea at night', 'stop'],
    ],
  );
  assert.deepEqual(r.usage, { prompt_tokens: 4, completion_tokens: 12, total_tokens: 16 });
  // max_tokens passes through.
  const short = await client.chat.completions.create({ model: 'echo-1', messages: ask, seed: 1, max_tokens: 2 });
  assert.equal(short.choices[0]!.message.content, 'echo 1:');
  assert.equal(short.choices[0]!.finish_reason, 'length');
});

test('streaming: each choice streams on its own index, then the usage chunk, then the end', async () => {
  const s = await client.chat.completions.create({
    model: 'echo-1',
    messages: ask,
    n: 3,
    seed: 7,
    stream: true,
    stream_options: { include_usage: true },
  });
  const text = ['', '', ''];
  const finish: Array<string | null> = [null, null, null];
  const pieces = [0, 0, 0];
  let usage: unknown = null;
  let afterUsage = 0;
  for await (const chunk of s) {
    if (usage) afterUsage++;
    if (chunk.usage) {
      assert.deepEqual(chunk.choices, []);
      usage = chunk.usage;
    }
    for (const c of chunk.choices) {
      if (c.delta.content) pieces[c.index]!++;
      text[c.index] += c.delta.content ?? '';
      if (c.finish_reason) finish[c.index] = c.finish_reason;
    }
  }
  assert.deepEqual(text, ['echo 7: the sea at night', 'echo 8: the sea at night', 'echo 9: the sea at night']);
  assert.deepEqual(finish, ['stop', 'stop', 'stop']);
  assert.ok(
    pieces.every((p) => p > 1),
    `text came in pieces as it was generated: ${pieces.join(', ')}`,
  );
  assert.deepEqual(usage, { prompt_tokens: 4, completion_tokens: 18, total_tokens: 22 });
  assert.equal(afterUsage, 0, 'the usage chunk is the last');
});

test('text completions (streamed and not) and embeddings', async () => {
  const c = await client.completions.create({ model: 'echo-1', prompt: 'ahoy', seed: 3 });
  assert.equal(c.choices[0]!.text, 'echo 3: ahoy');
  let streamed = '';
  for await (const chunk of await client.completions.create({ model: 'echo-1', prompt: 'ahoy', seed: 3, stream: true }))
    streamed += chunk.choices[0]?.text ?? '';
  assert.equal(streamed, 'echo 3: ahoy');
  // The client asks for base64 by default and decodes it.
  const e = await client.embeddings.create({ model: 'echo-1', input: ['ab', 'abcd'] });
  assert.deepEqual(
    e.data.map((d) => d.embedding),
    [
      [2, 0.5, -1],
      [4, 0.5, -1],
    ],
  );
  const f = await client.embeddings.create({ model: 'echo-1', input: 'x', encoding_format: 'float' });
  assert.deepEqual(f.data[0]!.embedding, [1, 0.5, -1]);
});

test("errors come in OpenAI's shape with the status clients expect", async () => {
  await assert.rejects(client.chat.completions.create({ model: 'nope', messages: ask }), (e: any) => {
    assert.ok(e instanceof OpenAI.NotFoundError);
    assert.equal(e.code, 'model_not_found');
    assert.equal(e.type, 'invalid_request_error');
    assert.equal(e.param, 'model');
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: 'echo-1', messages: ask, temperature: 5 }), (e: any) => {
    assert.ok(e instanceof OpenAI.BadRequestError);
    assert.equal(e.param, 'temperature');
    return true;
  });
  // A worker refusing the input (non-retryable) is the client's 400, not a server error.
  await assert.rejects(
    client.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'refuse' }] }),
    (e: any) => e instanceof OpenAI.BadRequestError && /refuses/.test(e.message),
  );
  const stranger = new OpenAI({ baseURL: `${h.url}/openai/v1`, apiKey: 'sk-not-a-roost-token', maxRetries: 0 });
  await assert.rejects(stranger.models.list(), (e: any) => e instanceof OpenAI.AuthenticationError && e.status === 401);
  const worker = new OpenAI({ baseURL: `${h.url}/openai/v1`, apiKey: (await h.as('worker')).token, maxRetries: 0 });
  await assert.rejects(worker.models.list(), (e: any) => e instanceof OpenAI.PermissionDeniedError);
});

test('a key over its flow-control rate gets 429 with Retry-After, and usage is recorded per key', async () => {
  const { token } = await h.hub.tokens.create('limited', 'bot');
  const id = token.split('_')[1]!;
  await h.hub.broker.jobs.setLimit({ key: `openai:${id}`, concurrency: null, rate: { count: 1, intervalMs: 60_000 } });
  const limited = new OpenAI({ baseURL: `${h.url}/openai/v1`, apiKey: token, maxRetries: 0 });
  await limited.chat.completions.create({ model: 'echo-1', messages: ask, seed: 1 });
  await assert.rejects(limited.chat.completions.create({ model: 'echo-1', messages: ask }), (e: any) => {
    assert.ok(e instanceof OpenAI.RateLimitError);
    assert.equal(e.status, 429);
    assert.equal(e.type, 'rate_limit_error');
    const wait = Number(e.headers.get('retry-after'));
    assert.ok(wait > 0 && wait <= 60, `Retry-After ${wait}`);
    return true;
  });
  const admin = await h.admin.get<any>('/v1/usage');
  const mine = admin.usage.filter((u: any) => u.tokenId === id);
  assert.deepEqual(
    mine.map((u: any) => [u.model, u.requests, u.promptTokens, u.completionTokens]),
    [['echo-1', 1, 4, 6]],
  );
  // A key sees only its own usage.
  const own = await (await h.as('client')).get<any>('/v1/usage');
  assert.deepEqual(own.usage, []);
  // `roost usage` shows the same, as a table and as JSON.
  const cli = await roost(['usage', '--hub', h.url, '--token', h.adminToken]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, new RegExp(`${id}\\s+echo-1\\s+1\\s+4\\s+6`));
  const json = JSON.parse((await roost(['usage', '--json', '--hub', h.url, '--token', h.adminToken])).stdout);
  assert.ok(json.usage.some((u: any) => u.tokenId === id && u.completionTokens === 6));
});

test('a confined client token (ownJobs) is answered, and the job the front door made is its own', async () => {
  const { token, info } = await h.hub.tokens.create('api key', 'client', { ownJobs: true });
  const own = new OpenAI({ baseURL: `${h.url}/openai/v1`, apiKey: token, maxRetries: 0 });
  const r = await own.chat.completions.create({ model: 'echo-1', messages: ask, seed: 5 });
  assert.equal(r.choices[0]!.message.content, 'echo 5: the sea at night');
  const res = await fetch(`${h.url}/v1/jobs?kind=llm.chat`, { headers: { authorization: `Bearer ${token}` } });
  const { jobs } = (await res.json()) as { jobs: Array<{ createdBy: string }> };
  assert.equal(jobs.length, 1, 'only its own job, not the others made here');
  assert.equal(jobs[0]!.createdBy, info.id);
});
