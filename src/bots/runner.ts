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
import type { BotMeta, FromBot, ToBot } from './messages.js';
import type { Result } from '../types.js';

const port = parentPort!;
const { bot, module, beatMs } = workerData as { bot: string; module: string; beatMs: number };
const send = (m: FromBot) => port.postMessage(m);

let nextId = 1;
const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
const resultHandlers = new Map<number, (jobId: string, r: Result) => void>();

function call<T>(method: string, ...args: unknown[]): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ type: 'call', id, method, args });
  });
}

function draft(d: Draft, replyTo: string | null): PostDraft {
  return typeof d === 'string' ? { text: d, replyTo } : { ...d, replyTo };
}

function context(account: string): BotContext {
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, data?: unknown) =>
    void call('log', level, String(msg), data).catch(() => undefined);
  return {
    bot,
    account,
    now: () => Date.now(),
    state: {
      get: (key) => call('state.get', key),
      set: (key, value) => call('state.set', key, value),
      delete: (key) => call('state.set', key, undefined),
    },
    feeds: {
      publish: (feed, ...items) => call('feeds.publish', feed, items),
      read: (feed, limit = 100) => call('feeds.read', feed, limit),
      ack: (feed, seq) => call('feeds.ack', feed, seq),
    },
    post: (d, o = {}) => call('post', o.account ?? null, draft(d, null), o.key ?? null, null),
    // The account that read the post answers it, where it can; the hub decides.
    reply: (to, d, o = {}) =>
      call(
        'post',
        o.account ?? null,
        draft(d, typeof to === 'string' ? to : to.id),
        o.key ?? null,
        typeof to === 'string' ? null : (to.account ?? null),
      ),
    ask: (to, d, o = {}) => call('ask', o.account ?? null, to, draft(d, null), o.key ?? null),
    like: (postId, o = {}) => call('like', o.account ?? null, postId),
    boost: (postId, o = {}) => call('boost', o.account ?? null, postId),
    likesOf: (ids, o = {}) => call('likesOf', o.account ?? null, ids),
    jobs: {
      async run(kind, input, options = {}) {
        const id = nextId++;
        const seen: Result[] = [];
        let stopped = false;
        resultHandlers.set(id, (jobId, r) => {
          seen.push(r);
          if (stopped || !options.onResult) return;
          void Promise.resolve(options.onResult(r, [...seen])).then((stop) => {
            if (stop === true && !stopped) {
              stopped = true;
              return call('jobs.enough', jobId);
            }
          });
        });
        try {
          return await new Promise((resolve, reject) => {
            pending.set(id, { resolve, reject });
            send({
              type: 'call',
              id,
              method: 'jobs.run',
              args: [kind, input, { variants: options.variants, seed: options.seed }],
            });
          });
        } finally {
          resultHandlers.delete(id);
        }
      },
      submit: (kind, input, o = {}) => call('jobs.submit', kind, input, o),
    },
    chat: {
      say: (counterpart, text, o = {}) => call('chat.say', counterpart, text, o),
      available: (model) => call('chat.available', model ?? null),
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
      const handler = def[m.handler] as (...a: unknown[]) => unknown;
      const args =
        m.handler === 'onSchedule' ? [ctx, { scheduledAt: m.scheduledAt }] : m.event ? [m.event, ctx] : [ctx];
      Promise.resolve()
        .then(() => handler.apply(def, args))
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
