import type Database from 'better-sqlite3';

/**
 * Statements written once for both adapters, in PostgreSQL's `$N` style: SQLite runs them with
 * each `$N` named `@pN` (so a parameter used twice is bound once) and without `::text` casts.
 */
export function prepareDollar(db: Database.Database, sql: string): Database.Statement {
  return db.prepare(sql.replace(/\$(\d)/g, '@p$1').replaceAll('::text', ''));
}

/** Positional arguments as the `@pN` names prepareDollar gives them. */
export function named(args: unknown[]): Record<string, unknown> {
  return Object.fromEntries(args.map((v, i) => [`p${i + 1}`, v]));
}
