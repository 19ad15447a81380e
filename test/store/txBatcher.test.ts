import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { TxBatcher } from '../../src/store/sqlite/txBatcher.js';

// The writes of one turn commit together; while the WAL checkpoint catches up (holdUntil) writes
// wait and reads go on; a shutdown flush commits what waits, held or not.

function setup() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (n INTEGER NOT NULL UNIQUE)');
  const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
  const count = () => (db.prepare('SELECT count(*) AS c FROM t').get() as { c: number }).c;
  return { db, batch: new TxBatcher(db), insert, count };
}

test('a turn of writes commits as one transaction; one that throws fails alone', async () => {
  const { batch, insert, count } = setup();
  const results = await Promise.allSettled([
    batch.run(() => insert.run(1).changes),
    batch.run(() => insert.run(1).changes),
    batch.run(() => insert.run(2).changes),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal(count(), 2);
});

test('held writes wait until the hold ends, reads go on meanwhile, then they commit', async () => {
  const { batch, insert, count } = setup();
  let release!: () => void;
  batch.holdUntil(new Promise<void>((r) => (release = r)));
  let committed = 0;
  const writes = [1, 2, 3].map((n) => batch.run(() => insert.run(n)).then(() => committed++));
  // A few turns of the event loop: nothing may be written while held.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(committed, 0);
  assert.equal(count(), 0, 'a read answers while writes are held');
  release();
  await Promise.all(writes);
  assert.equal(count(), 3);
});

test('a shutdown flush commits held writes at once', async () => {
  const { batch, insert, count } = setup();
  batch.holdUntil(new Promise<void>(() => undefined));
  const write = batch.run(() => insert.run(7));
  batch.flush();
  await write;
  assert.equal(count(), 1);
});
