import type { BotInfo, BotLogLine, FeedItem, LedgerEntry } from '../../types.js';
import {
  feedItemText,
  logData,
  reservedSeqs,
  toBot,
  toFeedItem,
  toLedger,
  toLogLine,
  type BotLogRow,
  type BotRow,
  type BotStateRow,
  type FeedItemRow,
  type FeedRow,
  type LedgerRow,
} from '../botRows.js';
import type { BotEvent, BotStore, LogQuery, NewLogLine } from '../botStore.js';
import type { PgCore } from './core.js';

/**
 * The bot store on the pool of the main PostgreSQL store. Every write is one statement or one
 * transaction, committed when its promise resolves; hubs sharing the schema see each other's writes.
 */
export class PgBotStore implements BotStore {
  constructor(private readonly core: PgCore) {}

  async createBot(name: string, module: string, now: number): Promise<boolean> {
    return ((await this.core.q('insertBot', [name, module, now])).rowCount ?? 0) > 0;
  }

  async getBot(name: string): Promise<BotInfo | null> {
    const [r] = (await this.core.q<BotRow>('bot', [name])).rows;
    return r ? toBot(r) : null;
  }

  async listBots(): Promise<BotInfo[]> {
    return (await this.core.q<BotRow>('bots')).rows.map(toBot);
  }

  async setPaused(name: string, paused: boolean): Promise<boolean> {
    return ((await this.core.q('setPaused', [paused, name])).rowCount ?? 0) > 0;
  }

  async deleteBot(name: string): Promise<boolean> {
    return ((await this.core.q('deleteBot', [name])).rowCount ?? 0) > 0;
  }

  async recordBotEvent(name: string, e: BotEvent): Promise<void> {
    if (e.type === 'start') await this.core.q('botStarted', [name, e.restart ? 1 : 0]);
    else if (e.type === 'run') await this.core.q('botRan', [name, e.at, e.scheduledAt]);
    else await this.core.q('botFailed', [name, e.at, e.message]);
  }

  async getState(bot: string, key: string): Promise<unknown> {
    const [r] = (await this.core.q<Pick<BotStateRow, 'value'>>('state', [bot, key])).rows;
    return r ? JSON.parse(r.value) : undefined;
  }

  async setState(bot: string, key: string, value: unknown, now: number): Promise<void> {
    if (value === undefined) await this.core.q('deleteState', [bot, key]);
    else await this.core.q('setState', [bot, key, JSON.stringify(value), now]);
  }

  async listState(bot: string): Promise<Record<string, unknown>> {
    const { rows } = await this.core.q<Pick<BotStateRow, 'key' | 'value'>>('allState', [bot]);
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  async getCursor(bot: string, platform: string): Promise<string | null> {
    return (await this.core.q<{ cursor: string }>('cursor', [bot, platform])).rows[0]?.cursor ?? null;
  }

  async setCursor(bot: string, platform: string, cursor: string): Promise<void> {
    await this.core.q('setCursor', [bot, platform, cursor]);
  }

  async publish(feed: string, owner: string | null, items: unknown[], now: number, exclusive = false) {
    const { rows } = await this.core.q<Pick<FeedRow, 'last_seq'>>('publish', [
      feed,
      owner,
      items.map(feedItemText),
      now,
      exclusive,
    ]);
    return rows.length === 0 ? null : reservedSeqs(rows[0]!.last_seq, items.length);
  }

  async readFeed(feed: string, consumer: string, limit: number): Promise<FeedItem[]> {
    return (await this.core.q<FeedItemRow>('readFeed', [feed, consumer, limit])).rows.map((r) => toFeedItem(feed, r));
  }

  async ack(feed: string, consumer: string, seq: number): Promise<boolean> {
    return ((await this.core.q('ack', [feed, consumer, seq])).rowCount ?? 0) > 0;
  }

  async getLedger(bot: string, key: string): Promise<LedgerEntry | null> {
    const [r] = (await this.core.q<LedgerRow>('ledger', [bot, key])).rows;
    return r ? toLedger(r) : null;
  }

  async beginLedger(
    entry: Pick<LedgerEntry, 'bot' | 'key' | 'hash' | 'platform' | 'createdAt'>,
  ): Promise<{ entry: LedgerEntry; created: boolean }> {
    const [fresh] = (
      await this.core.q<LedgerRow>('beginLedger', [entry.bot, entry.key, entry.hash, entry.platform, entry.createdAt])
    ).rows;
    if (fresh) return { entry: toLedger(fresh), created: true };
    // The key was there (perhaps written a moment ago by another hub, which the insert waited for):
    // this statement runs after that commit, so it reads the entry as stored.
    const existing = await this.getLedger(entry.bot, entry.key);
    if (!existing)
      throw new Error(
        `the ledger entry ${entry.key} of bot ${entry.bot} was deleted while being written (the bot was destroyed)`,
      );
    return { entry: existing, created: false };
  }

  async confirmLedger(bot: string, key: string, postId: string, now: number): Promise<void> {
    await this.core.q('confirmLedger', [bot, key, postId, now]);
  }

  async countPosts(bot: string): Promise<number> {
    return (await this.core.q<{ n: number }>('countPosts', [bot])).rows[0]!.n;
  }

  async pendingLedger(bot: string): Promise<LedgerEntry[]> {
    return (await this.core.q<LedgerRow>('pendingLedger', [bot])).rows.map(toLedger);
  }

  async appendLogs(lines: NewLogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.core.tx(async (q) => {
      await q('lockLogs', [lines.map((l) => l.bot)]);
      await q('insertLogs', [
        lines.map((l) => l.bot),
        lines.map((l) => l.at),
        lines.map((l) => l.level),
        lines.map((l) => l.msg),
        lines.map(logData),
      ]);
    });
  }

  async readLogs(bot: string, q: LogQuery): Promise<BotLogLine[]> {
    return (await this.core.q<BotLogRow>('readLogs', [bot, q.since ?? 0, q.afterId ?? 0, q.limit])).rows.map(toLogLine);
  }
}
