import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BotChat } from '../../src/bots/botChat.js';
import { ChatMemory, loadTokenizer, messageTokens } from '../../src/broker/chatMemory.js';
import { packageRoot } from '../../src/paths.js';
import type { SandboxPost } from '../../src/types.js';
import { openChatStore } from '../../src/store/chatStore.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { execHandlers } from '../../src/worker/backends/exec.js';
import { until } from '../bots/botHelpers.js';
import { startExampleHub, type ExampleHub } from '../examples/exampleHub.js';
import { quietLog } from '../helpers/inProcessHub.js';

// ctx.chat: bots' conversations in the chat memory, answered by a real llm.chat backend: the
// --exec backend running a Python script (test/fixtures/pyChat.py) whose reply shows the messages
// it was sent ("saw s,u,a,u: <last>"), so each test sees exactly what memory carried.

const SCRIPT = join(packageRoot, 'test/fixtures/pyChat.py');
let h: ExampleHub;
let stop: () => Promise<void>;

before(async () => {
  await loadTokenizer();
  h = await startExampleHub();
  const { handlers, process } = await execHandlers(`exec python3 ${SCRIPT}`, quietLog);
  const agent = new WorkerAgent({
    hub: h.url,
    token: (await h.as('worker')).token,
    handlers,
    concurrency: 2,
    waitMs: 2000,
    graceMs: 200,
    log: quietLog,
  });
  const loop = agent.start();
  stop = async () => {
    await agent.stop();
    await loop;
    await process.stop();
  };
  await until('the chat worker to connect', async () => h.hub.broker.workers.canServe('llm.chat', null, Date.now()));
});
after(async () => {
  await stop();
  await h.close();
});

test('the autoresponder answers with llm.chat, remembering each asker apart, when a chat backend is connected', async () => {
  await h.create('autoresponder');
  const answer = async (author: string, text: string) => {
    const ask = await h.admin.post<SandboxPost>('/v1/sandbox/asks', { from: author, to: 'frank', text });
    return until(`frank's answer to ${author}`, async () =>
      (await h.timeline()).find((p) => p.replyTo === ask.id && p.author === 'frank'),
    );
  };
  // The system prompt, then the new message; then the remembered turns come along.
  assert.match((await answer('alice', 'is the sea deep?')).text, /^saw s,u: is the sea deep\?$/);
  assert.match((await answer('alice', 'and cold?')).text, /^saw s,u,a,u: and cold\?$/);
  // Another asker is another conversation.
  assert.match((await answer('bob', 'hello')).text, /^saw s,u: hello$/);
  const turns = await openChatStore(h.hub.broker.store).turns('bot:autoresponder:alice');
  assert.deepEqual(
    turns.map((t) => t.role),
    ['user', 'assistant', 'user', 'assistant'],
  );
  // No Markov jobs were needed.
  const jobs = await h.admin.get<{ jobs: Array<{ kind: string; concurrencyKey: string }> }>('/v1/jobs');
  const kinds = new Set(jobs.jobs.filter((j) => j.concurrencyKey === 'bot:autoresponder').map((j) => j.kind));
  assert.deepEqual([...kinds], ['llm.chat']);
});

test('ctx.chat prunes a conversation to its token budget, oldest turns first, keeping the system prompt', async () => {
  const memory = new ChatMemory(openChatStore(h.hub.broker.store));
  const chat = new BotChat(h.hub.broker.jobs, memory);
  assert.equal(chat.available(), true);
  assert.equal(chat.available('py-echo'), true);
  assert.equal(chat.available('no-such-model'), false);
  const system = 'Be brief.';
  const said: string[] = [];
  for (const text of ['one two three', 'four five six', 'seven eight nine']) {
    said.push((await chat.say('pruner', 'carol', text, { system, contextTokens: 1000 })).text);
  }
  assert.equal(said[2], 'saw s,u,a,u,a,u: seven eight nine');
  // A budget that holds the system prompt, the last exchange and the new message, but no more.
  const store = openChatStore(h.hub.broker.store);
  const turns = await store.turns('bot:pruner:carol');
  assert.equal(turns.length, 6);
  const cost = (ms: Array<{ role: string; content: string }>) => ms.reduce((n, m) => n + messageTokens(m), 0);
  const budget = cost([{ role: 'system', content: system }, ...turns.slice(-2), { role: 'user', content: 'ten' }]);
  const reply = await chat.say('pruner', 'carol', 'ten', { system, contextTokens: budget });
  assert.equal(reply.text, 'saw s,u,a,u: ten');
  assert.equal(reply.model, 'py-echo');
  assert.ok(reply.usage && reply.usage.prompt_tokens > 0);
  // The pruned turns are gone from the store; the last exchange and the new one remain.
  const left = await store.turns('bot:pruner:carol');
  assert.deepEqual(
    left.map((t) => t.content),
    ['seven eight nine', 'saw s,u,a,u,a,u: seven eight nine', 'ten', 'saw s,u,a,u: ten'],
  );
  await assert.rejects(chat.say('pruner', '', 'x'), /ctx.chat: counterpart must be/);
  await assert.rejects(
    chat.say('pruner', 'carol', 'x', { model: 'no-such-model' }),
    /no connected worker answers llm.chat for model 'no-such-model'/,
  );
});
