import type { PlatformEvent, PlatformPost, PostDraft } from '../platforms/connector.js';
import type { BotLogLevel, FeedItem, Result } from '../types.js';
import type { ChatOptions, ChatReply } from './botChat.js';

export type { ChatOptions, ChatReply } from './botChat.js';

/** What a bot module exports (as its default export): its name, schedule and handlers. */
export interface BotDefinition {
  /** Shown in logs; the bot's identity in the hub is its module's file name. */
  name: string;
  /** A cron expression (croner syntax, 5 or 6 fields); runs call onSchedule. */
  schedule?: string;
  /** The schedule's IANA time zone (default UTC). */
  timezone?: string;
  /** After downtime: `skip` the runs missed (default), or run `once` at start to catch up. */
  missed?: 'skip' | 'once';
  /**
   * The account the bot posts with (default: the bot's name): an account of `roost account add`,
   * or else the sandbox account of that name. Moving a bot to a real platform is adding an account
   * of this name; its code does not change.
   */
  account?: string;
  /** The accounts whose events it handles (default: [account]); one may be a feed, another a network. */
  reads?: string[];
  onStart?(ctx: BotContext): unknown;
  onSchedule?(ctx: BotContext, run: { scheduledAt: number | null }): unknown;
  onAsk?(event: PlatformEvent, ctx: BotContext): unknown;
  onMention?(event: PlatformEvent, ctx: BotContext): unknown;
  onReply?(event: PlatformEvent, ctx: BotContext): unknown;
  onPost?(event: PlatformEvent, ctx: BotContext): unknown;
  /** A direct message to one of its accounts. */
  onMessage?(event: PlatformEvent, ctx: BotContext): unknown;
  /** Someone liked one of its posts (event.actor). */
  onLike?(event: PlatformEvent, ctx: BotContext): unknown;
  /** Someone boosted (reblogged, reposted) one of its posts (event.actor). */
  onBoost?(event: PlatformEvent, ctx: BotContext): unknown;
}

export interface SendOptions {
  /** The post's idempotency key; default: a hash of the platform, the post answered and the text, so the same text is never posted twice. */
  key?: string;
  /** The account to send with; default the bot's account (for a reply: the account that read the post, when the bot has it). */
  account?: string;
}

/** Text, or a whole post: mentions, tags, images, content warning, language, visibility. */
export type Draft = string | Omit<PostDraft, 'replyTo'>;

export interface JobRunOptions {
  variants?: number;
  seed?: number;
  /** Called as each result lands; return true to stop the job early with the results it has. */
  onResult?(result: Result, all: Result[]): boolean | void | Promise<boolean | void>;
}

/** A job as `ctx.jobs.run` leaves it: finished, or stopped early. */
export interface JobOutcome {
  jobId: string;
  state: string;
  results: Result[];
}

/** A post as sent; `duplicate` when the ledger had its key already, so nothing was sent this time. */
export type SentPost = PlatformPost & { duplicate: boolean };

/** What a bot gets in every handler. Every call goes to the hub; what it stores is durable. */
export interface BotContext {
  readonly bot: string;
  readonly account: string;
  now(): number;
  state: {
    get<T = unknown>(key: string): Promise<T | undefined>;
    set(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<void>;
  };
  feeds: {
    publish(feed: string, ...items: unknown[]): Promise<number[]>;
    /** Items after this bot's last ack. */
    read(feed: string, limit?: number): Promise<FeedItem[]>;
    ack(feed: string, seq: number): Promise<void>;
  };
  /** Posts through the ledger: a key posted once is never posted again, even after a crash. */
  post(draft: Draft, options?: SendOptions): Promise<SentPost>;
  reply(to: PlatformPost | string, draft: Draft, options?: SendOptions): Promise<SentPost>;
  ask(to: string, draft: Draft, options?: SendOptions): Promise<SentPost>;
  like(postId: string, options?: { account?: string }): Promise<void>;
  boost(postId: string, options?: { account?: string }): Promise<void>;
  likesOf(postIds: string[], options?: { account?: string }): Promise<Record<string, number>>;
  jobs: {
    /** Submits a job and resolves with its results once it is finished (or stopped early). */
    run(kind: string, input: unknown, options?: JobRunOptions): Promise<JobOutcome>;
    /** Submits a job to run later (e.g. a reminder) and resolves with its id. */
    submit(kind: string, input: unknown, options?: { delayMs?: number; key?: string }): Promise<string>;
  };
  /** Conversations with memory, answered by llm.chat workers (docs/models.md, "Chat memory"). */
  chat: {
    /**
     * `text`, said by `counterpart` (a user name, one conversation each), goes to the model with
     * the remembered conversation pruned to its token budget; resolves with the model's reply,
     * which is remembered too. Rejects when no worker answers llm.chat (see available).
     */
    say(counterpart: string, text: string, options?: ChatOptions): Promise<ChatReply>;
    /** Whether a connected worker answers llm.chat now (for that model, when named). */
    available(model?: string): Promise<boolean>;
  };
  log: Record<BotLogLevel, (msg: string, data?: unknown) => void>;
}

const HANDLERS = [
  'onStart',
  'onSchedule',
  'onAsk',
  'onMention',
  'onReply',
  'onPost',
  'onMessage',
  'onLike',
  'onBoost',
] as const;
export type HandlerName = (typeof HANDLERS)[number];

/** Checks a definition where it is written, so a mistake is reported with the bot's name. */
export function defineBot(def: BotDefinition): BotDefinition {
  if (typeof def !== 'object' || def === null)
    throw new Error('defineBot takes an object: { name, schedule?, onAsk?, ... }');
  if (typeof def.name !== 'string' || def.name === '') throw new Error('defineBot: name must be a non-empty string');
  if ('platforms' in def)
    throw new Error(`bot ${def.name}: 'platforms' is gone; name the accounts it posts with and reads (account, reads)`);
  if (def.account !== undefined && (typeof def.account !== 'string' || def.account === ''))
    throw new Error(`bot ${def.name}: account must be an account name`);
  if (def.reads !== undefined && (!Array.isArray(def.reads) || !def.reads.every((a) => typeof a === 'string' && a)))
    throw new Error(`bot ${def.name}: reads must be a list of account names`);
  if (def.missed !== undefined && def.missed !== 'skip' && def.missed !== 'once')
    throw new Error(`bot ${def.name}: missed must be 'skip' or 'once'`);
  if (def.schedule !== undefined && typeof def.onSchedule !== 'function')
    throw new Error(`bot ${def.name}: a schedule needs an onSchedule handler`);
  for (const h of HANDLERS) {
    if (def[h] !== undefined && typeof def[h] !== 'function')
      throw new Error(`bot ${def.name}: ${h} must be a function`);
  }
  if (!HANDLERS.some((h) => typeof def[h] === 'function'))
    throw new Error(`bot ${def.name}: give at least one handler (${HANDLERS.join(', ')})`);
  return def;
}

/** The handlers a definition has, which the hub needs to know without running the module. */
export function handlersOf(def: BotDefinition): HandlerName[] {
  return HANDLERS.filter((h) => typeof def[h] === 'function');
}
