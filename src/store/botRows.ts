import type { BotInfo, BotLogLine, FeedItem, LedgerEntry, SandboxPost } from '../types.js';
import type { NewLogLine } from './botStore.js';
import type { Row } from './rows.js';

/**
 * Bot and sandbox rows as both adapters read them (their tables and columns are the same; pg
 * reads bigints as numbers), and the values both write.
 */

export function toBot(r: Row): BotInfo {
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

export function toLedger(r: Row): LedgerEntry {
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

export function toFeedItem(feed: string, r: Row): FeedItem {
  return { feed, seq: r.seq, item: JSON.parse(r.item), createdAt: r.created_at };
}

export function toLogLine(r: Row): BotLogLine {
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
export function toSandboxPosts(rows: Row[], mentionRows: Row[], likeRows: Row[]): SandboxPost[] {
  const group = (list: Row[]) => {
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
