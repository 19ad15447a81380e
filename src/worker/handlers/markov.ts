import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../paths.js';
import { NonRetryableError, type Handler, type TaskContext } from '../handler.js';
import { MarkovChain } from './markovChain.js';

const MAX_PROMPT_CHARS = 1000;
const MAX_WORDS = 1000;
const DEFAULT_WORDS = 50;
const ALLOWED = ['prompt', 'maxWords'];

export interface MarkovInput {
  prompt?: string;
  maxWords?: number;
}

export interface MarkovOutput {
  text: string;
  /** Generated words only, not counting the prompt. */
  words: number;
  seed: number;
}

// A promise rather than the chain so that concurrent or repeated init() calls train only once.
let training: Promise<MarkovChain> | undefined;

function chain(): Promise<MarkovChain> {
  training ??= trainOnCorpus().catch((err: unknown) => {
    training = undefined; // let a later init() retry instead of caching the failure
    throw err;
  });
  return training;
}

async function trainOnCorpus(): Promise<MarkovChain> {
  const dir = join(packageRoot, 'data/corpus');
  const files = (await readdir(dir)).filter((name) => name.endsWith('.txt')).sort();
  if (files.length === 0) throw new Error(`no .txt files to train on in ${dir}`);
  const texts = await Promise.all(files.map((name) => readFile(join(dir, name), 'utf8')));
  return MarkovChain.train(texts.join('\n\n'), 2);
}

export function parseMarkovInput(input: unknown): Required<MarkovInput> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new NonRetryableError('input must be an object: { prompt?: string, maxWords?: integer 1..1000 }');
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!ALLOWED.includes(key)) {
      throw new NonRetryableError(`input.${key} is not allowed; allowed properties: ${ALLOWED.join(', ')}`);
    }
  }
  const { prompt = '', maxWords = DEFAULT_WORDS } = record;
  if (typeof prompt !== 'string' || prompt.length > MAX_PROMPT_CHARS) {
    throw new NonRetryableError(`prompt must be a string of at most ${MAX_PROMPT_CHARS} characters`);
  }
  if (typeof maxWords !== 'number' || !Number.isInteger(maxWords) || maxWords < 1 || maxWords > MAX_WORDS) {
    throw new NonRetryableError(`maxWords must be an integer from 1 to ${MAX_WORDS}`);
  }
  return { prompt, maxWords };
}

export const markovHandler: Handler = {
  kind: 'text.markov',
  labels: { model: 'markov-2' },
  async init() {
    await chain();
  },
  async run(input: unknown, ctx: TaskContext): Promise<MarkovOutput> {
    const { prompt, maxWords } = parseMarkovInput(input);
    ctx.signal.throwIfAborted();
    const model = await chain();
    ctx.signal.throwIfAborted();
    const words = model.generateWords({ prompt, maxWords, seed: ctx.seed });
    return { text: MarkovChain.compose(prompt, words), words: words.length, seed: ctx.seed };
  },
};
