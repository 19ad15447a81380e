import pg from 'pg';
import { latestVersion } from '../migrations.js';
import { pgTarget } from './connection.js';
import { migrate, migrationsDir } from './migrate.js';
import type { ArchiveSource, ArchiveTarget } from '../archive/archiveStore.js';
import { toColumns, type ArchiveRecord, type RowValues } from '../archive/records.js';
import { checkSchemaVersion, fieldList, ident, keyOrder, type Columns } from '../archive/schema.js';
import { COUNTERS, counterName, type Counter } from '../archive/counters.js';
import { SECTIONS, type Section } from '../archive/sections.js';

const PAGE = 1000;

/** A bigint (a count, a counter) as these connections read it: with pg's own type parsers, as text. */
type BigintText = string;

/** Every table of the schema with its columns and their types as PostgreSQL writes them. */
export async function pgColumns(client: pg.ClientBase | pg.Pool, schema: string): Promise<Columns> {
  // ($1 schema) -> { t, c, type }: each column of each table, in column order
  const { rows } = await client.query<{ t: string; c: string; type: string }>(
    `SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const columns: Columns = new Map();
  for (const r of rows) columns.set(r.t, (columns.get(r.t) ?? new Map<string, string>()).set(r.c, r.type));
  return columns;
}

/** How messages name the store: host, database and schema, never the user or a password. */
function describe(url: string, schema: string): string {
  const u = new URL(url);
  return `the PostgreSQL store in schema ${schema} of ${u.hostname}:${u.port || 5432}${u.pathname}`;
}

async function connected<T extends pg.Client | pg.Pool>(client: T, where: string): Promise<T> {
  // A connection the server drops fails the query running on it; unheard, the event would end the process.
  (client as pg.Client).on('error', () => {});
  try {
    if (client instanceof pg.Client) await client.connect();
    else await client.query('SELECT 1');
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new Error(`cannot connect to ${where} (named by --store or ROOST_DATABASE_URL): ${(e as Error).message}`);
  }
  return client;
}

/**
 * ($1 explicit sequence or null, $2 table, $3 column) -> the sequence numbering the column: the named
 * one, or the one an identity or serial column owns; null when neither exists.
 */
const SEQUENCE = 'coalesce(to_regclass($1), pg_get_serial_sequence($2, $3)::regclass)';

function counterParams(schema: string, c: Counter): unknown[] {
  return [c.sequence ? `${ident(schema)}.${ident(c.sequence)}` : null, `${ident(schema)}.${ident(c.section)}`, c.field];
}

/** Reads one REPEATABLE READ, READ ONLY transaction: what every hub had committed when it began. */
export class PgArchiveSource implements ArchiveSource {
  readonly dialect = 'postgres' as const;
  private cursors = 0;

  private constructor(
    readonly where: string,
    private readonly client: pg.Client,
    private readonly schema: string,
    readonly schemaVersion: number,
  ) {}

  static async open(url: string): Promise<PgArchiveSource> {
    const { pool, schema } = pgTarget(url);
    const where = describe(url, schema);
    const client = await connected(new pg.Client(pool), where);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const migrated =
        (
          await client.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [
            `${ident(schema)}.schema_migrations`,
          ])
        ).rows[0]!.r !== null;
      const version = migrated
        ? Number(
            (
              await client.query<{ v: number }>(
                `SELECT coalesce(max(version), 0) AS v FROM ${ident(schema)}.schema_migrations`,
              )
            ).rows[0]!.v,
          )
        : 0;
      checkSchemaVersion(version, latestVersion(migrationsDir), where, 'point --store at another database or schema');
      return new PgArchiveSource(where, client, schema, version);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  }

  private table(section: Section): string {
    return `${ident(this.schema)}.${ident(section.name)}`;
  }

  async count(section: Section): Promise<number> {
    return Number(
      (await this.client.query<{ n: BigintText }>(`SELECT count(*) AS n FROM ${this.table(section)}`)).rows[0]!.n,
    );
  }

  async *rows(section: Section): AsyncIterable<RowValues[]> {
    const cursor = `archive_${++this.cursors}`;
    // () -> the section's rows in key order, text keys by bytes as SQLite sorts them
    await this.client.query(
      `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${fieldList(section)} FROM ${this.table(section)} ORDER BY ${keyOrder(section, '"C"')}`,
    );
    for (;;) {
      const { rows } = await this.client.query<RowValues>({ text: `FETCH ${PAGE} FROM ${cursor}`, rowMode: 'array' });
      if (rows.length > 0) yield rows;
      if (rows.length < PAGE) break;
    }
    await this.client.query(`CLOSE ${cursor}`);
  }

  async counters(): Promise<Record<string, number>> {
    const values: Record<string, number> = {};
    for (const c of COUNTERS) {
      // ($1, $2, $3 as SEQUENCE) -> { v }: the highest of the column and what its sequence handed out
      const { rows } = await this.client.query<{ v: BigintText }>(
        `SELECT greatest(coalesce(max(${ident(c.field)}), 0), coalesce(pg_sequence_last_value(${SEQUENCE}), 0)) AS v FROM ${ident(this.schema)}.${ident(c.section)}`,
        counterParams(this.schema, c),
      );
      values[counterName(c)] = Number(rows[0]!.v);
    }
    return values;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** Writes an archive into a schema that is new or holds nothing, in one transaction. */
export class PgArchiveTarget implements ArchiveTarget {
  readonly dialect = 'postgres' as const;
  private client: pg.PoolClient | null = null;
  private columns: Columns = new Map();

  private constructor(
    readonly where: string,
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  static async open(url: string): Promise<PgArchiveTarget> {
    const { pool, schema } = pgTarget(url);
    const where = describe(url, schema);
    return new PgArchiveTarget(where, await connected(new pg.Pool({ ...pool, max: 2 }), where), schema);
  }

  private table(name: string): string {
    return `${ident(this.schema)}.${ident(name)}`;
  }

  async contents(): Promise<Array<{ section: string; records: number }>> {
    const q = this.client ?? this.pool;
    // ($1 schema) -> { t }: the tables the schema has so far
    const tables = new Set(
      (
        await q.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = $1', [this.schema])
      ).rows.map((r) => r.t),
    );
    const found: Array<{ section: string; records: number }> = [];
    for (const s of SECTIONS.filter((s) => tables.has(s.name))) {
      const records = Number(
        (await q.query<{ n: BigintText }>(`SELECT count(*) AS n FROM ${this.table(s.name)}`)).rows[0]!.n,
      );
      if (records > 0) found.push({ section: s.name, records });
    }
    return found;
  }

  async begin(): Promise<void> {
    await migrate(this.pool, this.schema);
    this.client = await this.pool.connect();
    await this.client.query('BEGIN');
    // Column types: json_to_recordset needs them, and a boolean field may be kept in an integer column.
    this.columns = await pgColumns(this.client, this.schema);
    // Hubs may still read; none writes a row until the import has committed or rolled back.
    await this.client.query(
      `LOCK TABLE ${SECTIONS.map((s) => this.table(s.name)).join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
    );
  }

  async insert(section: Section, records: ArchiveRecord[]): Promise<void> {
    const types = this.columns.get(section.name)!;
    const fields = Object.keys(section.fields);
    const booleans = new Set(fields.filter((f) => types.get(f) === 'boolean'));
    const rows = records.map((r) => {
      const values = toColumns(section, r, booleans);
      return Object.fromEntries(fields.map((f, i) => [f, values[i]]));
    });
    // ($1 JSON array of records) -> nothing; ids are the archived ones, identity columns included
    await this.client!.query(
      `INSERT INTO ${this.table(section.name)} (${fieldList(section)}) OVERRIDING SYSTEM VALUE
       SELECT ${fieldList(section)} FROM json_to_recordset($1::json) AS x(${fields.map((f) => `${ident(f)} ${types.get(f)}`).join(', ')})`,
      [JSON.stringify(rows)],
    );
  }

  async setCounters(archived: Record<string, number>): Promise<void> {
    for (const c of COUNTERS) {
      // ($1, $2, $3 as SEQUENCE, $4 archived value) -> nothing: the sequence goes on after both
      await this.client!.query(
        `SELECT setval(seq, v) FROM (SELECT ${SEQUENCE} AS seq,
           greatest($4::bigint, (SELECT coalesce(max(${ident(c.field)}), 0) FROM ${this.table(c.section)})) AS v) x
         WHERE seq IS NOT NULL AND v > 0`,
        [...counterParams(this.schema, c), archived[counterName(c)] ?? 0],
      );
    }
  }

  async commit(): Promise<void> {
    await this.client!.query('COMMIT');
    this.client!.release();
    this.client = null;
  }

  async close(): Promise<void> {
    if (this.client) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      this.client.release();
      this.client = null;
    }
    await this.pool.end().catch(() => undefined);
  }
}
