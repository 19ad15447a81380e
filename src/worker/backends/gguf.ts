import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { NonRetryableError, type Handler, type TaskContext } from '../handler.js';
import { chatInput, completeInput, embedInput, fitChat, PartialStream, type GenerateOptions } from './llm.js';

/**
 * `roost worker --gguf FILE`: a model file run in process by llama.cpp through node-llama-cpp,
 * on the GPU when there is one (CPU otherwise), with the model's own chat template. The package
 * is about 670 MB, so it is no dependency of Roost: it is loaded from the folder the setting
 * `llamaModules` (ROOST_LLAMA_MODULES) names, else from Roost's own node_modules, else from
 * `<dataDir>/llama`, where the worker installs it on first use.
 */

/** The release pinned here: it installs from the registry with prebuilt binaries. */
export const NODE_LLAMA_CPP = 'node-llama-cpp@3.21.1';

// The slice of node-llama-cpp's API used here (its types are not installed with Roost).
interface Sequence {
  dispose(): void;
  tokenMeter: { getState(): { usedInputTokens: number; usedOutputTokens: number } };
}
interface Model {
  tokenize(text: string): unknown[];
  createContext(o: { contextSize?: number; threads?: number; sequences: number }): Promise<{
    getSequence(): Sequence;
    contextSize: number;
  }>;
  createEmbeddingContext(o: { threads?: number }): Promise<{
    getEmbeddingFor(text: string): Promise<{ vector: readonly number[] }>;
  }>;
}
interface GenerateMeta {
  responseText?: string;
  response?: string;
  stopReason?: string;
  metadata?: { stopReason: string };
}
interface PromptOptions {
  maxTokens?: number;
  temperature?: number;
  seed: number;
  customStopTriggers?: string[];
  signal: AbortSignal;
  onTextChunk(text: string): void;
}
interface NodeLlamaCpp {
  getLlama(o: { gpu?: false | 'auto'; build: 'never'; logLevel?: string }): Promise<{
    loadModel(o: { modelPath: string }): Promise<Model>;
  }>;
  LlamaChatSession: new (o: { contextSequence: Sequence; autoDisposeSequence?: boolean }) => {
    setChatHistory(h: unknown[]): void;
    promptWithMeta(text: string, o: PromptOptions): Promise<GenerateMeta>;
  };
  LlamaCompletion: new (o: { contextSequence: Sequence }) => {
    generateCompletionWithMeta(text: string, o: PromptOptions): Promise<GenerateMeta>;
  };
}

export interface GgufOptions {
  file: string;
  /** Tasks run at once: one context sequence each. */
  concurrency: number;
  /** CPU threads (default: llama.cpp's choice; 1 on small shared machines). */
  threads?: number;
  /** false: CPU only, even with a GPU. */
  gpu?: boolean;
  /** A folder whose node_modules holds node-llama-cpp (setting llamaModules). */
  modulesDir?: string;
  dataDir: string;
  log: Logger;
}

const entry = (dir: string) => join(dir, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');

/** Finds node-llama-cpp, installing it under the data dir on first use. */
export async function loadNodeLlamaCpp(o: Pick<GgufOptions, 'modulesDir' | 'dataDir' | 'log'>): Promise<NodeLlamaCpp> {
  if (o.modulesDir) {
    if (!existsSync(entry(o.modulesDir)))
      throw new Error(
        `llamaModules (ROOST_LLAMA_MODULES) is ${resolve(o.modulesDir)}, which holds no node_modules/node-llama-cpp: ` +
          `run npm install --prefix ${o.modulesDir} ${NODE_LLAMA_CPP}`,
      );
    return (await import(pathToFileURL(resolve(entry(o.modulesDir))).href)) as NodeLlamaCpp;
  }
  try {
    return (await import('node-llama-cpp' as string)) as NodeLlamaCpp;
  } catch {
    // not beside Roost: the data dir's copy
  }
  const dir = resolve(o.dataDir, 'llama');
  if (!existsSync(entry(dir))) {
    o.log.warn(
      { dir },
      `--gguf needs ${NODE_LLAMA_CPP} (about 670 MB with its prebuilt llama.cpp binaries), which is not installed: installing it into ${dir} once`,
    );
    const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', NODE_LLAMA_CPP], {
      stdio: 'inherit',
    });
    if (r.status !== 0 || !existsSync(entry(dir)))
      throw new Error(
        `installing ${NODE_LLAMA_CPP} into ${dir} failed; install it yourself (npm install --prefix ${dir} ${NODE_LLAMA_CPP}) or point ROOST_LLAMA_MODULES at a folder holding it`,
      );
  }
  return (await import(pathToFileURL(entry(dir)).href)) as NodeLlamaCpp;
}

