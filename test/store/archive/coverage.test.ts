import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { pgColumns } from '../../../src/store/postgres/archive.js';
import type { Columns } from '../../../src/store/archive/schema.js';
import { NOT_ARCHIVED, SECTIONS, type FieldType } from '../../../src/store/archive/sections.js';
import { PgStore } from '../../../src/store/postgres/pgStore.js';
import { JOB_COLUMNS } from '../../../src/store/sqlite/jobRowsImport.js';
import { openDatabase } from '../../../src/store/sqlite/openDatabase.js';
import { NO_DATABASE, PG_URL, testDatabase } from '../../helpers/postgres.js';
import { workDir } from './archiveHelpers.js';

// An archive is everything the store holds only while src/store/archive/sections.ts lists every
// table and column the migrations build. A migration that adds one fails these tests until the
// list (or NOT_ARCHIVED, with the reason) says what becomes of it.

const work = workDir();
const db = await testDatabase();
after(async () => {
  work.remove();
  await db?.drop();
});

/** The column types each field type may be stored in, as each dialect's catalogue spells them. */
const STORED_AS: Record<FieldType, string[]> = {
  text: ['text'],
  json: ['text'],
  integer: ['integer', 'bigint'],
  real: ['real', 'double precision'],
  boolean: ['boolean', 'integer'],
};

/**
 * Every table and view of a SQLite file with its columns and their declared types. The job's columns
 * in its first task's row are archived through the jobs view (migration 017), so they count as
 * the view's, not the table's: one the import does not write back (JOB_COLUMNS) stays unlisted.
 */
function sqliteColumns(db: Database.Database): Columns {
  const columns: Columns = new Map();
  // () -> { t, c, type }: each column of each table and view
  const rows = db
    .prepare(
      "SELECT m.name AS t, p.name AS c, lower(p.type) AS type FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type IN ('table', 'view')",
    )
    .all() as Array<{ t: string; c: string; type: string }>;
  const viaJobs = new Set(JOB_COLUMNS.map(([column]) => column));
  for (const r of rows) {
    if (r.t === 'tasks' && viaJobs.has(r.c)) continue;
    columns.set(r.t, (columns.get(r.t) ?? new Map()).set(r.c, r.type));
  }
  return columns;
}

/** Export and import read and write every section's fields in every store, with no check of the schema at run time. */
function assertCovered(columns: Columns, dialect: string): void {
  const unlisted = [...columns.keys()]
    .filter((t) => !t.startsWith('sqlite_') || t === 'sqlite_sequence')
    .filter((t) => !SECTIONS.some((s) => s.name === t) && !(t in NOT_ARCHIVED));
  assert.deepEqual(
    unlisted,
    [],
    `${dialect} tables no section archives: add them to SECTIONS in src/store/archive/sections.ts (or to NOT_ARCHIVED, saying why)`,
  );
  for (const section of SECTIONS) {
    const table = columns.get(section.name);
    assert.ok(table, `the ${dialect} migrations build no table ${section.name}, which SECTIONS archives`);
    assert.deepEqual(
      [...table.keys()].sort(),
      Object.keys(section.fields).sort(),
      `${dialect} ${section.name}: its columns are the section's fields`,
    );
    for (const [field, type] of Object.entries(section.fields)) {
      const stored = table.get(field)!;
      assert.ok(
        STORED_AS[type].includes(stored),
        `${dialect} ${section.name}.${field} is ${stored}, which a ${type} field cannot carry exactly`,
      );
    }
  }
}

test('sqlite: every table and column the migrations build is archived, each in a field of a fitting type', () => {
  const file = work.path('coverage.db');
  const database = openDatabase(file);
  const columns = sqliteColumns(database);
  database.close();
  assertCovered(columns, 'sqlite');
});

if (!db) {
  test('postgres: every table and column is archived', { skip: NO_DATABASE }, () => {});
} else {
  test('postgres: every table and column the migrations build is archived, each in a field of a fitting type', async () => {
    await (await PgStore.open(db.url, { retryDelay: () => 1000 })).close();
    const client = new pg.Client(PG_URL);
    await client.connect();
    const columns = await pgColumns(client, db.schema);
    await client.end();
    assertCovered(columns, 'postgres');
  });
}
