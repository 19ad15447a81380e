import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { NonRetryableError, type Handler, type TaskContext } from '../handler.js';
import {
  chatInput,
  completeInput,
  embedInput,
  PartialStream,
  type GenerateOptions,
  type LlmKind,
  type Usage,
} from './llm.js';

/**
 * `roost worker --openai URL`: the kinds llm.chat, llm.complete and llm.embed served by an
 * OpenAI-compatible server (llama.cpp's llama-server, Ollama's /v1, vLLM, SGLang, LM Studio,
 * OpenAI, another Roost hub's front door). Generation is streamed from the server and passed on
 * as progress partials. A 400 (or 404, 422) from the server fails the task for good; 5xx, 401/403
 * and connection errors fail it retryably (the hub retries, maybe on another worker); a 429 waits
 * as long as Retry-After says and tries again.
 */

export interface OpenAIBackendOptions {
  /** The server's base URL as OpenAI clients take it (`http://host:8080/v1`); a bare host gets `/v1`. */
  url: string;
  /** Models to offer; none: every model the server lists at /models. */
  models: string[];
  apiKeyFile?: string;
  log: Logger;
}

/** A 429 is waited out at most this many times per task before the task fails (retryably). */
const MAX_429_WAITS = 5;
const MAX_429_WAIT_MS = 60_000;

export class OpenAIServer {
  readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(url: string, apiKey: string | undefined) {
    const u = new URL(url);
    this.base = (u.pathname === '/' ? `${u.origin}/v1` : u.href).replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
  }

  /** POSTs, waiting out 429s; throws the error kinds described above. */
  async post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    for (let waits = 0; ; waits++) {
      let res: Response;
      try {
        res = await fetch(this.base + path, {
          method: 'POST',
          headers: this.headers,
          body: JSON.stringify(body),
          signal,
        });
      } catch (e) {
        if (signal?.aborted) throw e;
        throw new Error(`the model server at ${this.base} is not reachable: ${(e as Error).message}`);
      }
      if (res.ok) return res;
      const message = await errorMessage(res);
      if (res.status === 429 && waits < MAX_429_WAITS) {
        await sleep(retryAfterMs(res), signal);
        continue;
      }
      const what = `the model server answered HTTP ${res.status} to ${path}: ${message}`;
      if (res.status === 400 || res.status === 404 || res.status === 422) throw new NonRetryableError(what);
      throw new Error(what);
    }
  }

  async get(path: string): Promise<unknown> {
    const res = await fetch(this.base + path, { headers: this.headers });
    if (!res.ok) throw new Error(`GET ${this.base}${path} answered HTTP ${res.status}: ${await errorMessage(res)}`);
    return res.json();
  }

  /** Whether the server has an endpoint: POSTing an empty body, 404 or 405 means it has not. */
  async has(path: string): Promise<boolean> {
    const res = await fetch(this.base + path, { method: 'POST', headers: this.headers, body: '{}' });
    await res.body?.cancel();
    return res.status !== 404 && res.status !== 405;
  }
}

async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const m = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    if (m) return m;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 300) || res.statusText;
}

/** Retry-After in seconds or as an HTTP date (or retry-after-ms), else 1 s; capped. */
export function retryAfterMs(res: Response): number {
  const ms = Number(res.headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return Math.min(ms, MAX_429_WAIT_MS);
  const h = res.headers.get('retry-after');
  if (h === null) return 1000;
  const s = Number(h);
  const wait = Number.isFinite(s) ? s * 1000 : Date.parse(h) - Date.now();
  return Math.min(Math.max(Number.isFinite(wait) ? wait : 1000, 0), MAX_429_WAIT_MS);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
  });
}

/**
 * The `data:` payloads of a server-sent event stream, as parsed JSON, until `[DONE]`. Comment
 * lines (`: OPENROUTER PROCESSING`), event names and blank lines are skipped.
 */
