import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { NonRetryableError, type TaskContext } from '../../src/worker/handler.js';
import { idleArtifacts } from '../helpers/idleArtifacts.js';
import { markovHandler, type MarkovOutput } from '../../src/worker/handlers/markov.js';
import { MarkovChain } from '../../src/worker/handlers/markovChain.js';
import { createRandom } from '../../src/worker/handlers/random.js';

function context(seed: number, signal: AbortSignal = new AbortController().signal): TaskContext {
  return {
    taskId: 't1',
    jobId: 'j1',
    index: 0,
    seed,
    attempt: 1,
    signal,
    progress() {},
    log: pino({ enabled: false }),
    // The markov handler moves no files: a worker's artifacts object whose hub is never called.
    artifacts: idleArtifacts(),
  };
}

async function run(input: unknown, seed = 1): Promise<MarkovOutput> {
  await markovHandler.init?.();
  return (await markovHandler.run(input, context(seed))) as MarkovOutput;
}

test('declares its kind and model label', () => {
  assert.equal(markovHandler.kind, 'text.markov');
  assert.deepEqual(markovHandler.labels, { model: 'markov-2' });
});

test('init is idempotent', async () => {
  await markovHandler.init?.();
  await markovHandler.init?.();
  assert.ok((await run({})).text.length > 0);
});

test('same seed and prompt give identical text', async () => {
  const a = await run({ prompt: 'the sea', maxWords: 40 }, 42);
  const b = await run({ prompt: 'the sea', maxWords: 40 }, 42);
  assert.deepEqual(a, b);
});

test('different seeds give different texts', async () => {
  const texts = new Set<string>();
  for (const seed of [1, 2, 3, 4, 5]) texts.add((await run({ prompt: 'the sea', maxWords: 30 }, seed)).text);
  assert.ok(texts.size >= 4, `only ${texts.size} distinct texts`);
});

test('"the sea" output starts with the prompt and stays within maxWords', async () => {
  for (const seed of [7, 8, 9]) {
    const out = await run({ prompt: 'the sea', maxWords: 20 }, seed);
    assert.ok(out.text.startsWith('the sea '), out.text);
    const generated = out.text.slice('the sea '.length).split(/\s+/).filter(Boolean);
    assert.equal(generated.length, out.words);
    assert.ok(out.words >= 1 && out.words <= 20, `${out.words} words`);
    assert.equal(out.seed, seed);
  }
});

test('defaults to 50 words and starts a sentence without a prompt', async () => {
  const out = await run({}, 3);
  assert.ok(out.words >= 25 && out.words <= 50, `${out.words} words`);
  assert.equal(out.text.split(/\s+/).length, out.words);
});

test('an unknown prompt still generates', async () => {
  const out = await run({ prompt: 'zzqx blorft', maxWords: 10 }, 5);
  assert.ok(out.text.startsWith('zzqx blorft '));
  assert.ok(out.words >= 1 && out.words <= 10);
});

test('invalid inputs are rejected as non-retryable, naming the field', async () => {
  const cases: [unknown, RegExp][] = [
    [{ maxWords: 0 }, /maxWords/],
    [{ maxWords: 1001 }, /maxWords/],
    [{ maxWords: 2.5 }, /maxWords/],
    [{ maxWords: '5' }, /maxWords/],
    [{ prompt: 5 }, /prompt/],
    [{ prompt: 'x'.repeat(1001) }, /prompt/],
    [{ prompt: 'the sea', temperature: 1 }, /temperature/],
    [null, /input/],
    [[], /input/],
    ['the sea', /input/],
  ];
  for (const [input, field] of cases) {
    await assert.rejects(
      async () => run(input),
      (err: unknown) => err instanceof NonRetryableError && field.test(err.message),
      `input ${JSON.stringify(input)}`,
    );
  }
});

test('an aborted signal stops the run', async () => {
  await markovHandler.init?.();
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    async () => markovHandler.run({ prompt: 'the sea' }, context(1, controller.signal)),
    (err: unknown) => err instanceof Error && err.name === 'AbortError',
  );
});

test('the PRNG is deterministic per seed and stays in [0, 1)', () => {
  for (const seed of [0, 1, -1, 42, 2 ** 31, 2 ** 32 + 5, -(2 ** 40), Number.MAX_SAFE_INTEGER]) {
    const a = createRandom(seed);
    const b = createRandom(seed);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      assert.equal(x, b());
      assert.ok(x >= 0 && x < 1, `${x} from seed ${seed}`);
    }
  }
  assert.notEqual(createRandom(1)(), createRandom(2)());
  assert.notEqual(createRandom(5)(), createRandom(2 ** 32 + 5)());
});

test('the chain continues known states and ends on sentence ends', () => {
  const chain = MarkovChain.train('The sea is wide. The sea is deep. The ship sails on the sea at night.');
  const text = chain.generate({ prompt: 'THE SEA', maxWords: 6, seed: 1 });
  assert.match(text, /^THE SEA (is (wide|deep)|at night)\./);
  assert.equal(MarkovChain.train('').generate({ prompt: 'x', maxWords: 5, seed: 1 }), 'x');
});
