import type { JobBroker as Broker } from '../broker/jobBroker.js';
import type { ChatMemory, ChatMessage } from '../broker/chatMemory.js';
import { InputError, UnavailableError } from '../errors.js';
import { TERMINAL_JOB_STATES, type JobSpec } from '../types.js';

/**
 * The hub's side of `ctx.chat`: a bot's conversation with each counterpart is remembered in the
 * same chat memory as the front door's (conversation `bot:<bot>:<counterpart>`), pruned to a token
 * budget oldest turn first with the system prompt kept, and each new message becomes an
 * `llm.chat` job for the workers.
 */

export interface ChatOptions {
  /** The system prompt: sent with every message, never stored nor pruned. */
  system?: string;
  /** A model workers offer (their `model` label); default: the first in name order. */
  model?: string;
  /** The token budget of system prompt, remembered turns and the new message (default 4096). */
  contextTokens?: number;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
}

export interface ChatReply {
  text: string;
  model: string | null;
  finishReason: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

const DEFAULT_CONTEXT_TOKENS = 4096;
/** How long a bot waits for the reply before the job is cancelled. */
const WAIT_MS = 10 * 60_000;
const KIND = 'llm.chat';

function bad(field: string, what: string): never {
  throw new InputError(field, `ctx.chat: ${field} must be ${what}`);
}

function check(counterpart: unknown, text: unknown, options: ChatOptions): void {
  const { system, model, contextTokens, maxTokens, temperature, seed } = options;
  if (typeof counterpart !== 'string' || counterpart === '' || counterpart.length > 200)
    bad('counterpart', 'a string of 1 to 200 characters');
  if (typeof text !== 'string' || text === '') bad('text', 'a non-empty string');
  if (system !== undefined && typeof system !== 'string') bad('system', 'a string');
  if (model !== undefined && (typeof model !== 'string' || model === '')) bad('model', 'a model name');
  if (contextTokens !== undefined && (!Number.isInteger(contextTokens) || contextTokens < 16))
    bad('contextTokens', 'an integer of at least 16');
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1))
    bad('maxTokens', 'a positive integer');
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 2))
    bad('temperature', 'a number from 0 to 2');
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1))
    bad('seed', 'an integer from 0 to 2147483647');
}

export class BotChat {
  constructor(
    private readonly broker: Broker,
    private readonly memory: ChatMemory,
  ) {}

  /** Whether a connected worker answers llm.chat now (for `model`, when named). */
  available(model?: string): boolean {
    return this.broker.workers.canServe(KIND, model === undefined ? null : { model }, Date.now());
  }

  /** `text` from `counterpart` goes to the model with the remembered conversation; the reply is remembered too. */
  async say(bot: string, counterpart: string, text: string, options: ChatOptions = {}): Promise<ChatReply> {
    check(counterpart, text, options);
    const model = options.model ?? this.broker.workers.labelValues(KIND, 'model', Date.now())[0];
    // A worker may serve llm.chat without model labels (an --exec handler): it takes unlabelled jobs.
    if (!this.available(model))
      throw new UnavailableError(
        `no connected worker answers ${KIND}${model !== undefined ? ` for model '${model}'` : ''}; check ctx.chat.available() first`,
      );
    const conversation = `bot:${bot}:${counterpart}`;
    const system: ChatMessage[] = options.system ? [{ role: 'system', content: options.system }] : [];
    const incoming: ChatMessage[] = [{ role: 'user', content: text }];
    const budget = options.contextTokens ?? DEFAULT_CONTEXT_TOKENS;
    const messages = await this.memory.context(conversation, system, incoming, budget);
    const spec: JobSpec = {
      kind: KIND,
      input: {
        messages,
        // A worker with the model at hand fits the prompt again with the model's own tokenizer.
        context_tokens: budget,
        ...(model !== undefined ? { model } : {}),
        ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      },
      concurrencyKey: `bot:${bot}`,
      ...(model !== undefined ? { requires: { model } } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    };
    const { job } = await this.broker.submit(spec);
    const { job: done, results } = await this.broker.wait(job.id, undefined, WAIT_MS);
    if (!TERMINAL_JOB_STATES.has(done.state)) {
      await this.broker.cancel(job.id);
      throw new Error(`ctx.chat: no worker answered within ${WAIT_MS / 60_000} minutes (job ${job.id}, cancelled)`);
    }
    const out = results[0]?.output as
      | { model?: string; message?: { content?: string }; finish_reason?: string; usage?: ChatReply['usage'] }
      | undefined;
    if (done.state !== 'succeeded' || !out) {
      const dead = (await this.broker.store.listTasks(job.id)).find((t) => t.state === 'dead');
      throw new Error(`ctx.chat: job ${job.id} ${done.state}: ${dead?.error ?? 'no reply'}`);
    }
    const reply = out.message?.content ?? '';
    await this.memory.remember(conversation, [...incoming, { role: 'assistant', content: reply }]);
    return {
      text: reply,
      model: out.model ?? model ?? null,
      finishReason: out.finish_reason ?? 'stop',
      usage: out.usage ?? null,
    };
  }
}
