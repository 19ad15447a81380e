import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { JobBroker } from '../../broker/jobBroker.js';
import { InputError, NotFoundError } from '../../errors.js';
import type { JobSpec } from '../../types/jobs.js';
import type { UsageStore } from '../../store/usageStore.js';
import type { ChatMemory } from '../../broker/chatMemory.js';
import { requireScope } from '../auth.js';
import { HttpError } from '../httpError.js';
import { KeyBuckets } from '../keyBuckets.js';
import type { Tokens } from '../tokens.js';
import { bad, chatMessages, generationOptions, isInt, requestBody, requestModel } from './openaiRequest.js';
import { collect, errorType, stream, totalUsage, type Outcome, type Shape, type Usage } from './openaiJobs.js';

/**
 * The OpenAI-compatible front door, under its own base URL `/openai/v1` (Roost's own API holds
 * `/v1`, with its own error shape): any OpenAI client works with `baseURL: <hub>/openai/v1` and a
 * Roost client or bot token as its API key. Each request becomes a job for pull workers (kinds
 * llm.chat, llm.complete, llm.embed; `model` is the required label `model`), `n` its variants.
 * Errors are OpenAI's `{error: {message, type, code, param}}`. A key whose flow-control rule
 * (`PUT /v1/limits/openai:<token id>`, or `openai:*` for every key) has a rate is answered 429
 * with Retry-After when its bucket is empty; usage is recorded per key, day and model.
 */
export const FRONT_DOOR_BASE = '/openai/v1';
const MAX_N = 128;

export interface FrontDoorDeps {
  broker: JobBroker;
  tokens: Tokens;
  usage: UsageStore;
  memory: ChatMemory;
  log: Logger;
}

/** The token budget of a remembered conversation when the request names none. */
const DEFAULT_CONTEXT_TOKENS = 4096;

