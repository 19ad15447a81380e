import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { retryDelay } from '../../src/util/backoff.js';
import { Broker } from '../../src/broker/broker.js';
import { DEFAULTS } from '../../src/config.js';
import type { Store } from '../../src/store/store.js';
import { SqliteStore } from '../../src/store/sqlite/sqliteStore.js';
import { deferred, within } from '../fixtures/apiHandlers.js';
import { quietLog } from '../helpers/inProcessHub.js';

const dir = mkdtempSync(join(tmpdir(), 'roost-race-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A claim reads the store, finds nothing, and only then starts waiting. A job that commits in
// between wakes nobody unless the claim notices; a store slower than SQLite (PostgreSQL, a busy
// disk) widens that window from microseconds to milliseconds.
test('a job committed while a claim is reading the store is handed to that claim at once', async () => {
  const store = new SqliteStore(join(dir, 'race.db'), { retryDelay });
  const gate = deferred<void>();
  const looked = deferred<void>();
  const slow: Store = Object.create(store);
  let first = false;
  slow.claim = async (...a) => {
    const r = await store.claim(...a);
    if (first) {
      first = false;
      looked.resolve();
      await gate.promise;
    }
    return r;
  };
  const broker = new Broker(slow, { ...DEFAULTS, kinds: ['k'] }, quietLog);
  await broker.start();
  try {
    await broker.jobs.submit({ kind: 'k', input: 'makes the route known' });
    const hello = {
      workerId: 'w',
      name: 'w',
      capabilities: [{ kind: 'k', labels: {} }],
      concurrency: 2,
      version: 'test',
    };
    const [known] = await broker.work.claim(hello, 1, 0, new AbortController().signal);
    assert.ok(known);
    first = true;
    const claiming = broker.work.claim(hello, 1, 30_000, new AbortController().signal);
    await looked.promise;
    const { job } = await broker.jobs.submit({ kind: 'k', input: 'lands during the claim' });
    gate.resolve();
    const tasks = await within(claiming, 5000, 'the claim to take the job that landed while it looked');
    assert.deepEqual(
      tasks.map((t) => t.jobId),
      [job.id],
    );
  } finally {
    await broker.close();
    await store.close();
  }
});
