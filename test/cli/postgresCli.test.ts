import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NO_DATABASE, testDatabase } from '../helpers/postgres.js';
import { startHub, type Hub } from './roostCli.js';

// `roost up --store postgres://...` as a user runs it: the hub process keeps its jobs in
// PostgreSQL, its local worker runs them, and the CLI reads the results back.

const db = await testDatabase();

if (!db) {
  test('roost up --store postgres://', { skip: NO_DATABASE }, () => {});
} else {
  let hub: Hub;
  before(async () => {
    hub = await startHub(['--store', db.url]);
  });
  after(async () => {
    await hub?.stop();
    await db.drop();
  });

  test('roost up --store postgres://: a job submitted with --wait runs and its results print', async () => {
    const r = await hub.client([
      'job',
      'submit',
      'text.markov',
      '{"prompt":"the sea","maxWords":5}',
      '--variants',
      '2',
      '--wait',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => /^\[variant \d, seed \d+\] /.test(l)).length, 2, r.stdout);
    const { rows } = await db.query(`SELECT state, count(*)::int AS n FROM ${db.schema}.tasks GROUP BY state`);
    assert.deepEqual(rows, [{ state: 'succeeded', n: 2 }], 'the tasks live in the schema --store named');
  });
}
