import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { storeSetting } from '../../src/store/registry.js';
import { pgTarget } from '../../src/store/postgres/connection.js';

test('ROOST_DATABASE_URL selects PostgreSQL, and --store wins over it', () => {
  const env = { ROOST_DATABASE_URL: 'postgres://roost@db:5432/roost' };
  assert.equal(loadConfig({ env, storeSetting }).store, 'postgres://roost@db:5432/roost');
  assert.equal(loadConfig({ env, flags: { store: 'sqlite' }, storeSetting }).store, 'sqlite');
});

test('a store that is neither sqlite nor a postgres URL is refused without repeating it (it may hold a password)', () => {
  assert.throws(
    () => loadConfig({ env: {}, flags: { store: 'mysql://u:hunter2@db/x' }, storeSetting }),
    (e: Error) => /store must be 'sqlite' or a postgres:\/\/ URL/.test(e.message) && !e.message.includes('hunter2'),
  );
});

test('?schema= names the schema (as search_path) and leaves the rest of the URL to pg', () => {
  const t = pgTarget('postgres://u:pw@db:5433/roost?schema=team_a&sslmode=require');
  assert.equal(t.schema, 'team_a');
  assert.equal(t.pool.options, '-c search_path=team_a');
  assert.equal(t.pool.connectionString, 'postgres://u:pw@db:5433/roost?sslmode=require');
  assert.equal(pgTarget('postgres://u@db/roost').schema, 'public');
  assert.throws(() => pgTarget('postgres://u@db/roost?schema=Bad;drop'), /schema must be a lower-case SQL name/);
});
