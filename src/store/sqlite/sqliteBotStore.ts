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
import { prepareBotStatements, type BotStatements } from './botStatements.js';
import type { SqliteCore } from './core.js';
import type { TxBatcher } from './txBatcher.js';

/** The bot store on the SQLite connection of the main store: same file, same write batcher. */
export class SqliteBotStore implements BotStore {
  private readonly st: BotStatements;
  private readonly batch: TxBatcher;

  constructor(core: SqliteCore) {
    this.st = prepareBotStatements(core.db);
    this.batch = core.batch;
  }

  createBot(name: string, module: string, now: number): Promise<boolean> {
    return this.batch.run(() => this.st.INSERT_BOT.run({ name, module, now }).changes > 0);
  }

  async getBot(name: string): Promise<BotInfo | null> {
    const r = this.st.BOT.get(name) as BotRow | undefined;
    return r ? toBot(r) : null;
  }

  async listBots(): Promise<BotInfo[]> {
    return (this.st.BOTS.all() as BotRow[]).map(toBot);
  }

  setPaused(name: string, paused: boolean): Promise<boolean> {
    return this.batch.run(() => this.st.SET_PAUSED.run(paused ? 1 : 0, name).changes > 0);
  }

  deleteBot(name: string): Promise<boolean> {
    return this.batch.run(() => this.st.DELETE_BOT.run(name).changes > 0);
  }

  recordBotEvent(name: string, e: BotEvent): Promise<void> {
    return this.batch.run(() => {
      if (e.type === 'start') this.st.BOT_STARTED.run({ name, restart: e.restart ? 1 : 0 });
      else if (e.type === 'run') this.st.BOT_RAN.run({ name, at: e.at, scheduledAt: e.scheduledAt });
      else this.st.BOT_FAILED.run({ name, at: e.at, message: e.message });
    });
  }

  async getState(bot: string, key: string): Promise<unknown> {
    const r = this.st.STATE.get(bot, key) as Pick<BotStateRow, 'value'> | undefined;
    return r ? JSON.parse(r.value) : undefined;
  }

  setState(bot: string, key: string, value: unknown, now: number): Promise<void> {
    return this.batch.run(() => {
      if (value === undefined) this.st.DELETE_STATE.run(bot, key);
      else this.st.SET_STATE.run({ bot, key, value: JSON.stringify(value), now });
    });
  }

  async listState(bot: string): Promise<Record<string, unknown>> {
    const rows = this.st.ALL_STATE.all(bot) as Array<Pick<BotStateRow, 'key' | 'value'>>;
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  async getCursor(bot: string, platform: string): Promise<string | null> {
    return (this.st.CURSOR.get(bot, platform) as { cursor: string } | undefined)?.cursor ?? null;
  }

  setCursor(bot: string, platform: string, cursor: string): Promise<void> {
    return this.batch.run(() => void this.st.SET_CURSOR.run({ bot, platform, cursor }));
  }

  publish(feed: string, owner: string | null, items: unknown[], now: number, exclusive = false) {
    return this.batch.run(() => {
      this.st.ENSURE_FEED.run({ feed, owner, now });
      if (exclusive && (this.st.FEED.get(feed) as Pick<FeedRow, 'owner'>).owner !== owner) return null;
      const reserved = this.st.RESERVE_SEQ.get({ feed, count: items.length }) as Pick<FeedRow, 'last_seq'>;
      const seqs = reservedSeqs(reserved.last_seq, items.length);
      items.forEach((item, i) => this.st.INSERT_ITEM.run({ feed, seq: seqs[i], item: feedItemText(item), now }));
      return seqs;
    });
  }

  async readFeed(feed: string, consumer: string, limit: number): Promise<FeedItem[]> {
    return (this.st.READ_FEED.all({ feed, consumer, limit }) as FeedItemRow[]).map((r) => toFeedItem(feed, r));
  }

  ack(feed: string, consumer: string, seq: number): Promise<boolean> {
    return this.batch.run(() => {
      const f = this.st.FEED.get(feed) as Pick<FeedRow, 'last_seq' | 'owner'> | undefined;
      if (!f || seq < 1 || seq > f.last_seq) return false;
      this.st.ACK.run({ feed, consumer, seq });
      return true;
    });
  }

  async getLedger(bot: string, key: string): Promise<LedgerEntry | null> {
    const r = this.st.LEDGER.get(bot, key) as LedgerRow | undefined;
    return r ? toLedger(r) : null;
  }

  beginLedger(
    entry: Pick<LedgerEntry, 'bot' | 'key' | 'hash' | 'platform' | 'createdAt'>,
  ): Promise<{ entry: LedgerEntry; created: boolean }> {
    return this.batch.run(() => {
      const created = this.st.BEGIN_LEDGER.run(entry).changes > 0;
      return { entry: toLedger(this.st.LEDGER.get(entry.bot, entry.key) as LedgerRow), created };
    });
  }

  confirmLedger(bot: string, key: string, postId: string, now: number): Promise<void> {
    return this.batch.run(() => void this.st.CONFIRM_LEDGER.run({ bot, key, postId, now }));
  }

  async countPosts(bot: string): Promise<number> {
    return (this.st.COUNT_POSTS.get(bot) as { n: number }).n;
  }

  async pendingLedger(bot: string): Promise<LedgerEntry[]> {
    return (this.st.PENDING_LEDGER.all(bot) as LedgerRow[]).map(toLedger);
  }

  appendLogs(lines: NewLogLine[]): Promise<void> {
    return this.batch.run(() => {
      for (const l of lines) this.st.INSERT_LOG.run({ ...l, data: logData(l) });
    });
  }

  async readLogs(bot: string, q: LogQuery): Promise<BotLogLine[]> {
    const rows = this.st.READ_LOGS.all({ bot, since: q.since ?? 0, afterId: q.afterId ?? 0, limit: q.limit });
    return (rows as BotLogRow[]).map(toLogLine);
  }
}
