import type Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { loadMigrations, newerSchemaError, type Migration } from '../migrations.js';

/** Where this dialect's numbered migrations are (next to the compiled code too). */
export const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies the migrations the database lacks, inside one immediate transaction so two processes
 * opening the same file cannot both apply them. Refuses a database written by a newer Roost.
 */
export function migrate(db: Database.Database, migrations: Migration[] = loadMigrations(migrationsDir)): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const latest = migrations.at(-1)?.version ?? 0;
  const apply = db.transaction(() => {
    const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > latest) {
      throw newerSchemaError(current, latest, 'point --data at another directory');
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }
    return latest;
  });
  return apply.immediate();
}
