import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { loadTokenizer, messageTokens, type ChatMessage } from '../../src/broker/chatMemory.js';
import { fitToBudget } from '../../src/util/chatBudget.js';
import { openChatStore } from '../../src/store/chatStore.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import type { Handler } from '../../src/worker/handler.js';
import { quietLog, startTestHub } from '../helpers/inProcessHub.js';

before(loadTokenizer);

// Chat memory: pruning to a token budget counted by a real tokenizer (o200k_base through
// gpt-tokenizer), and conversations remembered by the front door.

test('the budget is counted with the tokenizer: newest turns kept, oldest dropped first, system kept', () => {
  // A real BPE tokenizer, not a word count: these differ.
  assert.equal(countTokens('hello world'), 2);
  assert.notEqual(countTokens('antidisestablishmentarianism'), 1);
  const system: ChatMessage[] = [{ role: 'system', content: 'You are Frank, a terse bot.' }];
  const turns = [
    { role: 'user', content: 'antidisestablishmentarianism is a long word indeed' },
    { role: 'assistant', content: 'It is.' },
    { role: 'user', content: 'What about the sea at night?' },
    { role: 'assistant', content: 'Dark and deep.' },
  ];
  const cost = (ms: ChatMessage[]) => ms.reduce((n, m) => n + messageTokens(m), 0);
  // Exactly the system prompt and the last two turns fit.
  const budget = cost(system) + cost(turns.slice(2));
  const { messages, firstKept } = fitToBudget(system, turns, budget, messageTokens);
  assert.equal(firstKept, 2);
  assert.deepEqual(messages, [...system, ...turns.slice(2)]);
  // One token fewer and the older of the two goes too; the system prompt stays whatever the budget.
  assert.deepEqual(fitToBudget(system, turns, budget - 1, messageTokens).messages, [...system, turns[3]]);
  assert.deepEqual(fitToBudget(system, turns, 0, messageTokens).messages, system);
  // Everything fits a large budget.
  assert.equal(fitToBudget(system, turns, 10_000, messageTokens).firstKept, 0);
});

test(
  'the front door remembers a conversation per key and id, pruned to context_tokens',
  { timeout: 60_000 },
  async () => {
    const h = await startTestHub({ kinds: ['llm.chat'] });
    const seen: ChatMessage[][] = [];
    const history: Handler = {
      kind: 'llm.chat',
      offers: [{ model: 'm' }],
      run: (input: any) => {
        seen.push(input.messages);
        return { message: { role: 'assistant', content: `reply ${seen.length}` }, finish_reason: 'stop', usage: null };
      },
    };
    const agent = new WorkerAgent({
      hub: h.url,
      token: (await h.as('worker')).token,
      handlers: [history],
      concurrency: 2,
      waitMs: 2000,
      graceMs: 200,
      log: quietLog,
    });
    const loop = agent.start();
    try {
      const token = (await h.as('bot')).token;
      const client = new OpenAI({ baseURL: `${h.url}/openai/v1`, apiKey: token, maxRetries: 0 });
      for (let i = 0; i < 200 && (await client.models.list()).data.length === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      const system = { role: 'system' as const, content: 'Be brief.' };
      const say = (content: string, extra: object = {}, stream = false) =>
        client.chat.completions.create({
          model: 'm',
          messages: [system, { role: 'user', content }],
          stream,
          // Roost's extension fields pass through the client unchanged.
          ...({ conversation: 'c1', ...extra } as object),
        } as any);
      await say('one');
      await say('two');
      // Streamed replies are remembered too, before the stream ends.
      let chunks = 0;
      for await (const chunk of (await say('three', {}, true)) as any) chunks += chunk.choices.length;
      assert.ok(chunks > 0);
      assert.deepEqual(
        seen[2]!.map((m) => `${m.role}:${m.content}`),
        ['system:Be brief.', 'user:one', 'assistant:reply 1', 'user:two', 'assistant:reply 2', 'user:three'],
      );
      // Another conversation id starts empty.
      await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        ...({ conversation: 'c2' } as object),
      } as any);
      assert.equal(seen[3]!.length, 1);
      // A budget that holds the system prompt, the new turn and only the last two remembered ones.
      const cost = (ms: ChatMessage[]) => ms.reduce((n, m) => n + messageTokens(m), 0);
      const budget = cost([
        system,
        { role: 'user', content: 'four' },
        { role: 'user', content: 'three' },
        { role: 'assistant', content: 'reply 3' },
      ]);
      await say('four', { context_tokens: budget });
      assert.deepEqual(
        seen[4]!.map((m) => m.content),
        ['Be brief.', 'three', 'reply 3', 'four'],
      );
      // The dropped turns are gone from the store; the system prompt is never stored, always sent.
      const id = token.split('_')[1]!;
      const stored = await openChatStore(h.hub.broker.store).turns(`openai:${id}:c1`);
      assert.deepEqual(
        stored.map((t) => t.content),
        ['three', 'reply 3', 'four', 'reply 5'],
      );
      assert.equal(stored[0]!.tokens, messageTokens({ role: 'user', content: 'three' }));
    } finally {
      await agent.stop();
      await loop;
      await h.close();
    }
  },
);
