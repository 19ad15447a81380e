import { NonRetryableError, type TaskContext } from '../handler.js';
import { fitToBudget, type ChatMessage } from '../../util/chatBudget.js';

/**
 * The kinds language-model backends offer, and their inputs and outputs: a subset of OpenAI's
 * requests, so the hub's front door passes a request through nearly as it came.
 *
 *   llm.chat      { model?, messages: [{role, content}], max_tokens?, temperature?, stop?, context_tokens? }
 *                 -> { model, message: {role: 'assistant', content}, finish_reason, usage, dropped_messages? }
 *                 context_tokens (Roost's own): the prompt's budget; a backend that can count with
 *                 the model's own tokenizer drops the oldest turns past it (and past its context)
 *   llm.complete  { model?, prompt, max_tokens?, temperature?, stop? } -> { model, text, finish_reason, usage }
 *   llm.embed     { model?, input: string | string[] } -> { model, embeddings: number[][], usage }
 *
 * The seed is the task's (the job's seed plus the variant index). While generating, a backend
 * streams the text as progress partials `{ offset, text }`: `text` starts at character `offset` of
 * the output, so a reader can put pieces back in order and skip any it already has.
 */
export const LLM_KINDS = ['llm.chat', 'llm.complete', 'llm.embed'] as const;
export type LlmKind = (typeof LLM_KINDS)[number];

export interface GenerateOptions {
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface TextPartial {
  offset: number;
  text: string;
}

function fail(field: string, what: string): never {
  throw new NonRetryableError(`input.${field} must be ${what}`);
}

function object(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new NonRetryableError('input must be an object');
  return input as Record<string, unknown>;
}

/** The model a task asks for: input.model, or the backend's only model. */
export function pickModel(input: Record<string, unknown>, models: string[]): string {
  const model = input.model;
  if (model === undefined) {
    if (models.length === 1) return models[0]!;
    throw new NonRetryableError(`input.model is required: this worker serves ${models.join(', ')}`);
  }
  if (typeof model !== 'string' || !models.includes(model))
    throw new NonRetryableError(
      `input.model '${String(model)}' is not served here: this worker serves ${models.join(', ')}`,
    );
  return model;
}

export function generateOptions(input: Record<string, unknown>): GenerateOptions {
  const o: GenerateOptions = {};
  const { max_tokens: max, temperature: t, stop } = input;
  if (max !== undefined && max !== null) {
    if (!Number.isInteger(max) || (max as number) < 1) fail('max_tokens', 'a positive integer');
    o.maxTokens = max as number;
  }
  if (t !== undefined && t !== null) {
    if (typeof t !== 'number' || t < 0 || t > 2) fail('temperature', 'a number from 0 to 2');
    o.temperature = t;
  }
  if (stop !== undefined && stop !== null) {
    const list = typeof stop === 'string' ? [stop] : stop;
    if (!Array.isArray(list) || list.length > 4 || !list.every((s) => typeof s === 'string' && s !== ''))
      fail('stop', 'a string or a list of up to 4 strings');
    o.stop = list as string[];
  }
  return o;
}

export function chatInput(input: unknown, models: string[]) {
  const i = object(input);
  const messages = i.messages;
  if (!Array.isArray(messages) || messages.length === 0) fail('messages', 'a non-empty list');
  for (const [n, m] of messages.entries()) {
    const msg = m as ChatMessage;
    if (typeof msg !== 'object' || msg === null) fail(`messages.${n}`, 'an object {role, content}');
    if (!['system', 'user', 'assistant', 'developer', 'tool'].includes(msg.role))
      fail(`messages.${n}.role`, 'system, user or assistant');
    if (typeof msg.content !== 'string') fail(`messages.${n}.content`, 'a string');
  }
  const budget = i.context_tokens;
  if (budget !== undefined && budget !== null && (!Number.isInteger(budget) || (budget as number) < 16))
    fail('context_tokens', 'an integer of at least 16');
  return {
    model: pickModel(i, models),
    messages: messages as ChatMessage[],
    contextTokens: (budget ?? undefined) as number | undefined,
    ...generateOptions(i),
  };
}

/**
 * The messages that fit `budget` tokens as `count` counts them: the leading system messages and
 * the last message always, and as many of the newest turns between as fit; `dropped` turns did not.
 */
export function fitChat(
  messages: ChatMessage[],
  budget: number,
  count: (m: ChatMessage) => number,
): { messages: ChatMessage[]; dropped: number } {
  const leading = messages.findIndex((m) => m.role !== 'system');
  const system = messages.slice(0, leading < 0 ? messages.length - 1 : Math.min(leading, messages.length - 1));
  const last = messages.at(-1)!;
  const turns = messages.slice(system.length, -1);
  const fit = fitToBudget(system, turns, budget - count(last), count);
  return { messages: [...fit.messages, last], dropped: fit.firstKept };
}

export function completeInput(input: unknown, models: string[]) {
  const i = object(input);
  if (typeof i.prompt !== 'string') fail('prompt', 'a string');
  return { model: pickModel(i, models), prompt: i.prompt, ...generateOptions(i) };
}

export function embedInput(input: unknown, models: string[]) {
  const i = object(input);
  const texts = typeof i.input === 'string' ? [i.input] : i.input;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === 'string'))
    fail('input', 'a string or a non-empty list of strings');
  return { model: pickModel(i, models), texts: texts };
}

/** Watchers see text at least this often (50 updates a second) while it is generated. */
const REPORT_GAP_MS = 20;

/**
 * Streams generated text to watchers as progress partials: the first piece at once, then at most
 * one report every REPORT_GAP_MS and never while the last is still on its way to the hub; pieces
 * that come meanwhile go out together. A fast model costs the hub a request per gap, not one per
 * token (which, on a machine whose cores the model also uses, slowed generation itself).
 */
export class PartialStream {
  private sent = 0;
  private pending = '';
  /** A report is due or on its way: pieces wait for it. */
  private waiting = false;
  private lastAt = -Infinity;
  private tokens = 0;

  constructor(
    private readonly ctx: TaskContext,
    private readonly maxTokens: number | undefined,
  ) {}

  push(text: string, tokens = 1): void {
    this.tokens += tokens;
    if (text === '') return;
    this.pending += text;
    this.schedule();
  }

  private schedule(): void {
    if (this.waiting) return;
    this.waiting = true;
    const wait = this.lastAt + REPORT_GAP_MS - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), wait).unref();
  }

  private flush(): void {
    const partial: TextPartial = { offset: this.sent, text: this.pending };
    this.sent += this.pending.length;
    this.pending = '';
    this.lastAt = performance.now();
    const progress = this.maxTokens ? Math.min(1, this.tokens / this.maxTokens) : 0;
    void Promise.resolve(this.ctx.progress(progress, partial))
      .catch(() => undefined)
      .then(() => {
        this.waiting = false;
        if (this.pending !== '') this.schedule();
      });
  }
}
