/**
 * The SQL of the PostgreSQL bot store (migration 003), run as named prepared statements. Each
 * carries a header: its parameters and what it returns. Lists sort by name `COLLATE "C"`, the
 * byte order SQLite sorts by, whatever the database's collation.
 */
export const botSql = {
  // ($1 name, $2 module, $3 now) -> rowCount 0 when the bot exists
  insertBot: 'INSERT INTO bots (name, module, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
  // ($1 name) -> the bot row
  bot: 'SELECT * FROM bots WHERE name = $1',
  // () -> every bot row, by name
  bots: 'SELECT * FROM bots ORDER BY name COLLATE "C"',
  // ($1 paused, $2 name) -> rowCount 0 when there is no such bot
  setPaused: 'UPDATE bots SET paused = $1 WHERE name = $2',
  // ($1 name) -> rowCount; state, cursors, owned feeds, ledger and log go with it (ON DELETE CASCADE)
  deleteBot: 'DELETE FROM bots WHERE name = $1',
  // ($1 name, $2 1 for a restart else 0) -> nothing: counts a start, and a restart
  botStarted: 'UPDATE bots SET starts = starts + 1, restarts = restarts + $2 WHERE name = $1',
  // ($1 name, $2 at, $3 scheduledAt or null) -> nothing: counts a run; a scheduled run moves last_scheduled_at
  botRan: `UPDATE bots SET runs = runs + 1, last_run_at = $2, last_scheduled_at = coalesce($3::bigint, last_scheduled_at)
    WHERE name = $1`,
  // ($1 name, $2 at, $3 message) -> nothing
  botFailed: 'UPDATE bots SET errors = errors + 1, last_error = $3, last_error_at = $2 WHERE name = $1',

  // ($1 bot, $2 key) -> { value } as JSON text
  state: 'SELECT value FROM bot_state WHERE bot = $1 AND key = $2',
  // ($1 bot) -> { key, value } of every key, by key
  allState: 'SELECT key, value FROM bot_state WHERE bot = $1 ORDER BY key COLLATE "C"',
  // ($1 bot, $2 key, $3 value, $4 now) -> nothing
  setState: `INSERT INTO bot_state (bot, key, value, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (bot, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  // ($1 bot, $2 key) -> nothing
  deleteState: 'DELETE FROM bot_state WHERE bot = $1 AND key = $2',
  // ($1 bot, $2 platform) -> { cursor }
  cursor: 'SELECT cursor FROM bot_platform_cursors WHERE bot = $1 AND platform = $2',
  // ($1 bot, $2 platform, $3 cursor) -> nothing
  setCursor: `INSERT INTO bot_platform_cursors (bot, platform, cursor) VALUES ($1, $2, $3)
    ON CONFLICT (bot, platform) DO UPDATE SET cursor = excluded.cursor`,

  // ($1 feed, $2 owner, $3 items as JSON texts, $4 now, $5 exclusive) -> { last_seq }: creates the feed
  // if it is new (owned by $2), reserves one seq per item under the feed row's lock and inserts the
  // items, so publishers on any hub number a feed's items in commit order. Exclusive: no row, and
  // nothing written, when another owns the feed.
  publish: `WITH feed AS (
      INSERT INTO feeds (name, owner, last_seq, created_at) VALUES ($1, $2, cardinality($3::text[]), $4)
      ON CONFLICT (name) DO UPDATE SET last_seq = feeds.last_seq + excluded.last_seq
        WHERE NOT $5::boolean OR feeds.owner IS NOT DISTINCT FROM excluded.owner
      RETURNING last_seq),
    items AS (
      INSERT INTO feed_items (feed, seq, item, created_at)
      SELECT $1, feed.last_seq - cardinality($3::text[]) + i.ord, i.item, $4
      FROM feed, unnest($3::text[]) WITH ORDINALITY AS i(item, ord))
    SELECT last_seq FROM feed`,
  // ($1 feed, $2 consumer, $3 limit) -> item rows after the consumer's last ack, oldest first
  readFeed: `SELECT seq, item, created_at FROM feed_items
    WHERE feed = $1 AND seq > coalesce((SELECT acked FROM feed_cursors WHERE feed = $1 AND consumer = $2), 0)
    ORDER BY seq LIMIT $3`,
  // ($1 feed, $2 consumer, $3 seq) -> rowCount 0 when the feed has no such item; the cursor only
  // moves forward
  ack: `INSERT INTO feed_cursors (feed, consumer, acked)
    SELECT name, $2, $3 FROM feeds WHERE name = $1 AND $3::bigint BETWEEN 1 AND last_seq
    ON CONFLICT (feed, consumer) DO UPDATE SET acked = greatest(feed_cursors.acked, excluded.acked)`,

  // ($1 bot, $2 key) -> the ledger row
  ledger: 'SELECT * FROM ledger WHERE bot = $1 AND key = $2',
  // ($1 bot, $2 key, $3 hash, $4 platform, $5 createdAt) -> the new row, or none when the key is there
  beginLedger: `INSERT INTO ledger (bot, key, hash, platform, state, created_at) VALUES ($1, $2, $3, $4, 'pending', $5)
    ON CONFLICT (bot, key) DO NOTHING RETURNING *`,
  // ($1 bot, $2 key, $3 postId, $4 now) -> nothing
  confirmLedger: `UPDATE ledger SET state = 'confirmed', post_id = $3, confirmed_at = $4 WHERE bot = $1 AND key = $2`,
  // ($1 bot) -> { n }: the posts the bot made (its confirmed ledger entries)
  countPosts: `SELECT count(*)::int AS n FROM ledger WHERE bot = $1 AND state = 'confirmed'`,
  // ($1 bot) -> pending ledger rows, oldest first
  pendingLedger: `SELECT * FROM ledger WHERE bot = $1 AND state = 'pending' ORDER BY created_at`,

  // ($1 bots) -> nothing: holds each bot's log lock until commit (in name order), so a bot's log
  // ids are handed out in commit order and a reader following with `after` never skips a line
  lockLogs: `SELECT pg_advisory_xact_lock(hashtextextended('roost.log:' || current_schema() || ':' || b, 0))
    FROM (SELECT DISTINCT b FROM unnest($1::text[]) AS b ORDER BY b) AS bots`,
  // ($1 bots, $2 ats, $3 levels, $4 msgs, $5 data JSON texts or nulls) -> nothing: one line per position
  insertLogs: `INSERT INTO bot_logs (bot, at, level, msg, data)
    SELECT bot, at, level, msg, data FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])
      WITH ORDINALITY AS l(bot, at, level, msg, data, ord) ORDER BY ord`,
  // ($1 bot, $2 since, $3 afterId, $4 limit) -> log rows, oldest first
  readLogs: 'SELECT * FROM bot_logs WHERE bot = $1 AND at >= $2 AND id > $3 ORDER BY id LIMIT $4',
} as const;
