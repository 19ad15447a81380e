/**
 * The SQL of the PostgreSQL sandbox platform (migration 003). Each constant: its parameters, then
 * what it returns. Bots read the sandbox by post id (`postsAfter` from a stored cursor), so ids
 * must be handed out in commit order, as SQLite's single writer does: every post is inserted
 * under one lock per schema (`lockPosts`), held until its commit.
 */
export const sandboxSql = {
  // () -> nothing: holds the sandbox's post lock until commit
  lockPosts: `SELECT pg_advisory_xact_lock(hashtextextended('roost.sandbox:' || current_schema(), 0))`,
  // ($1 names, $2 now) -> rowCount: the accounts that were new
  ensureAccounts: `INSERT INTO sandbox_accounts (name, created_at) SELECT DISTINCT a, $2::bigint FROM unnest($1::text[]) AS a
    ON CONFLICT (name) DO NOTHING`,
  // () -> { name } of every account, by name
  accounts: 'SELECT name FROM sandbox_accounts ORDER BY name COLLATE "C"',
  // ($1 type, $2 author, $3 recipient, $4 replyTo, $5 text, $6 key, $7 createdAt) -> the post row
  insertPost: `INSERT INTO sandbox_posts (type, author, recipient, reply_to, text, key, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
  // ($1 postId, $2 accounts) -> nothing
  insertMentions:
    'INSERT INTO sandbox_mentions (post_id, account) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
  // ($1 id) -> the post row
  post: 'SELECT * FROM sandbox_posts WHERE id = $1',
  // ($1 afterId, $2 limit) -> post rows with ids above afterId, oldest first
  postsAfter: 'SELECT * FROM sandbox_posts WHERE id > $1 ORDER BY id LIMIT $2',
  // ($1 beforeId, $2 limit) -> post rows with ids below beforeId, newest first
  timeline: 'SELECT * FROM sandbox_posts WHERE id < $1 ORDER BY id DESC LIMIT $2',
  // ($1 author, $2 key) -> the newest post row the author made with this idempotency key
  postByKey: 'SELECT * FROM sandbox_posts WHERE author = $1 AND key = $2 ORDER BY id DESC LIMIT 1',
  // ($1 post ids) -> { post_id, account } of the mentions of these posts
  mentionsOf:
    'SELECT post_id, account FROM sandbox_mentions WHERE post_id = ANY($1::bigint[]) ORDER BY account COLLATE "C"',
  // ($1 post ids) -> { post_id, account } of the likes of these posts, oldest first
  likesOf: `SELECT post_id, account FROM sandbox_likes WHERE post_id = ANY($1::bigint[])
    ORDER BY created_at, account COLLATE "C"`,
  // ($1 postId, $2 account, $3 now) -> rowCount 0 when the account liked the post before
  like: 'INSERT INTO sandbox_likes (post_id, account, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
} as const;
