import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SECTIONS } from '../../../src/store/archive/sections.js';
import { NO_DATABASE, PG_URL, testDatabase } from '../../helpers/postgres.js';
import {
  assertSameContent,
  exportTo,
  importInto,
  nonEmpty,
  onPostgres,
  openSqlite,
  readContent,
  sqliteAt,
  workDir,
  type ArchiveContent,
} from './archiveHelpers.js';
import { fillBots, fillJobs, fillPlatforms } from './fixture.js';

const work = workDir();
const db = await testDatabase();
after(async () => {
  work.remove();
  await db?.drop();
});

/** A SQLite store filled by the fixture, exported. */
async function exportedFixture(name: string): Promise<ArchiveContent & { file: string }> {
  const { store, bots, sandbox, platforms } = openSqlite(work.path(name));
  await fillJobs(store);
  await fillBots(bots, sandbox);
  await fillPlatforms(platforms);
  await store.close();
  const file = work.path(`${name}.tar.gz`);
  await exportTo(sqliteAt(work.path(name)), file);
  return { file, ...(await readContent(file)) };
}

describe('export and import: SQLite to SQLite', () => {
  let original: ArchiveContent & { file: string };
  before(async () => {
    original = await exportedFixture('sqlite-a');
  });

  test('the archive holds every section with the records the store had', () => {
    assert.deepEqual(
      original.manifest.sections.map((s) => s.name),
      SECTIONS.map((s) => s.name),
    );
    const counts = nonEmpty(original);
    for (const name of SECTIONS.map((s) => s.name))
      assert.ok(counts[name]! > 0, `the fixture leaves ${name} empty, so the round trip would not test it`);
    const tasks = original.records.get('tasks')!;
    const states = new Set(tasks.map((t) => t.state));
    for (const s of ['queued', 'delayed', 'leased', 'succeeded', 'dead', 'cancelled'])
      assert.ok(states.has(s), `a task ${s}`);
    const jobStates = new Set(original.records.get('jobs')!.map((j) => j.state));
    for (const s of ['queued', 'running', 'succeeded', 'failed', 'cancelled'])
      assert.ok(jobStates.has(s), `a job ${s}`);
  });

  test('records are logical: integers and booleans as JSON numbers and booleans, JSON columns as their text', () => {
    const job = original.records.get('jobs')!.find((j) => j.enough === true);
    assert.ok(job, 'the job that had enough');
    assert.equal(typeof job.created_at, 'number');
    assert.equal(typeof original.records.get('bots')!.find((b) => b.name === 'ada')!.paused, 'boolean');
    const result = original.records.get('tasks')!.find((t) => t.state === 'succeeded' && t.kind === 'archive.done')!;
    assert.deepEqual(JSON.parse(result.output as string).text.endsWith('é 🦜'), true);
  });

  test('tokens are there as hashes only: no whole token in any record', () => {
    const text = JSON.stringify([...original.records.values()]);
    assert.doesNotMatch(text, /roost_[0-9a-f]{12}_/);
    for (const t of original.records.get('tokens')!) assert.match(t.hash as string, /^[0-9a-f]{64}$/);
  });

  test('the counters carry the log line ids a deleted bot took with it', () => {
    const maxLogId = Math.max(...original.records.get('bot_logs')!.map((l) => l.id as number));
    assert.ok(original.manifest.counters['bot_logs.id']! > maxLogId, JSON.stringify(original.manifest.counters));
  });

  test('imported into a new SQLite store and exported again, every record and counter is the same', async () => {
    const summary = await importInto(sqliteAt(work.path('sqlite-b')), original.file);
    assert.deepEqual(Object.fromEntries(Object.entries(summary.sections).filter(([, n]) => n > 0)), nonEmpty(original));
    await exportTo(sqliteAt(work.path('sqlite-b')), work.path('sqlite-b.tar.gz'));
    assertSameContent(original, await readContent(work.path('sqlite-b.tar.gz')), 'SQLite -> SQLite');
  });
});

if (!db) {
  test('export and import: SQLite to PostgreSQL to SQLite', { skip: NO_DATABASE }, () => {});
} else {
  describe('export and import: SQLite to PostgreSQL to SQLite', () => {
    const url = `${PG_URL}?schema=${db.schema}_trip`;
    let original: ArchiveContent & { file: string };
    before(async () => {
      original = await exportedFixture('trip-a');
    });

    test('every section goes there and back with the same records, counters and bytes', async () => {
      const toPg = await importInto(onPostgres(url, work.path('trip-pg')), original.file);
      assert.equal(toPg.dialect, 'postgres');
      assert.deepEqual(toPg.sections, nonEmpty(original));
      await exportTo(onPostgres(url, work.path('trip-pg')), work.path('trip-pg.tar.gz'));
      const fromPg = await readContent(work.path('trip-pg.tar.gz'));
      assert.equal(fromPg.manifest.source.dialect, 'postgres');
      assert.deepEqual(
        Object.keys(nonEmpty(fromPg)),
        SECTIONS.map((s) => s.name),
        'every section holds records on PostgreSQL, bots, the sandbox and rollups too',
      );
      assertSameContent(original, fromPg, 'SQLite -> PostgreSQL');

      await importInto(sqliteAt(work.path('trip-c')), work.path('trip-pg.tar.gz'));
      await exportTo(sqliteAt(work.path('trip-c')), work.path('trip-c.tar.gz'));
      assertSameContent(original, await readContent(work.path('trip-c.tar.gz')), 'PostgreSQL -> SQLite');
    });
  });
}
