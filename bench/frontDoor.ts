/**
 * The front-door rows of `npm run bench` (alone: `npm run bench -- --only front-door`, or
 * `npm run bench:models`): the OpenAI front door against calling the same backend directly.
 * The backend is the --gguf one running the tiny random-weight test model on one CPU thread
 * (node-llama-cpp from test/servers/llama, or ROOST_LLAMA_MODULES). Directly: the handler runs in
 * this process and its first progress partial is the first token. Through the hub: as deployed,
 * `roost hub` and `roost worker --gguf` are processes of their own and the official `openai` client
 * runs here. For each path: time to first token and tokens per second (completion tokens over the
 * whole request), medians over the runs.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { packageRoot } from '../src/paths.js';
import { ggufHandlers } from '../src/worker/backends/gguf.js';
import type { Handler, TaskContext } from '../src/worker/handler.js';
import { writeTinyGguf } from '../test/fixtures/tinyGguf.js';
import { HubClient } from '../src/client/hubClient.js';
import { defaultCacheDir, WorkerArtifacts } from '../src/worker/artifacts.js';
import { Child, childEnv } from './processes.js';

/** Tokens generated per request. */
const TOKENS = 64;
const WARMUP = 3;
const ROOST_BIN = join(packageRoot, 'bin/roost.js');
const log = pino({ level: 'silent' });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const messages = [{ role: 'user' as const, content: 'Tell me about the sea at night.' }];

export interface PathFigures {
  /** Median time to first token (ms). */
  ttftMs: number;
  /** Median tokens per second over whole requests. */
  tokensPerSec: number;
}

export interface FrontDoorFigures {
  runs: number;
  tokens: number;
  direct: PathFigures;
  hub: PathFigures;
}

export async function frontDoor(runs: number): Promise<FrontDoorFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'roost-bench-models-'));
  const file = join(dir, 'tiny.gguf');
  writeTinyGguf(file);
  try {
    return await measure(file, dir, runs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(file: string, dir: string, runs: number): Promise<FrontDoorFigures> {
  const modulesDir = process.env.ROOST_LLAMA_MODULES ?? join(packageRoot, 'test/servers/llama');
  const handlers = await ggufHandlers({ file, concurrency: 1, threads: 1, gpu: false, modulesDir, dataDir: dir, log });
  const chat = handlers.find((h) => h.kind === 'llm.chat')!;
  const hubDir = join(dir, 'hub');
  const env = childEnv({ ROOST_LLAMA_MODULES: modulesDir });
  const hubProc = new Child(
    'front-door hub',
    process.execPath,
    [ROOST_BIN, 'hub', '--port', '0', '--data', hubDir, '--kind', 'llm.chat', '--log-level', 'warn'],
    { cwd: dir, env },
  );
  let workerProc: Child | null = null;
  try {
    const url = (await hubProc.waitForLine(/Roost hub on (http:\/\/\S+)/, 60_000))[1]!;
    const admin = new HubClient(url, readFileSync(join(hubDir, 'admin.token'), 'utf8').trim());
    const token = async (scope: string) =>
      (await admin.post<{ token: string }>('/v1/tokens', { name: `bench ${scope}`, scope })).token;
    const workerArgs = ['--hub', url, '--token', await token('worker'), '--gguf', file, '--threads', '1'];
    workerProc = new Child(
      'front-door worker',
      process.execPath,
      [ROOST_BIN, 'worker', ...workerArgs, '--no-gpu', '--concurrency', '1', '--no-builtins', '--log-level', 'warn'],
      { cwd: dir, env },
    );
    const client = new OpenAI({ baseURL: `${url}/openai/v1`, apiKey: await token('client') });
    while ((await client.models.list()).data.length === 0) await new Promise((r) => setTimeout(r, 20));
    // The two paths take turns, so that both meet the same load on a shared machine.
    const direct: Sample[] = [];
    const hub: Sample[] = [];
    for (let i = 0; i < runs + WARMUP; i++) {
      const d = await directly(chat, i);
      const h = await throughHub(client, i);
      if (i < WARMUP) continue;
      direct.push(d);
      hub.push(h);
    }
    return { runs, tokens: TOKENS, direct: figures(direct), hub: figures(hub) };
  } finally {
    await workerProc?.stop();
    await hubProc.stop();
  }
}

interface Sample {
  ttftMs: number;
  tokensPerSec: number;
}

const figures = (xs: Sample[]): PathFigures => ({
  ttftMs: median(xs.map((x) => x.ttftMs)),
  tokensPerSec: median(xs.map((x) => x.tokensPerSec)),
});

/** The handler as the worker calls it; the first partial is the first token out. */
async function directly(chat: Handler, seed: number): Promise<Sample> {
  const start = performance.now();
  let first = 0;
  const ctx = {
    taskId: 'b.0',
    jobId: 'b',
    index: 0,
    seed,
    attempt: 1,
    signal: new AbortController().signal,
    progress: () => void (first ||= performance.now()),
    log,
    // The chat handler moves no files: artifacts whose hub (port 9, discard) is never called.
    artifacts: new WorkerArtifacts(new HubClient('http://127.0.0.1:9', undefined), defaultCacheDir(), 0),
  } as TaskContext;
  const out = (await chat.run({ messages, max_tokens: TOKENS, temperature: 0.8 }, ctx)) as {
    usage: { completion_tokens: number };
  };
  const end = performance.now();
  return { ttftMs: first - start, tokensPerSec: out.usage.completion_tokens / ((end - start) / 1000) };
}

/** One chat streamed through the front door with the official client. */
async function throughHub(client: OpenAI, seed: number): Promise<Sample> {
  const start = performance.now();
  let first = 0;
  let tokens = 0;
  const s = await client.chat.completions.create({
    model: 'tiny',
    messages,
    max_tokens: TOKENS,
    temperature: 0.8,
    seed,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of s) {
    if (!first && chunk.choices[0]?.delta.content) first = performance.now();
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  const end = performance.now();
  return { ttftMs: first - start, tokensPerSec: tokens / ((end - start) / 1000) };
}

const fmt = (v: number) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));

/** The report's rows: each path, and the hub against direct. */
export function frontDoorRows(f: FrontDoorFigures): string[][] {
  return [
    ['time to first token, direct (ms)', fmt(f.direct.ttftMs)],
    ['time to first token, through the hub (ms)', fmt(f.hub.ttftMs)],
    ['tokens/s, direct', fmt(f.direct.tokensPerSec)],
    ['tokens/s, through the hub', fmt(f.hub.tokensPerSec)],
  ];
}

/** The targets: first token within 5 ms of direct, tokens/s at least 95% of direct. */
export function frontDoorTargets(f: FrontDoorFigures | null) {
  return [
    {
      target: 'front door: first token within 5 ms of direct',
      value: f && f.hub.ttftMs - f.direct.ttftMs,
      ok: (v: number) => v <= 5,
      show: (v: number) => `${v >= 0 ? '+' : ''}${fmt(v)} ms`,
    },
    {
      target: 'front door: tokens/s >= 95% of direct',
      value: f && f.hub.tokensPerSec / f.direct.tokensPerSec,
      ok: (v: number) => v >= 0.95,
      show: (v: number) => `${(100 * v).toFixed(1)}%`,
    },
  ];
}
