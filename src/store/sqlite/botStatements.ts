import type Database from 'better-sqlite3';
import { prepareAll } from './prepareAll.js';

/** The SQL of the bot store (migration 004). Each constant: its parameters, then what it returns. */

// (:name, :module, :now) -> changes 0 when the bot exists
export const INSERT_BOT =
  'INSERT INTO bots (name, module, created_at) VALUES (:name, :module, :now) ON CONFLICT (name) DO NOTHING';
// (name) -> the bot row
export const BOT = 'SELECT * FROM bots WHERE name = ?';
// () -> every bot row, by name
export const BOTS = 'SELECT * FROM bots ORDER BY name';
// (paused, name) -> changes 0 when there is no such bot
export const SET_PAUSED = 'UPDATE bots SET paused = ? WHERE name = ?';
// (name) -> changes; state, cursors, owned feeds, ledger and log go with it (ON DELETE CASCADE)
export const DELETE_BOT = 'DELETE FROM bots WHERE name = ?';
// (:name, :restart) -> nothing: counts a start, and a restart when :restart is 1
export const BOT_STARTED = 'UPDATE bots SET starts = starts + 1, restarts = restarts + :restart WHERE name = :name';
// (:name, :at, :scheduledAt) -> nothing: counts a run; a scheduled run moves last_scheduled_at
export const BOT_RAN = `UPDATE bots SET runs = runs + 1, last_run_at = :at,
  last_scheduled_at = coalesce(:scheduledAt, last_scheduled_at) WHERE name = :name`;
// (:name, :at, :message) -> nothing
export const BOT_FAILED =
  'UPDATE bots SET errors = errors + 1, last_error = :message, last_error_at = :at WHERE name = :name';

// (bot, key) -> { value } as JSON text
export const STATE = 'SELECT value FROM bot_state WHERE bot = ? AND key = ?';
// (bot) -> { key, value } of every key, by key
export const ALL_STATE = 'SELECT key, value FROM bot_state WHERE bot = ? ORDER BY key';
// (:bot, :key, :value, :now) -> nothing
export const SET_STATE = `INSERT INTO bot_state (bot, key, value, updated_at) VALUES (:bot, :key, :value, :now)
  ON CONFLICT (bot, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;
// (bot, key) -> nothing
export const DELETE_STATE = 'DELETE FROM bot_state WHERE bot = ? AND key = ?';
// (bot, platform) -> { cursor }
export const CURSOR = 'SELECT cursor FROM bot_platform_cursors WHERE bot = ? AND platform = ?';
// (:bot, :platform, :cursor) -> nothing
export const SET_CURSOR = `INSERT INTO bot_platform_cursors (bot, platform, cursor) VALUES (:bot, :platform, :cursor)
  ON CONFLICT (bot, platform) DO UPDATE SET cursor = excluded.cursor`;

// (:feed, :owner, :now) -> nothing: creates the feed if it is new
export const ENSURE_FEED =
  'INSERT INTO feeds (name, owner, created_at) VALUES (:feed, :owner, :now) ON CONFLICT (name) DO NOTHING';
// (:feed, :count) -> { last_seq }: reserves :count sequence numbers, returning the last one
export const RESERVE_SEQ = 'UPDATE feeds SET last_seq = last_seq + :count WHERE name = :feed RETURNING last_seq';
// (:feed, :seq, :item, :now) -> nothing
export const INSERT_ITEM = 'INSERT INTO feed_items (feed, seq, item, created_at) VALUES (:feed, :seq, :item, :now)';
// (:feed, :consumer, :limit) -> item rows after the consumer's last ack, oldest first
export const READ_FEED = `SELECT seq, item, created_at FROM feed_items
  WHERE feed = :feed AND seq > coalesce((SELECT acked FROM feed_cursors WHERE feed = :feed AND consumer = :consumer), 0)
  ORDER BY seq LIMIT :limit`;
// (feed) -> { last_seq, owner }
export const FEED = 'SELECT last_seq, owner FROM feeds WHERE name = ?';
// (:feed, :consumer, :seq) -> nothing: the cursor only moves forward
export const ACK = `INSERT INTO feed_cursors (feed, consumer, acked) VALUES (:feed, :consumer, :seq)
  ON CONFLICT (feed, consumer) DO UPDATE SET acked = max(acked, excluded.acked)`;

// (bot, key) -> the ledger row
export const LEDGER = 'SELECT * FROM ledger WHERE bot = ? AND key = ?';
// (:bot, :key, :hash, :platform, :createdAt) -> changes 0 when the key is there
export const BEGIN_LEDGER = `INSERT INTO ledger (bot, key, hash, platform, state, created_at)
  VALUES (:bot, :key, :hash, :platform, 'pending', :createdAt) ON CONFLICT (bot, key) DO NOTHING`;
// (:bot, :key, :postId, :now) -> nothing
export const CONFIRM_LEDGER = `UPDATE ledger SET state = 'confirmed', post_id = :postId, confirmed_at = :now
  WHERE bot = :bot AND key = :key`;
// (bot) -> { n }: posts the bot made and confirmed
export const COUNT_POSTS = "SELECT count(*) AS n FROM ledger WHERE bot = ? AND state = 'confirmed'";
// (bot) -> pending ledger rows, oldest first
export const PENDING_LEDGER = "SELECT * FROM ledger WHERE bot = ? AND state = 'pending' ORDER BY created_at";

// (:bot, :at, :level, :msg, :data) -> nothing
export const INSERT_LOG = 'INSERT INTO bot_logs (bot, at, level, msg, data) VALUES (:bot, :at, :level, :msg, :data)';
// (:bot, :since, :afterId, :limit) -> log rows, oldest first
export const READ_LOGS = `SELECT * FROM bot_logs WHERE bot = :bot AND at >= :since AND id > :afterId ORDER BY id LIMIT :limit`;

const ALL = {
  INSERT_BOT,
  BOT,
  BOTS,
  SET_PAUSED,
  DELETE_BOT,
  BOT_STARTED,
  BOT_RAN,
  BOT_FAILED,
  STATE,
  ALL_STATE,
  SET_STATE,
  DELETE_STATE,
  CURSOR,
  SET_CURSOR,
  ENSURE_FEED,
  RESERVE_SEQ,
  INSERT_ITEM,
  READ_FEED,
  FEED,
  ACK,
  LEDGER,
  BEGIN_LEDGER,
  CONFIRM_LEDGER,
  PENDING_LEDGER,
  COUNT_POSTS,
  INSERT_LOG,
  READ_LOGS,
};

export type BotStatements = Record<keyof typeof ALL, Database.Statement>;

export function prepareBotStatements(db: Database.Database): BotStatements {
  return prepareAll(db, ALL);
}
