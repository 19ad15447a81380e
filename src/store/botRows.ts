import type { BotInfo, BotLogLevel, BotLogLine, FeedItem, LedgerEntry, SandboxPost } from '../types.js';
import type { NewLogLine } from './botStore.js';
import type { Flag } from './rowTypes.js';

/**
 * Bot and sandbox rows as both adapters read them (their tables and columns are the same; pg
 * reads bigints as numbers), and the values both write.
 */

/** A row of `bots`. */
export interface BotRow {
  name: string;
  module: string;
  paused: Flag;
  created_at: number;
  starts: number;
  restarts: number;
  runs: number;
  errors: number;
  last_error: string | null;
  last_error_at: number | null;
  last_run_at: number | null;
  last_scheduled_at: number | null;
  /** Why the hub paused it (platformStore.ts); null when a person did or it runs. */
  paused_reason: string | null;
}

/** A row of `bot_state`: the value is JSON text. */
export interface BotStateRow {
  bot: string;
  key: string;
  value: string;
  updated_at: number;
}

/** A row of `feeds`. */
export interface FeedRow {
  name: string;
  owner: string | null;
  last_seq: number;
  created_at: number;
}

/** A row of `feed_items` as a feed's reader reads it: the item is JSON text. */
export interface FeedItemRow {
  seq: number;
  item: string;
  created_at: number;
}

/** A row of `ledger`. */
export interface LedgerRow {
  bot: string;
  key: string;
  hash: string;
  platform: string;
  state: 'pending' | 'confirmed';
  post_id: string | null;
  created_at: number;
  confirmed_at: number | null;
}

/** A row of `bot_logs`: the data is JSON text, or null. */
export interface BotLogRow {
  id: number;
  bot: string;
  at: number;
  level: BotLogLevel;
  msg: string;
  data: string | null;
}

/** A row of `sandbox_posts`. */
export interface SandboxPostRow {
  id: number;
  type: 'post' | 'ask';
  author: string;
  recipient: string | null;
  reply_to: number | null;
  text: string;
  key: string | null;
  created_at: number;
}

/** A row of `sandbox_mentions`, or of `sandbox_likes` as read for a post. */
export interface PostAccountRow {
  post_id: number;
  account: string;
}

export function toBot(r: BotRow): BotInfo {
  return {
    name: r.name,
    module: r.module,
    // SQLite stores 0/1, PostgreSQL a boolean.
    paused: r.paused === 1 || r.paused === true,
    createdAt: r.created_at,
    starts: r.starts,
    restarts: r.restarts,
    runs: r.runs,
    errors: r.errors,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
    lastRunAt: r.last_run_at,
    lastScheduledAt: r.last_scheduled_at,
  };
}

export function toLedger(r: LedgerRow): LedgerEntry {
  return {
    bot: r.bot,
    key: r.key,
    hash: r.hash,
    platform: r.platform,
    state: r.state,
    postId: r.post_id,
    createdAt: r.created_at,
    confirmedAt: r.confirmed_at,
  };
}

export function toFeedItem(feed: string, r: FeedItemRow): FeedItem {
  return { feed, seq: r.seq, item: JSON.parse(r.item), createdAt: r.created_at };
}

export function toLogLine(r: BotLogRow): BotLogLine {
  return {
    id: r.id,
    bot: r.bot,
    at: r.at,
    level: r.level,
    msg: r.msg,
    data: r.data === null ? null : JSON.parse(r.data),
  };
}

/** A log line's data column: JSON text, or NULL when the line has none. */
export function logData(l: NewLogLine): string | null {
  return l.data === undefined ? null : JSON.stringify(l.data);
}

/** A feed item's column: JSON text (an undefined item is stored as null). */
export function feedItemText(item: unknown): string {
  return JSON.stringify(item ?? null);
}

/** The seqs of `count` items whose last reserved seq is `last`. */
export function reservedSeqs(last: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => last - count + 1 + i);
}

/** Post rows with their mention and like rows (`{ post_id, account }`, in the order to show them). */
export function toSandboxPosts(
  rows: SandboxPostRow[],
  mentionRows: PostAccountRow[],
  likeRows: PostAccountRow[],
): SandboxPost[] {
  const group = (list: PostAccountRow[]) => {
    const map = new Map<number, string[]>();
    for (const r of list) map.set(r.post_id, [...(map.get(r.post_id) ?? []), r.account]);
    return map;
  };
  const mentions = group(mentionRows);
  const likes = group(likeRows);
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    author: r.author,
    recipient: r.recipient,
    replyTo: r.reply_to,
    text: r.text,
    mentions: mentions.get(r.id) ?? [],
    likes: likes.get(r.id) ?? [],
    key: r.key,
    createdAt: r.created_at,
  }));
}
