/**
 * `npm run bench:models`: the OpenAI front door against calling the same backend directly.
 * The backend is the --gguf one running the tiny random-weight test model on one CPU thread
 * (node-llama-cpp from test/servers/llama, or ROOST_LLAMA_MODULES); the hub, its worker and the
 * `openai` client run in this process. For each path: time to first token and tokens per second
 * (completion tokens over the whole request), medians over the runs.
 *
 *   node dist/bench/frontDoor.js [--runs N] [--tokens N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { DEFAULTS } from '../src/config.js';
import { startHub } from '../src/hub/hub.js';
import { packageRoot } from '../src/paths.js';
import { WorkerAgent } from '../src/worker/agent.js';
import { ggufHandlers } from '../src/worker/backends/gguf.js';
import type { TaskContext } from '../src/worker/handler.js';
import { writeTinyGguf } from '../test/fixtures/tinyGguf.js';
import { HubClient } from '../src/client/hubClient.js';
import { defaultCacheDir, WorkerArtifacts } from '../src/worker/artifacts.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('--runs', 30);
const TOKENS = arg('--tokens', 64);
const log = pino({ level: 'silent' });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const messages = [{ role: 'user' as const, content: 'Tell me about the sea at night.' }];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roost-bench-models-'));
  const file = join(dir, 'tiny.gguf');
  writeTinyGguf(file);
  const handlers = await ggufHandlers({
    file,
    concurrency: 1,
    threads: 1,
    gpu: false,
    modulesDir: process.env.ROOST_LLAMA_MODULES ?? join(packageRoot, 'test/servers/llama'),
    dataDir: dir,
    log,
  });
  const chat = handlers.find((h) => h.kind === 'llm.chat')!;
  const direct = { ttft: [] as number[], tps: [] as number[] };
  const hub = { ttft: [] as number[], tps: [] as number[] };

  // Directly: the handler as the worker calls it; the first partial is the first token out.
  for (let i = 0; i < RUNS + 3; i++) {
    const start = performance.now();
    let first = 0;
    const ctx = {
      taskId: 'b.0',
      jobId: 'b',
      index: 0,
      seed: i,
      attempt: 1,
      signal: new AbortController().signal,
      progress: () => (first ||= performance.now()),
      log,
      // The chat handler moves no files: artifacts whose hub (port 9, discard) is never called.
      artifacts: new WorkerArtifacts(new HubClient('http://127.0.0.1:9', undefined), defaultCacheDir(), 0),
    } as TaskContext;
    const out = (await chat.run({ messages, max_tokens: TOKENS, temperature: 0.8 }, ctx)) as {
      usage: { completion_tokens: number };
    };
    const end = performance.now();
    if (i < 3) continue; // warm-up
    direct.ttft.push(first - start);
    direct.tps.push(out.usage.completion_tokens / ((end - start) / 1000));
  }

  const running = await startHub(
    { ...DEFAULTS, port: 0, dataDir: dir, botsDir: join(dir, 'bots'), kinds: ['llm.chat'] },
    log,
  );
  const worker = new WorkerAgent({
    hub: running.url,
    token: (await running.tokens.create('bench worker', 'worker')).token,
    handlers,
    concurrency: 1,
    log,
  });
  const loop = worker.start();
  const client = new OpenAI({
    baseURL: `${running.url}/openai/v1`,
    apiKey: (await running.tokens.create('bench client', 'client')).token,
  });
  while ((await client.models.list()).data.length === 0) await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < RUNS + 3; i++) {
    const start = performance.now();
    let first = 0;
    let tokens = 0;
    const s = await client.chat.completions.create({
      model: 'tiny',
      messages,
      max_tokens: TOKENS,
      temperature: 0.8,
      seed: i,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of s) {
      if (!first && chunk.choices[0]?.delta.content) first = performance.now();
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
    const end = performance.now();
    if (i < 3) continue;
    hub.ttft.push(first - start);
    hub.tps.push(tokens / ((end - start) / 1000));
  }
  await worker.stop();
  await loop;
  await running.close();
  rmSync(dir, { recursive: true, force: true });

  const row = (name: string, r: typeof direct) =>
    `| ${name} | ${median(r.ttft).toFixed(2)} ms | ${median(r.tps).toFixed(0)} tokens/s |`;
  console.log(`Front door vs direct: tiny GGUF, 1 CPU thread, ${TOKENS} tokens, median of ${RUNS}`);
  console.log('| path | time to first token | tokens/s |');
  console.log('|---|---|---|');
  console.log(row('direct (the --gguf handler)', direct));
  console.log(row('through the hub (openai client, streaming)', hub));
  console.log(
    `first token: +${(median(hub.ttft) - median(direct.ttft)).toFixed(2)} ms through the hub; tokens/s: ${((100 * median(hub.tps)) / median(direct.tps)).toFixed(1)}% of direct`,
  );
}

await main();
