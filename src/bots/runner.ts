/**
 * The entry point of a bot's worker thread: loads the module, then runs handlers when the hub
 * asks. Every context call is a message to the hub, which owns the store; a busy loop here stops
 * only this thread's heartbeat, and the hub then terminates it.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { defineBot, handlersOf, type BotContext, type BotDefinition, type Draft } from './defineBot.js';
import type { PostDraft } from '../platforms/connector.js';
import type { BotCall, BotCallReply } from './botCalls.js';
import type { BotMeta, FromBot, ToBot } from './messages.js';
import type { BotLogLevel, Result } from '../types.js';

const port = parentPort!;
const { bot, module, beatMs } = workerData as { bot: string; module: string; beatMs: number };
const send = (m: FromBot) => port.postMessage(m);

let nextId = 1;
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
const resultHandlers = new Map<number, (jobId: string, r: Result) => void>();

/** Sends a call to the hub; `onResult` hears a running job's results as they land. */
function call<C extends BotCall>(request: C, onResult?: (jobId: string, r: Result) => void): Promise<BotCallReply<C>> {
  const id = nextId++;
  if (onResult) resultHandlers.set(id, onResult);
  const reply = new Promise<BotCallReply<C>>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    send({ type: 'call', id, call: request });
  });
  return onResult ? reply.finally(() => resultHandlers.delete(id)) : reply;
}

function draft(d: Draft, replyTo: string | null): PostDraft {
  return typeof d === 'string' ? { text: d, replyTo } : { ...d, replyTo };
}

function context(account: string): BotContext {
  const log = (level: BotLogLevel) => (msg: string, data?: unknown) =>
    void call({ method: 'log', level, msg: String(msg), data }).catch(() => undefined);
  return {
    bot,
    account,
    now: () => Date.now(),
    state: {
      get: <T>(key: string) => call({ method: 'state.get', key }) as Promise<T | undefined>,
      set: (key, value) => call({ method: 'state.set', key, value }),
      delete: (key) => call({ method: 'state.set', key, value: undefined }),
    },
    feeds: {
      publish: (feed, ...items) => call({ method: 'feeds.publish', feed, items }),
      read: (feed, limit = 100) => call({ method: 'feeds.read', feed, limit }),
      ack: (feed, seq) => call({ method: 'feeds.ack', feed, seq }),
    },
    post: (d, options = {}) =>
      call({
        method: 'post',
        account: options.account ?? null,
        draft: draft(d, null),
        key: options.key ?? null,
        readBy: null,
      }),
    // The account that read the post answers it, where it can; the hub decides.
    reply: (to, d, options = {}) =>
      call({
        method: 'post',
        account: options.account ?? null,
        draft: draft(d, typeof to === 'string' ? to : to.id),
        key: options.key ?? null,
        readBy: typeof to === 'string' ? null : (to.account ?? null),
      }),
    ask: (to, d, options = {}) =>
      call({ method: 'ask', account: options.account ?? null, to, draft: draft(d, null), key: options.key ?? null }),
    like: (postId, options = {}) => call({ method: 'like', account: options.account ?? null, postId }),
    boost: (postId, options = {}) => call({ method: 'boost', account: options.account ?? null, postId }),
    likesOf: (postIds, options = {}) => call({ method: 'likesOf', account: options.account ?? null, postIds }),
    jobs: {
      run(kind, input, options = {}) {
        const seen: Result[] = [];
        let stopped = false;
        const onResult = (jobId: string, r: Result) => {
          seen.push(r);
          if (stopped || !options.onResult) return;
          void Promise.resolve(options.onResult(r, [...seen])).then((stop) => {
            if (stop === true && !stopped) {
              stopped = true;
              return call({ method: 'jobs.enough', jobId });
            }
          });
        };
        return call({ method: 'jobs.run', kind, input, variants: options.variants, seed: options.seed }, onResult);
      },
      submit: (kind, input, options = {}) => call({ method: 'jobs.submit', kind, input, options }),
    },
    chat: {
      say: (counterpart, text, options = {}) => call({ method: 'chat.say', counterpart, text, options }),
      available: (model) => call({ method: 'chat.available', model: model ?? null }),
    },
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
  };
}

async function main(): Promise<void> {
  const mod = (await import(pathToFileURL(resolve(module)).href)) as { default?: unknown };
  const def = defineBot(mod.default as BotDefinition);
  const meta: BotMeta = {
    name: def.name,
    schedule: def.schedule ?? null,
    timezone: def.timezone ?? 'UTC',
    missed: def.missed ?? 'skip',
    account: def.account ?? bot,
    reads: def.reads ?? [def.account ?? bot],
    handlers: handlersOf(def),
  };
  const ctx = context(meta.account);
  port.on('message', (m: ToBot) => {
    if (m.type === 'reply') {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new Error(m.error));
    } else if (m.type === 'jobResult') {
      resultHandlers.get(m.id)?.(m.jobId, m.result);
    } else {
      const args =
        m.handler === 'onSchedule' ? [ctx, { scheduledAt: m.scheduledAt }] : m.event ? [m.event, ctx] : [ctx];
      Promise.resolve()
        .then(() => (def[m.handler] as (...a: unknown[]) => unknown).apply(def, args))
        .then(
          () => send({ type: 'invoked', id: m.id, ok: true }),
          (e: unknown) =>
            send({ type: 'invoked', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
        );
    }
  });
  setInterval(() => send({ type: 'beat' }), beatMs);
  send({ type: 'ready', meta });
}

await main();
