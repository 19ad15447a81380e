import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sqliteFile } from '../../../src/store/sqlite/adapter.js';
import { PgStore } from '../../../src/store/postgres/pgStore.js';
import { TAR_END } from '../../../src/store/archive/tar.js';
import { newJob } from '../../contract/storeContract.js';
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
  type StoreConfig,
} from './archiveHelpers.js';
import { fillBots, fillJobs, fillPlatforms } from './fixture.js';
import { manifestOf, reseal, setManifest, tamper } from './tamper.js';

const work = workDir();
const db = await testDatabase();
after(async () => {
  work.remove();
  await db?.drop();
});

let good: string;
before(async () => {
  const { store, bots, sandbox, platforms } = openSqlite(work.path('source'));
  await fillJobs(store);
  await fillBots(bots, sandbox);
  await fillPlatforms(platforms);
  await store.close();
  good = work.path('good.tar.gz');
  await exportTo(sqliteAt(work.path('source')), good);
});

let n = 0;
/** A data directory no store was ever opened in. */
const fresh = () => work.path(`fresh-${++n}`);

/** Asserts the import of `file` into a new data directory is refused with `message`, and that not even the directory was made. */
async function refusedIntoNothing(file: string, message: RegExp): Promise<void> {
  const dir = fresh();
  await assert.rejects(importInto(sqliteAt(dir), file), message);
  assert.equal(existsSync(dir), false, 'the refused import created nothing');
}

describe('import refuses a damaged archive before writing anything', () => {
  // Eight bytes, not one: the archive is a run of gzip members, and six bytes of each member's header
  // (its mtime, XFL and OS) are covered by no checksum, so a single flip landing there damages nothing.
  test('bytes flipped inside the compressed data', async () => {
    const bytes = readFileSync(good);
    const at = Math.floor(bytes.length / 2);
    for (let i = at; i < at + 8; i++) bytes[i] = bytes[i]! ^ 0xff;
    writeFileSync(work.path('flipped.tar.gz'), bytes);
    await refusedIntoNothing(
      work.path('flipped.tar.gz'),
      /the archive .*flipped\.tar\.gz is damaged: .*; nothing was imported$/,
    );
  });

  // The archive is a run of gzip members (one per tar header and per section), so where a cut
  // lands decides what is found missing: a cut inside a member breaks gzip, a cut between members
  // leaves a whole gzip stream holding a tar without its end. Each is cut where it must land.
  test('an archive cut inside a gzip member', async () => {
    const bytes = readFileSync(good);
    writeFileSync(work.path('cut.tar.gz'), bytes.subarray(0, bytes.length - 4));
    await refusedIntoNothing(
      work.path('cut.tar.gz'),
      /cut\.tar\.gz is damaged: its gzip stream is broken \(unexpected end of file\); nothing was imported$/,
    );
  });

  test('an archive cut between gzip members, before the tar ends', async () => {
    const bytes = readFileSync(good);
    const endMember = gzipSync(TAR_END);
    assert.deepEqual(
      bytes.subarray(bytes.length - endMember.length),
      endMember,
      'the archive ends with the end marker',
    );
    writeFileSync(work.path('cut-between.tar.gz'), bytes.subarray(0, bytes.length - endMember.length));
    await refusedIntoNothing(
      work.path('cut-between.tar.gz'),
      /cut-between\.tar\.gz is damaged: the tar ends without its end marker; nothing was imported$/,
    );
  });

  test('a file that is not gzip at all', async () => {
    writeFileSync(work.path('plain.tar.gz'), 'just some text\n');
    await refusedIntoNothing(work.path('plain.tar.gz'), /plain\.tar\.gz is damaged: its gzip stream is broken/);
  });

  test('a section whose bytes do not match the checksum in the manifest', async () => {
    const file = await tamper(good, work.path('checksum.tar.gz'), (files) => {
      const m = manifestOf(files);
      m.sections.find((s) => s.name === 'tasks')!.sha256 = '0'.repeat(64);
      setManifest(files, m);
    });
    await refusedIntoNothing(
      file,
      /checksum\.tar\.gz is damaged: tasks\.jsonl does not match the sha256 in its manifest/,
    );
  });

  test('a record count that does not match the manifest', async () => {
    const file = await tamper(good, work.path('count.tar.gz'), (files) => {
      const m = manifestOf(files);
      m.sections.find((s) => s.name === 'jobs')!.records += 1;
      setManifest(files, m);
    });
    await refusedIntoNothing(file, /jobs\.jsonl holds \d+ records; the manifest says \d+/);
  });

  test('a record that is not one of its section, even with a matching checksum', async () => {
    const file = await tamper(good, work.path('record.tar.gz'), (files) => {
      files.set(
        'kinds.jsonl',
        Buffer.from(files.get('kinds.jsonl')!.toString() + '{"kind":"x","first_seen":"yesterday"}\n'),
      );
      reseal(files, 'kinds');
    });
    await refusedIntoNothing(
      file,
      /line 4 of kinds\.jsonl is not a kinds record: its field first_seen is "yesterday", not an integer/,
    );
  });

  test('a section file the manifest does not list, and one it lists that is missing', async () => {
    const extra = await tamper(
      good,
      work.path('extra.tar.gz'),
      (files) => void files.set('notes.txt', Buffer.from('hi\n')),
    );
    await refusedIntoNothing(extra, /it holds notes\.txt, which its manifest does not list/);
    const missing = await tamper(good, work.path('missing.tar.gz'), (files) => void files.delete('ledger.jsonl'));
    await refusedIntoNothing(missing, /it lacks ledger\.jsonl, which its manifest lists/);
  });

  test('a newer format version, and a section this Roost does not know', async () => {
    const newer = await tamper(good, work.path('newer.tar.gz'), (files) =>
      setManifest(files, { ...manifestOf(files), formatVersion: 2, roostVersion: '9.0.0' }),
    );
    await refusedIntoNothing(newer, /has format version 2, written by Roost 9\.0\.0; this Roost reads up to version 1/);
    const unknown = await tamper(good, work.path('unknown.tar.gz'), (files) => {
      const m = manifestOf(files);
      setManifest(files, {
        ...m,
        sections: [...m.sections, { ...m.sections[0]!, name: 'from_the_future', file: 'from_the_future.jsonl' }],
      });
    });
    await refusedIntoNothing(unknown, /lists a section "from_the_future" this Roost does not know/);
  });
});

