/**
 * Migration SQLite 015 (PostgreSQL 014, the same statement): poll cursors kept by account name
 * become PLATFORM:ACCOUNT, with the platform the account has (the sandbox where none is stored),
 * and the pre-accounts `sandbox` cursor stays as the runtime reads it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { loadMigrations } from '../../src/store/migrations.js';
import { migrate, migrationsDir } from '../../src/store/sqlite/migrate.js';

test('cursors kept by account name are keyed by platform and account', () => {
  const db = new Database(':memory:');
  const all = loadMigrations(migrationsDir);
  migrate(
    db,
    all.filter((m) => m.version < 15),
  );
  db.prepare("INSERT INTO bots (name, module, created_at) VALUES ('b', '/b.js', 1)").run();
  db.prepare(
    "INSERT INTO platform_accounts (name, platform, created_at, updated_at) VALUES ('echoer', 'mastodon', 1, 1)",
  ).run();
  const add = db.prepare("INSERT INTO bot_platform_cursors (bot, platform, cursor) VALUES ('b', ?, ?)");
  add.run('echoer', '110');
  add.run('frank', '7');
  add.run('sandbox', '3');
  migrate(db, all);
  const rows = db.prepare('SELECT platform, cursor FROM bot_platform_cursors ORDER BY platform').all();
  assert.deepEqual(rows, [
    { platform: 'mastodon:echoer', cursor: '110' },
    { platform: 'sandbox', cursor: '3' },
    { platform: 'sandbox:frank', cursor: '7' },
  ]);
  db.close();
});
