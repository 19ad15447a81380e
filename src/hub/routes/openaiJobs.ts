import type { FastifyReply } from 'fastify';
import type { JobBroker } from '../../broker/jobBroker.js';
import type { JobEvent, Result } from '../../types/jobs.js';
import { TERMINAL_JOB_STATES } from '../../types/jobs.js';
import { HttpError } from '../httpError.js';
import { SseStream } from '../sse.js';

/**
 * How the front door turns one OpenAI request into a Roost job and the job back into OpenAI's
 * replies: `n` choices are the job's variants (choice i is variant i); streamed text comes from
 * the workers' progress partials `{offset, text}` (put back in order; the final result supplies
 * whatever did not arrive).
 */

/** How long a request may wait for its job before it is cancelled and answered 504. */
const WAIT_MS = 10 * 60_000;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What a kind's results say, whatever the kind. */
export interface Outcome {
  text: string;
  finishReason: string;
  usage: Usage | null;
}

export type Shape = 'chat' | 'text';

export function outcomeOf(output: unknown, shape: Shape): Outcome {
  const o = (output ?? {}) as {
    message?: { content?: string };
    text?: string;
    finish_reason?: string;
    usage?: Usage | null;
  };
  const text = (shape === 'chat' ? o.message?.content : o.text) ?? '';
  return { text, finishReason: o.finish_reason ?? 'stop', usage: o.usage ?? null };
}

/** prompt_tokens once (every choice read the same prompt), completion tokens summed over choices. */
export function totalUsage(outcomes: Outcome[]): Usage {
  const prompt = Math.max(0, ...outcomes.map((o) => o.usage?.prompt_tokens ?? 0));
  const completion = outcomes.reduce((sum, o) => sum + (o.usage?.completion_tokens ?? 0), 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** A failed job as an OpenAI error: a task that died before its attempts ran out was refused (400). */
async function failure(broker: JobBroker, jobId: string): Promise<HttpError> {
  const dead = (await broker.store.listTasks(jobId)).find((t) => t.state === 'dead');
  const why = dead?.error ?? 'the job failed';
  if (dead && dead.attempt < dead.maxAttempts) return new HttpError(400, 'invalid_request_error', why);
  return new HttpError(502, 'backend_error', `the workers could not answer: ${why}`);
}

/** Waits for the whole job; a client that goes away cancels it. */
export async function collect(
  broker: JobBroker,
  jobId: string,
  reply: FastifyReply,
): Promise<{ results: Result[]; outcomes: (shape: Shape) => Outcome[] }> {
  const abort = new AbortController();
  reply.raw.on('close', () => abort.abort());
  const { job, results } = await broker.wait(jobId, undefined, WAIT_MS, abort.signal);
  if (job.state === 'failed') throw await failure(broker, jobId);
  if (!TERMINAL_JOB_STATES.has(job.state)) {
    await broker.cancel(jobId);
    if (abort.signal.aborted) return { results: [], outcomes: () => [] };
    throw new HttpError(504, 'timeout', 'no worker finished the request in time; it was cancelled');
  }
  const sorted = [...results].sort((a, b) => a.index - b.index);
  return { results: sorted, outcomes: (shape) => sorted.map((r) => outcomeOf(r.output, shape)) };
}

interface Choice {
  sent: number;
  /** Pieces that arrived ahead of their turn, by offset. */
  early: Map<number, string>;
  started: boolean;
  done: boolean;
}

export interface StreamFormat {
  /** A chunk carrying `text` (and `finishReason` at the end) for choice `index`; `first` opens it. */
  chunk(index: number, text: string, finishReason: string | null, first: boolean): unknown;
  /** The last chunk, with the usage and no choices (stream_options.include_usage). */
  usage(usage: Usage): unknown;
  shape: Shape;
}

/**
 * Streams a job as OpenAI chunks: each choice's text as it is generated, then its finish reason,
 * then (when asked) the usage, then `data: [DONE]`. Resolves with the outcomes once it has ended.
 */
export function stream(
  broker: JobBroker,
  jobId: string,
  variants: number,
  reply: FastifyReply,
  format: StreamFormat,
  includeUsage: boolean,
  /** Runs before the end is sent (memory is written before the client can ask again). */
  beforeEnd?: (outcomes: Outcome[]) => Promise<void>,
): Promise<Outcome[] | null> {
  return new Promise((resolve) => {
    const choices: Choice[] = Array.from({ length: variants }, () => ({
      sent: 0,
      early: new Map(),
      started: false,
      done: false,
    }));
    const outcomes: Outcome[] = [];
    let ended = false;
    const send = (index: number, text: string, finishReason: string | null) => {
      const c = choices[index]!;
      sse.data(format.chunk(index, text, finishReason, !c.started));
      c.started = true;
    };
    const piece = (index: number, offset: number, text: string) => {
      const c = choices[index];
      if (!c || c.done) return;
      if (offset > c.sent) return void c.early.set(offset, text);
      if (offset + text.length > c.sent) {
        send(index, text.slice(c.sent - offset), null);
        c.sent = offset + text.length;
      }
      for (const [at, t] of [...c.early]) {
        if (at > c.sent) continue;
        c.early.delete(at);
        piece(index, at, t);
      }
    };
    const result = (r: Result) => {
      const c = choices[r.index];
      if (!c || c.done) return;
      const outcome = outcomeOf(r.output, format.shape);
      outcomes[r.index] = outcome;
      if (outcome.text.length > c.sent || !c.started) send(r.index, outcome.text.slice(c.sent), null);
      c.done = true;
      send(r.index, '', outcome.finishReason);
    };
    const finish = async (state: string) => {
      if (ended) return;
      ended = true;
      unsubscribe();
      if (state === 'failed') {
        const e = await failure(broker, jobId);
        sse.data({ error: { message: e.message, type: errorType(e.status), code: e.code } });
      } else {
        for (const r of await broker.store.getResults(jobId)) result(r);
        if (includeUsage) sse.data(format.usage(totalUsage(outcomes.filter(Boolean))));
        if (state === 'succeeded') await beforeEnd?.(outcomes);
      }
      sse.data('[DONE]');
      sse.end();
      resolve(state === 'succeeded' ? outcomes : null);
    };
    const onEvent = (e: JobEvent) => {
      if (e.type === 'progress') {
        const p = e.partial as { offset?: unknown; text?: unknown } | undefined;
        if (typeof p?.offset === 'number' && typeof p.text === 'string')
          piece(Number(e.taskId.slice(e.taskId.lastIndexOf('.') + 1)), p.offset, p.text);
      } else if (e.type === 'result') result(e.result);
      else if (TERMINAL_JOB_STATES.has(e.state)) void finish(e.state);
    };
    const unsubscribe = broker.events.subscribe(jobId, { event: onEvent, close: () => void finish('cancelled') });
    // Closed by the client before the end: the job is of no use to anyone now.
    const sse = new SseStream(reply, () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      void broker.cancel(jobId).catch(() => undefined);
      resolve(null);
    });
    // Whatever landed before we listened.
    void (async () => {
      for (const r of await broker.store.getResults(jobId)) result(r);
      const job = await broker.get(jobId);
      if (TERMINAL_JOB_STATES.has(job.state)) await finish(job.state);
    })();
  });
}

/** OpenAI's error `type` for an HTTP status. */
export function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}