export async function* sseData(res: Response): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return;
      const parsed = JSON.parse(data) as Record<string, unknown>;
      if (parsed.error) {
        // A stream that started fine can still end in an error; a request error is not retried.
        const e = parsed.error as { message?: string; type?: string };
        const what = `the model server sent an error mid-stream: ${e.message ?? JSON.stringify(e)}`;
        throw e.type === 'invalid_request_error' ? new NonRetryableError(what) : new Error(what);
      }
      yield parsed;
    }
  }
}

interface Choice {
  delta?: { content?: string | null };
  text?: string | null;
  finish_reason?: string | null;
}

/** Streams one generation; the text comes back whole, and piece by piece as partials. */
async function generate(
  server: OpenAIServer,
  path: '/chat/completions' | '/completions',
  request: Record<string, unknown>,
  opts: GenerateOptions,
  ctx: TaskContext,
): Promise<{ text: string; finish_reason: string; usage: Usage | null }> {
  const body = {
    ...request,
    seed: ctx.seed,
    stream: true,
    stream_options: { include_usage: true },
    ...(opts.maxTokens !== undefined ? { max_tokens: opts.maxTokens } : {}),
    ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
    ...(opts.stop !== undefined ? { stop: opts.stop } : {}),
  };
  const res = await server.post(path, body, ctx.signal);
  const partials = new PartialStream(ctx, opts.maxTokens);
  let text = '';
  let finish = 'stop';
  let usage: Usage | null = null;
  for await (const chunk of sseData(res)) {
    if (chunk.usage) usage = chunk.usage as Usage;
    // vLLM and SGLang end with a usage-only chunk whose choices is null; OpenAI's has [].
    const choice = (chunk.choices as Choice[] | null | undefined)?.[0];
    if (!choice) continue;
    const piece = (path === '/completions' ? choice.text : choice.delta?.content) ?? '';
    text += piece;
    partials.push(piece);
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  return { text, finish_reason: finish, usage };
}

export async function openaiHandlers(o: OpenAIBackendOptions): Promise<Handler[]> {
  const apiKey = o.apiKeyFile ? readFileSync(o.apiKeyFile, 'utf8').trim() : undefined;
  const server = new OpenAIServer(o.url, apiKey);
  let models = o.models;
  if (models.length === 0) {
    const listed = (await server.get('/models').catch((e: Error) => {
      throw new Error(`${e.message}; name the models with --model`);
    })) as { data?: Array<{ id: string }> };
    models = (listed.data ?? []).map((m) => m.id);
    if (models.length === 0) throw new Error(`${server.base}/models lists no model; name the models with --model`);
  }
  const offers = models.map((model) => ({ model }));
  const run: Record<LlmKind, Handler['run']> = {
    'llm.chat': async (input, ctx) => {
      const i = chatInput(input, models);
      const out = await generate(server, '/chat/completions', { model: i.model, messages: i.messages }, i, ctx);
      return {
        model: i.model,
        message: { role: 'assistant', content: out.text },
        finish_reason: out.finish_reason,
        usage: out.usage,
      };
    },
    'llm.complete': async (input, ctx) => {
      const i = completeInput(input, models);
      const out = await generate(server, '/completions', { model: i.model, prompt: i.prompt }, i, ctx);
      return { model: i.model, text: out.text, finish_reason: out.finish_reason, usage: out.usage };
    },
    'llm.embed': async (input, ctx) => {
      const i = embedInput(input, models);
      const res = await server.post('/embeddings', { model: i.model, input: i.texts }, ctx.signal);
      const body = (await res.json()) as { data: Array<{ index: number; embedding: number[] }>; usage?: Usage };
      const embeddings = [...body.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      return { model: i.model, embeddings, usage: body.usage ?? null };
    },
  };
  const kinds: LlmKind[] = ['llm.chat'];
  if (await server.has('/completions')) kinds.push('llm.complete');
  if (await server.has('/embeddings')) kinds.push('llm.embed');
  o.log.info({ server: server.base, models, kinds }, 'serving an OpenAI-compatible server');
  return kinds.map((kind) => ({ kind, offers, run: run[kind] }));
}
