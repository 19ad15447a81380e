import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { latestVersion } from '../migrations.js';
import { migrationsDir } from './migrate.js';
import { openDatabase } from './openDatabase.js';
import type { ArchiveSource, ArchiveTarget } from '../archive/archiveStore.js';
import { toColumns, type ArchiveRecord, type RowValues } from '../archive/records.js';
import { checkSchemaVersion, fieldList, ident, keyOrder } from '../archive/schema.js';
import { COUNTERS, counterName } from '../archive/counters.js';
import { SECTIONS, type Section } from '../archive/sections.js';
import { JobRowsImport } from './jobRowsImport.js';

const PAGE = 1000;
const NO_BOOLEAN_COLUMNS: ReadonlySet<string> = new Set();

function sectionNamed(name: string): Section {
  return SECTIONS.find((s) => s.name === name)!;
}

/** Tables declared AUTOINCREMENT, whose counter lives in sqlite_sequence and outlives deleted rows. */
function autoincrementTables(db: Database.Database): Set<string> {
  // () -> { name }
  const rows = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'")
    .all() as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

function counterValues(db: Database.Database): Record<string, number> {
  const auto = autoincrementTables(db);
  const values: Record<string, number> = {};
  for (const c of COUNTERS) {
    // () -> { v }: the highest number in the column
    let v = (
      db.prepare(`SELECT coalesce(max(${ident(c.field)}), 0) AS v FROM ${ident(c.section)}`).get() as { v: number }
    ).v;
    // (table) -> { seq } | nothing
    if (auto.has(c.section))
      v = Math.max(
        v,
        (db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(c.section) as { seq: number } | undefined)
          ?.seq ?? 0,
      );
    values[counterName(c)] = v;
  }
  return values;
}

function contentsOf(db: Database.Database): Array<{ section: string; records: number }> {
  // () -> { name }: the tables the file has so far (jobs is a view of tasks: migration 017)
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").all() as Array<{ name: string }>).map(
      (r) => r.name,
    ),
  );
  return SECTIONS.filter((s) => tables.has(s.name))
    .map((s) => ({
      section: s.name,
      records: (db.prepare(`SELECT count(*) AS n FROM ${ident(s.name)}`).get() as { n: number }).n,
    }))
    .filter((f) => f.records > 0);
}

/** Reads one read transaction of the store file, which the hub may go on writing (WAL). */
export class SqliteArchiveSource implements ArchiveSource {
  readonly dialect = 'sqlite' as const;
  readonly where: string;
  readonly schemaVersion: number;
  private readonly db: Database.Database;

  constructor(file: string) {
    this.where = `the SQLite store ${resolve(file)}`;
    if (!existsSync(file)) {
      throw new Error(
        `there is no SQLite store at ${resolve(file)}: --data (or ROOST_DATA) names the directory holding roost.db; --store postgres://... exports a PostgreSQL store`,
      );
    }
    this.db = new Database(file, { fileMustExist: true });
    try {
      this.db.pragma('busy_timeout = 5000');
      // The snapshot starts with the first read inside BEGIN and holds for every read after it.
      this.db.exec('BEGIN');
      const version = this.db.prepare("SELECT name FROM sqlite_master WHERE name = 'schema_migrations'").get()
        ? ((this.db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0)
        : 0;
      checkSchemaVersion(version, latestVersion(migrationsDir), this.where, 'point --data at another directory');
      this.schemaVersion = version;
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  async count(section: Section): Promise<number> {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${ident(section.name)}`).get() as { n: number }).n;
  }

  async *rows(section: Section): AsyncIterable<RowValues[]> {
    let page: RowValues[] = [];
    // () -> the section's rows in key order, as arrays of values
    const select = this.db
      .prepare(`SELECT ${fieldList(section)} FROM ${ident(section.name)} ORDER BY ${keyOrder(section)}`)
      .raw(true);
    for (const row of select.iterate() as Iterable<RowValues>) {
      page.push(row);
      if (page.length === PAGE) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async counters(): Promise<Record<string, number>> {
    return counterValues(this.db);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Writes an archive into a store file that is new or holds nothing, in one immediate transaction. */
export class SqliteArchiveTarget implements ArchiveTarget {
  readonly dialect = 'sqlite' as const;
  readonly where: string;
  private db: Database.Database | null = null;
  private readonly inserts = new Map<string, Database.Statement>();
  private jobRows: JobRowsImport | null = null;

  constructor(
    private readonly file: string,
    private readonly synchronous: 'normal' | 'full',
  ) {
    this.where = `the SQLite store ${resolve(file)}`;
  }

  async contents(): Promise<Array<{ section: string; records: number }>> {
    if (this.db) return contentsOf(this.db);
    if (!existsSync(this.file)) return [];
    const db = new Database(this.file, { fileMustExist: true });
    try {
      return contentsOf(db);
    } finally {
      db.close();
    }
  }

  async begin(): Promise<void> {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    this.db = openDatabase(this.file, this.synchronous);
    // IMMEDIATE takes the write lock now: nothing else writes the file until the import ends.
    this.db.exec('BEGIN IMMEDIATE');
  }

  async insert(section: Section, records: ArchiveRecord[]): Promise<void> {
    const db = this.db!;
    if (section.name === 'jobs' || section.name === 'tasks') {
      this.jobRows ??= new JobRowsImport(db, sectionNamed('jobs'), sectionNamed('tasks'));
      const rows = this.jobRows;
      for (const r of records) {
        const values = toColumns(section, r, NO_BOOLEAN_COLUMNS);
        if (section.name === 'jobs') rows.job(values);
        else rows.task(values);
      }
      return;
    }
    let insert = this.inserts.get(section.name);
    if (!insert) {
      const fields = Object.keys(section.fields);
      // (each field in order) -> nothing
      insert = db.prepare(
        `INSERT INTO ${ident(section.name)} (${fieldList(section)}) VALUES (${fields.map(() => '?').join(', ')})`,
      );
      this.inserts.set(section.name, insert);
    }
    for (const r of records) insert.run(toColumns(section, r, NO_BOOLEAN_COLUMNS));
  }

  async setCounters(archived: Record<string, number>): Promise<void> {
    const db = this.db!;
    const auto = autoincrementTables(db);
    for (const c of COUNTERS) {
      const v = archived[counterName(c)] ?? 0;
      // Other counters are the highest number in their column, which the imported rows set.
      if (!auto.has(c.section) || v === 0) continue;
      // (:seq, :name) -> nothing
      if (
        db
          .prepare('UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = :name')
          .run({ seq: v, name: c.section }).changes === 0
      ) {
        db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)').run({ seq: v, name: c.section });
      }
    }
  }

  async commit(): Promise<void> {
    this.jobRows?.finish();
    this.db!.exec('COMMIT');
  }

  async close(): Promise<void> {
    if (!this.db?.open) return;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}
