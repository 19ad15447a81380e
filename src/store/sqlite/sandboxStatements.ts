import type Database from 'better-sqlite3';
import { prepareAll } from './prepareAll.js';

/** The SQL of the sandbox platform (migration 004). Each constant: its parameters, then what it returns. */

// (name, now) -> changes 1 when the account is new
export const ENSURE_ACCOUNT =
  'INSERT INTO sandbox_accounts (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING';
// () -> { name } of every account, by name
export const ACCOUNTS = 'SELECT name FROM sandbox_accounts ORDER BY name';
// (:type, :author, :recipient, :replyTo, :text, :key, :createdAt) -> { id }
export const INSERT_POST = `INSERT INTO sandbox_posts (type, author, recipient, reply_to, text, key, created_at)
  VALUES (:type, :author, :recipient, :replyTo, :text, :key, :createdAt) RETURNING id`;
// (postId, account) -> nothing
export const INSERT_MENTION = 'INSERT INTO sandbox_mentions (post_id, account) VALUES (?, ?) ON CONFLICT DO NOTHING';
// (id) -> the post row
export const POST = 'SELECT * FROM sandbox_posts WHERE id = ?';
// (afterId, limit) -> post rows with ids above afterId, oldest first
export const POSTS_AFTER = 'SELECT * FROM sandbox_posts WHERE id > ? ORDER BY id LIMIT ?';
// (beforeId, limit) -> post rows with ids below beforeId, newest first
export const TIMELINE = 'SELECT * FROM sandbox_posts WHERE id < ? ORDER BY id DESC LIMIT ?';
// (author, key) -> the newest post row the author made with this idempotency key
export const POST_BY_KEY = 'SELECT * FROM sandbox_posts WHERE author = ? AND key = ? ORDER BY id DESC LIMIT 1';
// (ids as a JSON array) -> { post_id, account } of the mentions of these posts
export const MENTIONS_OF =
  'SELECT post_id, account FROM sandbox_mentions WHERE post_id IN (SELECT value FROM json_each(?)) ORDER BY account';
// (ids as a JSON array) -> { post_id, account } of the likes of these posts, oldest first
export const LIKES_OF =
  'SELECT post_id, account FROM sandbox_likes WHERE post_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, account';
// (postId, account, now) -> changes 0 when the account liked the post before
export const LIKE = 'INSERT INTO sandbox_likes (post_id, account, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING';

const ALL = {
  ENSURE_ACCOUNT,
  ACCOUNTS,
  INSERT_POST,
  INSERT_MENTION,
  POST,
  POSTS_AFTER,
  TIMELINE,
  POST_BY_KEY,
  MENTIONS_OF,
  LIKES_OF,
  LIKE,
};

export type SandboxStatements = Record<keyof typeof ALL, Database.Statement>;

export function prepareSandboxStatements(db: Database.Database): SandboxStatements {
  return prepareAll(db, ALL);
}
