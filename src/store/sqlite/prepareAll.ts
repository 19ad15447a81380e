import type Database from 'better-sqlite3';

/** Prepares a set of named SQL constants once, keeping their names. */
export function prepareAll<T extends Record<string, string>>(
  db: Database.Database,
  sql: T,
): Record<keyof T, Database.Statement> {
  return Object.fromEntries(Object.entries(sql).map(([name, text]) => [name, db.prepare(text)])) as Record<
    keyof T,
    Database.Statement
  >;
}