let exports = 0;
async function exportAgain(config: StoreConfig): Promise<string> {
  const file = work.path(`again-${++exports}.tar.gz`);
  await exportTo(config, file);
  return file;
}

/**
 * An archive whose records pass every check but one the database makes (a kind twice), imported
 * into a store no import or hub ever touched: the import got as far as creating and migrating it.
 */
function refusedThenRetried(name: string, config: () => StoreConfig, refusal: RegExp): void {
  test(`${name}: records the database refuses roll the whole import back, saying so, and the same store then takes the import`, async () => {
    const file = await tamper(good, work.path(`duplicate-${name}.tar.gz`), (files) => {
      const kinds = files.get('kinds.jsonl')!.toString();
      files.set('kinds.jsonl', Buffer.from(kinds + kinds.split('\n')[0] + '\n'));
      reseal(files, 'kinds');
    });
    const target = config();
    const error = await importInto(target, file).then(
      () => assert.fail('the import was refused'),
      (e: Error) => e,
    );
    assert.match(error.message, refusal);
    assert.match(
      error.message,
      /; the import was rolled back and the store holds none of it: it is left empty, so the import can be run into it again$/,
    );
    assert.deepEqual(
      nonEmpty(await readContent(await exportAgain(target))),
      {},
      'the store, migrated by the refused import, holds nothing',
    );
    await importInto(target, good);
    assertSameContent(
      await readContent(good),
      await readContent(await exportAgain(target)),
      'the store after the retried import',
    );
  });
}

refusedThenRetried(
  'sqlite',
  () => sqliteAt(fresh()),
  /the SQLite store .* refused the archive's kinds records: UNIQUE constraint failed: kinds\.kind/,
);

/** Asserts an import into a store that holds something is refused naming it, and leaves the store as it was. */
async function refusedIntoNonEmpty(config: StoreConfig, message: RegExp): Promise<void> {
  const before = await readContent(await exportAgain(config));
  await assert.rejects(importInto(config, good), message);
  assertSameContent(before, await readContent(await exportAgain(config)), 'the store after the refused import');
}

test('import refuses a SQLite store that holds anything, naming what it found, and changes nothing', async () => {
  const dir = fresh();
  const { store } = openSqlite(dir);
  await store.createJob(newJob({ kind: 'already.here' }));
  await store.close();
  await refusedIntoNonEmpty(
    sqliteAt(dir),
    new RegExp(
      `the SQLite store ${sqliteFile(dir)} is not empty \\(it holds 1 jobs, 1 tasks\\): import only into an empty store`,
    ),
  );
});

if (!db) {
  test('import refuses a non-empty PostgreSQL store', { skip: NO_DATABASE }, () => {});
} else {
  test('import refuses a PostgreSQL store that holds anything, naming what it found, and changes nothing', async () => {
    const url = `${PG_URL}?schema=${db.schema}_full`;
    const store = await PgStore.open(url, { retryDelay: () => 1000 });
    await store.setLimit({ key: 'bot:*', concurrency: 1, rate: null }, 1);
    await store.close();
    await refusedIntoNonEmpty(
      onPostgres(url, fresh()),
      new RegExp(
        `the PostgreSQL store in schema ${db.schema}_full of 127\\.0\\.0\\.1:5432/test is not empty \\(it holds 1 limits\\)`,
      ),
    );
  });

  refusedThenRetried(
    'postgres',
    () => onPostgres(`${PG_URL}?schema=${db.schema}_refused`, fresh()),
    /the PostgreSQL store in schema \w+_refused of .* refused the archive's kinds records: duplicate key value violates unique constraint "kinds_pkey"/,
  );
}
