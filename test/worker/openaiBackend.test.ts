import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { isNonRetryable, type Handler, type TaskContext } from '../../src/worker/handler.js';
import { openaiHandlers } from '../../src/worker/backends/openai.js';
import type { TextPartial } from '../../src/worker/backends/llm.js';
import { FakeOpenAI } from '../fixtures/fakeOpenAI.js';
import { idleArtifacts } from '../helpers/idleArtifacts.js';

// The --openai backend against a documented-API fake (test/fixtures/fakeOpenAI.ts) for the quirks
// and error statuses; test/models/openaiFrontDoor.test.ts runs it against a real server.

const log = pino({ enabled: false });

function context(seed = 11): TaskContext & { partials: TextPartial[] } {
  const partials: TextPartial[] = [];
  return {
    taskId: 'j.0',
    jobId: 'j',
    index: 0,
    seed,
    attempt: 1,
    signal: new AbortController().signal,
    progress: (_p, partial) => void partials.push(partial as TextPartial),
    log,
    artifacts: idleArtifacts(),
    partials,
  };
}

async function withFake(
  opts: ConstructorParameters<typeof FakeOpenAI>[0],
  fn: (fake: FakeOpenAI, handlers: Map<string, Handler>) => Promise<void>,
): Promise<void> {
  const fake = await new FakeOpenAI(opts).start();
  try {
    const handlers = await openaiHandlers({ url: fake.url, models: [], log });
    await fn(fake, new Map(handlers.map((h) => [h.kind, h])));
  } finally {
    await fake.close();
  }
}

test('offers the kinds the server has, labelled with each model it lists', async () => {
  await withFake({ models: ['a', 'b'], embeddings: false }, async (_fake, handlers) => {
    assert.deepEqual([...handlers.keys()], ['llm.chat', 'llm.complete']);
    assert.deepEqual(handlers.get('llm.chat')!.offers, [{ model: 'a' }, { model: 'b' }]);
  });
});

test('chat streams partials in order, maps seed, temperature, max_tokens and stop, and reads the usage-only chunk', async () => {
  await withFake({}, async (fake, handlers) => {
    const ctx = context(11);
    const out = (await handlers
      .get('llm.chat')!
      .run({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, temperature: 0.5, stop: ['\n'] }, ctx)) as any;
    assert.equal(out.message.content, 'Hello world, seed 11');
    assert.equal(out.finish_reason, 'length');
    assert.deepEqual(out.usage, { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 });
    const sent = fake.requests.find((r) => r.path === '/chat/completions' && r.body.messages)!.body;
    assert.equal(sent.model, 'fake-1');
    assert.equal(sent.seed, 11);
    assert.equal(sent.temperature, 0.5);
    assert.equal(sent.max_tokens, 4);
    assert.deepEqual(sent.stop, ['\n']);
    assert.equal(sent.stream, true);
    // The partials rebuild the text from their offsets.
    await new Promise((r) => setImmediate(r));
    let text = '';
    for (const p of ctx.partials) {
      assert.equal(p.offset, text.length);
      text += p.text;
    }
    assert.equal(text, out.message.content);
  });
});

test('completions and embeddings', async () => {
  await withFake({}, async (_fake, handlers) => {
    const c = (await handlers.get('llm.complete')!.run({ prompt: 'x' }, context(3))) as any;
    assert.equal(c.text, 'Hello world, seed 3');
    const e = (await handlers.get('llm.embed')!.run({ input: ['a', 'bcd'] }, context())) as any;
    assert.deepEqual(e.embeddings, [
      [1, 0],
      [3, 1],
    ]);
  });
});

test('a 400 from the server fails for good; a 500 and a dead server fail retryably', async () => {
  await withFake({}, async (fake, handlers) => {
    const chat = handlers.get('llm.chat')!;
    const input = { messages: [{ role: 'user', content: 'hi' }] };
    fake.next('/chat/completions', {
      status: 400,
      body: { error: { message: 'context too long', type: 'invalid_request_error', code: null } },
    });
    await assert.rejects(
      async () => chat.run(input, context()),
      (e: Error) => isNonRetryable(e) && /context too long/.test(e.message),
    );
    fake.next('/chat/completions', { status: 503 });
    await assert.rejects(
      async () => chat.run(input, context()),
      (e: Error) => !isNonRetryable(e) && /HTTP 503/.test(e.message),
    );
    await fake.close();
    await assert.rejects(
      async () => chat.run(input, context()),
      (e: Error) => !isNonRetryable(e) && /not reachable/.test(e.message),
    );
  });
});

test('a 429 waits as long as Retry-After says, then goes through', async () => {
  await withFake({}, async (fake, handlers) => {
    fake.next('/chat/completions', { status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const out = (await handlers
      .get('llm.chat')!
      .run({ messages: [{ role: 'user', content: 'hi' }] }, context(5))) as any;
    assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
    assert.equal(out.message.content, 'Hello world, seed 5');
    assert.equal(fake.requests.filter((r) => r.path === '/chat/completions' && r.body.messages).length, 2);
  });
});

test('bad input names the field and is not retried', async () => {
  await withFake({ models: ['a', 'b'] }, async (_fake, handlers) => {
    const chat = handlers.get('llm.chat')!;
    await assert.rejects(
      async () => chat.run({ model: 'a', messages: [] }, context()),
      /input.messages must be a non-empty list/,
    );
    await assert.rejects(
      async () => chat.run({ messages: [{ role: 'user', content: 'x' }] }, context()),
      /input.model is required/,
    );
    await assert.rejects(
      async () => chat.run({ model: 'a', messages: [{ role: 'user', content: 'x' }], temperature: 9 }, context()),
      (e: Error) => isNonRetryable(e) && /input.temperature/.test(e.message),
    );
  });
});
