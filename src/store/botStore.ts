import type { BotInfo, BotLogLevel, BotLogLine, FeedItem, LedgerEntry, SandboxPost } from '../types.js';

/** What a bot start, run or failure changes in its record. */
export type BotEvent =
  | { type: 'start'; restart: boolean }
  | { type: 'run'; at: number; scheduledAt: number | null }
  | { type: 'error'; at: number; message: string };

export interface NewLogLine {
  bot: string;
  at: number;
  level: BotLogLevel;
  msg: string;
  data: unknown;
}

export interface LogQuery {
  /** Lines at or after this time. */
  since?: number;
  /** Lines with ids above this one (to follow a log). */
  afterId?: number;
  limit: number;
}

/**
 * Everything the bot runtime keeps, as operations rather than SQL: bots, their state, feeds,
 * ledgers and logs. Adapters share the connection of the main Store; test/contract runs the same
 * suite against each. A resolved write is committed.
 */
export interface BotStore {
  /** False when a bot with this name exists. */
  createBot(name: string, module: string, now: number): Promise<boolean>;
  getBot(name: string): Promise<BotInfo | null>;
  listBots(): Promise<BotInfo[]>;
  /** False when there is no such bot. */
  setPaused(name: string, paused: boolean): Promise<boolean>;
  /** Deletes the bot with its state, cursors, the feeds it owns, its ledger and its log. */
  deleteBot(name: string): Promise<boolean>;
  recordBotEvent(name: string, event: BotEvent): Promise<void>;

  getState(bot: string, key: string): Promise<unknown>;
  /** `undefined` deletes the key. */
  setState(bot: string, key: string, value: unknown, now: number): Promise<void>;
  listState(bot: string): Promise<Record<string, unknown>>;
  /** A poll cursor by its key: PLATFORM:ACCOUNT (`sandbox`: the sandbox's from before accounts). */
  getCursor(bot: string, key: string): Promise<string | null>;
  setCursor(bot: string, key: string, cursor: string): Promise<void>;

  /**
   * Appends items to a feed (created on first use, owned by `owner`); returns their seqs. `exclusive`:
   * only to a new feed or one `owner` owns; null, with nothing written, when another owns it.
   */
  publish(
    feed: string,
    owner: string | null,
    items: unknown[],
    now: number,
    exclusive?: boolean,
  ): Promise<number[] | null>;
  /** Up to `limit` items after the consumer's last ack, oldest first. */
  readFeed(feed: string, consumer: string, limit: number): Promise<FeedItem[]>;
  /** Moves the consumer's cursor to `seq` (never backwards); false when the feed has no such item. */
  ack(feed: string, consumer: string, seq: number): Promise<boolean>;

  getLedger(bot: string, key: string): Promise<LedgerEntry | null>;
  /** Writes a pending entry unless the key is there; returns the entry as stored. */
  beginLedger(
    entry: Pick<LedgerEntry, 'bot' | 'key' | 'hash' | 'platform' | 'createdAt'>,
  ): Promise<{ entry: LedgerEntry; created: boolean }>;
  confirmLedger(bot: string, key: string, postId: string, now: number): Promise<void>;
  pendingLedger(bot: string): Promise<LedgerEntry[]>;
  /** Posts the bot made: its confirmed ledger entries. */
  countPosts(bot: string): Promise<number>;

  appendLogs(lines: NewLogLine[]): Promise<void>;
  readLogs(bot: string, query: LogQuery): Promise<BotLogLine[]>;
}

/** A post as written: the store numbers it; it has no likes yet. */
export type NewSandboxPost = Omit<SandboxPost, 'id' | 'likes'>;

/** The sandbox platform's accounts, posts, mentions, asks and likes. */
export interface SandboxStore {
  /** Creates the account if it is new; true when it was. */
  ensureAccount(name: string, now: number): Promise<boolean>;
  listAccounts(): Promise<string[]>;
  /**
   * Creates the accounts it names (author, recipient) as needed. At most once per key: when the
   * author made a post with this key before, nothing is written and that post is answered with
   * `created: false` (checked in the same transaction as the insert, so concurrent requests agree).
   */
  insertPost(post: NewSandboxPost): Promise<{ post: SandboxPost; created: boolean }>;
  getPost(id: number): Promise<SandboxPost | null>;
  /** Posts and asks with ids above `afterId`, oldest first. */
  postsAfter(afterId: number, limit: number): Promise<SandboxPost[]>;
  /** The newest posts and asks first; `beforeId` pages back. */
  timeline(beforeId: number | null, limit: number): Promise<SandboxPost[]>;
  /** The post an author made with this idempotency key, if any. */
  findByKey(author: string, key: string): Promise<SandboxPost | null>;
  /** False when the account liked the post before. */
  like(postId: number, account: string, now: number): Promise<boolean>;
}