export function openaiRoutes(app: FastifyInstance, deps: FrontDoorDeps): void {
  const { broker, usage, log } = deps;
  const buckets = new KeyBuckets();

  /** Submits the job: checks the model is offered, the key's rate, then creates it. */
  async function submit(req: FastifyRequest, kind: string, m: string, input: object, n: number, seed: unknown) {
    if (!broker.workers.canServe(kind, { model: m }, Date.now()))
      throw new HttpError(
        404,
        'model_not_found',
        `no connected worker offers model '${m}' for ${kind}; GET /models lists those that do`,
        'model',
      );
    if (seed !== undefined && seed !== null && (!isInt(seed) || seed < 0 || seed > 2 ** 31 - 1))
      bad('seed', 'seed must be an integer from 0 to 2147483647');
    const key = `openai:${req.token!.id}`;
    const waitMs = buckets.take(broker.limits.match(key), key, n, Date.now());
    if (waitMs > 0)
      throw new HttpError(
        429,
        'rate_limit_exceeded',
        `rate limit reached for this key; retry in ${Math.ceil(waitMs / 1000)} s`,
        undefined,
        {
          retryAfterS: Math.ceil(waitMs / 1000),
        },
      );
    const spec: JobSpec = {
      kind,
      input: { ...input, model: m },
      variants: n,
      requires: { model: m },
      concurrencyKey: key,
    };
    if (isInt(seed)) spec.seed = seed;
    return (await broker.submit(spec, req.token!.id)).job;
  }

  function record(req: FastifyRequest, m: string, u: Usage): void {
    const day = new Date().toISOString().slice(0, 10);
    usage
      .add(req.token!.id, day, m, u.prompt_tokens, u.completion_tokens)
      .catch((e: unknown) => log.error({ err: e }, 'recording usage failed'));
  }

  /** Chat and text completions share everything but their shapes. */
  async function generate(req: FastifyRequest, reply: FastifyReply, shape: Shape) {
    const b = requestBody(req);
    const m = requestModel(b);
    let input: Record<string, unknown>;
    // Roost's extension: `conversation` names a remembered chat; the request sends only the new turns.
    let remember: ((reply: string) => Promise<void>) | null = null;
    if (shape === 'chat') {
      let messages = chatMessages(b);
      const budget = b.context_tokens ?? DEFAULT_CONTEXT_TOKENS;
      if (!isInt(budget) || budget < 16) bad('context_tokens', 'context_tokens must be an integer of at least 16');
      if (b.conversation !== undefined) {
        if (typeof b.conversation !== 'string' || b.conversation === '' || b.conversation.length > 200)
          bad('conversation', 'conversation must be a string of 1 to 200 characters');
        const id = `openai:${req.token!.id}:${b.conversation}`;
        const system = messages.filter((m) => m.role === 'system' || m.role === 'developer');
        const incoming = messages.filter((m) => !system.includes(m));
        messages = await deps.memory.context(id, system, incoming, budget);
        remember = (reply) => deps.memory.remember(id, [...incoming, { role: 'assistant', content: reply }]);
      }
      // A worker with the model at hand fits the prompt to the budget with the model's own tokenizer.
      input = {
        messages,
        ...(b.conversation !== undefined || b.context_tokens !== undefined ? { context_tokens: budget } : {}),
      };
    } else {
      const prompt: unknown = Array.isArray(b.prompt) && b.prompt.length === 1 ? b.prompt[0] : b.prompt;
      if (typeof prompt !== 'string') bad('prompt', 'prompt must be a string');
      input = { prompt };
    }
    Object.assign(input, generationOptions(b));
    const n = b.n ?? 1;
    if (!isInt(n) || n < 1 || n > MAX_N) bad('n', `n must be an integer from 1 to ${MAX_N}`);
    if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean')
      bad('stream', 'stream must be a boolean');
    const kind = shape === 'chat' ? 'llm.chat' : 'llm.complete';
    const job = await submit(req, kind, m, input, n, b.seed);
    const id = `${shape === 'chat' ? 'chatcmpl' : 'cmpl'}-${job.id}`;
    const object = shape === 'chat' ? 'chat.completion' : 'text_completion';
    const created = Math.floor(job.createdAt / 1000);
    const head = { id, created, model: m };
    if (b.stream === true) {
      const includeUsage = (b.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      const outcomes = await stream(
        broker,
        job.id,
        n,
        reply,
        {
          shape,
          chunk: (index, text, finish_reason, first) => ({
            ...head,
            object: shape === 'chat' ? 'chat.completion.chunk' : object,
            choices: [
              shape === 'chat'
                ? {
                    index,
                    delta: first ? { role: 'assistant', content: text } : text ? { content: text } : {},
                    logprobs: null,
                    finish_reason,
                  }
                : { index, text, logprobs: null, finish_reason },
            ],
          }),
          usage: (u) => ({
            ...head,
            object: shape === 'chat' ? 'chat.completion.chunk' : object,
            choices: [],
            usage: u,
          }),
        },
        includeUsage,
        async (outcomes) => {
          await remember?.(outcomes[0]?.text ?? '').catch((e: unknown) =>
            log.error({ err: e }, 'remembering a conversation failed'),
          );
        },
      );
      if (outcomes) record(req, m, totalUsage(outcomes));
      return reply;
    }
    const done = await collect(broker, job.id, reply);
    const outcomes: Outcome[] = done.outcomes(shape);
    const u = totalUsage(outcomes);
    record(req, m, u);
    if (outcomes.length > 0) await remember?.(outcomes[0]!.text);
    const choices = outcomes.map((o, index) =>
      shape === 'chat'
        ? {
            index,
            message: { role: 'assistant', content: o.text, refusal: null },
            logprobs: null,
            finish_reason: o.finishReason,
          }
        : { index, text: o.text, logprobs: null, finish_reason: o.finishReason },
    );
    return { ...head, object, choices, usage: u };
  }

  void app.register(
    async (api) => {
      api.setErrorHandler((e: FastifyError, _req, reply) => {
        const status =
          e instanceof HttpError
            ? e.status
            : e instanceof InputError
              ? 400
              : e instanceof NotFoundError
                ? 404
                : (e.statusCode ?? 500);
        if (status >= 500) log.error({ err: e }, 'front door request failed');
        const code =
          e instanceof HttpError
            ? e.code
            : e instanceof InputError
              ? 'invalid_request_error'
              : status >= 500
                ? 'internal'
                : (e.code ?? null);
        const param = e instanceof HttpError ? (e.field ?? null) : e instanceof InputError ? e.field : null;
        if (e instanceof HttpError && e.details?.retryAfterS)
          reply.header('retry-after', String(e.details.retryAfterS));
        const message =
          status === 500 && !(e instanceof HttpError) ? 'internal error; the hub log has the details' : e.message;
        return reply.code(status).send({ error: { message, type: errorType(status), code, param } });
      });
      api.setNotFoundHandler((req, reply) =>
        reply.code(404).send({
          error: {
            message: `no route ${req.method} ${req.url.split('?')[0]}`,
            type: 'invalid_request_error',
            code: 'not_found',
            param: null,
          },
        }),
      );
      api.addHook('onRequest', requireScope(deps.tokens, 'client', 'bot'));
      const hide = { schema: { hide: true } };

      api.get('/models', hide, async () => {
        return {
          object: 'list',
          data: broker.workers
            .labelValues('llm.', 'model', Date.now())
            .map((id) => ({ id, object: 'model', created: 0, owned_by: 'roost' })),
        };
      });
      api.post('/chat/completions', hide, (req, reply) => generate(req, reply, 'chat'));
      api.post('/completions', hide, (req, reply) => generate(req, reply, 'text'));
      api.post('/embeddings', hide, async (req, reply) => {
        const b = requestBody(req);
        const m = requestModel(b);
        const texts = typeof b.input === 'string' ? [b.input] : b.input;
        if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === 'string'))
          bad('input', 'input must be a string or a non-empty list of strings');
        const format = b.encoding_format ?? 'float';
        if (format !== 'float' && format !== 'base64')
          bad('encoding_format', "encoding_format must be 'float' or 'base64'");
        const job = await submit(req, 'llm.embed', m, { input: texts }, 1, undefined);
        const { results } = await collect(broker, job.id, reply);
        const out = (results[0]?.output ?? {}) as { embeddings?: number[][]; usage?: Usage | null };
        const prompt = out.usage?.prompt_tokens ?? 0;
        record(req, m, { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt });
        const data = (out.embeddings ?? []).map((e, index) => ({
          object: 'embedding',
          index,
          // base64: the little-endian float32 bytes, as OpenAI sends them (its SDK asks for this).
          embedding: format === 'base64' ? Buffer.from(new Float32Array(e).buffer).toString('base64') : e,
        }));
        return { object: 'list', data, model: m, usage: { prompt_tokens: prompt, total_tokens: prompt } };
      });
    },
    { prefix: FRONT_DOOR_BASE },
  );
}