const finishReason = (stop: string | undefined) => (stop === 'maxTokens' ? 'length' : 'stop');

/** Tokens a chat template adds around each message, counted on top of its content's. */
const FRAMING_TOKENS = 4;

function promptOptions(opts: GenerateOptions, ctx: TaskContext, partials: PartialStream): PromptOptions {
  return {
    ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
    ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
    ...(opts.stop !== undefined ? { customStopTriggers: opts.stop } : {}),
    seed: ctx.seed,
    signal: ctx.signal,
    onTextChunk: (text) => partials.push(text),
  };
}

/** The model's handlers: llm.chat, llm.complete and llm.embed, labelled model=<file name>. */
export async function ggufHandlers(o: GgufOptions): Promise<Handler[]> {
  if (!existsSync(o.file)) throw new Error(`--gguf ${o.file}: no such file`);
  const lib = await loadNodeLlamaCpp(o);
  const llama = await lib.getLlama({ gpu: o.gpu === false ? false : 'auto', build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: resolve(o.file) });
  const context = await model.createContext({ sequences: o.concurrency, ...(o.threads ? { threads: o.threads } : {}) });
  let embedder: ReturnType<Model['createEmbeddingContext']> | null = null;
  const name = basename(o.file).replace(/\.gguf$/i, '');
  const models = [name];
  const offers = [{ model: name }];
  o.log.info({ model: name, file: resolve(o.file) }, 'serving a GGUF model');

  /** Runs a generation on a sequence of its own, freed afterwards. */
  async function onSequence<T>(fn: (seq: Sequence) => Promise<T>): Promise<T> {
    const seq = context.getSequence();
    try {
      return await fn(seq);
    } finally {
      seq.dispose();
    }
  }
  const usage = (prompt: string, seq: Sequence) => {
    const p = model.tokenize(prompt).length;
    const c = seq.tokenMeter.getState().usedOutputTokens;
    return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
  };

  return [
    {
      kind: 'llm.chat',
      offers,
      run: (input, ctx) => {
        const i = chatInput(input, models);
        const last = i.messages.at(-1)!;
        if (last.role !== 'user') throw new NonRetryableError("input.messages: the last message must be the user's");
        // Fit the prompt with the model's own tokenizer (the hub counted with a stand-in): to the
        // caller's budget, and always to the context, leaving room for the reply.
        const room = i.maxTokens ?? Math.floor(context.contextSize / 4);
        const budget = Math.min(i.contextTokens ?? Infinity, context.contextSize - room);
        const own = (m: { content: string }) => model.tokenize(m.content).length + FRAMING_TOKENS;
        const { messages, dropped } = fitChat(i.messages, budget, own);
        return onSequence(async (seq) => {
          const session = new lib.LlamaChatSession({ contextSequence: seq, autoDisposeSequence: false });
          session.setChatHistory(
            messages
              .slice(0, -1)
              .map((m) =>
                m.role === 'assistant'
                  ? { type: 'model', response: [m.content] }
                  : { type: m.role === 'user' ? 'user' : 'system', text: m.content },
              ),
          );
          const partials = new PartialStream(ctx, i.maxTokens);
          const r = await session.promptWithMeta(last.content, promptOptions(i, ctx, partials));
          return {
            model: name,
            message: { role: 'assistant', content: r.responseText ?? '' },
            finish_reason: finishReason(r.stopReason),
            usage: usage(messages.map((m) => m.content).join('\n'), seq),
            ...(dropped > 0 ? { dropped_messages: dropped } : {}),
          };
        });
      },
    },
    {
      kind: 'llm.complete',
      offers,
      run: (input, ctx) => {
        const i = completeInput(input, models);
        return onSequence(async (seq) => {
          const completion = new lib.LlamaCompletion({ contextSequence: seq });
          const partials = new PartialStream(ctx, i.maxTokens);
          const r = await completion.generateCompletionWithMeta(i.prompt, promptOptions(i, ctx, partials));
          return {
            model: name,
            text: r.response ?? '',
            finish_reason: finishReason(r.metadata?.stopReason),
            usage: usage(i.prompt, seq),
          };
        });
      },
    },
    {
      kind: 'llm.embed',
      offers,
      run: async (input) => {
        const i = embedInput(input, models);
        const e = await (embedder ??= model.createEmbeddingContext(o.threads ? { threads: o.threads } : {}));
        const embeddings: number[][] = [];
        for (const t of i.texts) embeddings.push(Array.from((await e.getEmbeddingFor(t)).vector));
        const tokens = i.texts.reduce((n, t) => n + model.tokenize(t).length, 0);
        return { model: name, embeddings, usage: { prompt_tokens: tokens, total_tokens: tokens } };
      },
    },
  ];
}
