import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Numbered SQL files, `NNN_name.sql`, in version order. */
export function loadMigrations(folder: string = dir): Migration[] {
  return readdirSync(folder)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .map((f) => ({ version: Number.parseInt(f, 10), name: f, sql: readFileSync(folder + f, 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies the migrations the database lacks, inside one immediate transaction so two processes
 * opening the same file cannot both apply them. Refuses a database written by a newer Roost.
 */
export function migrate(db: Database.Database, migrations: Migration[] = loadMigrations()): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const latest = migrations.at(-1)?.version ?? 0;
  const apply = db.transaction(() => {
    const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > latest) {
      throw new Error(
        `The database schema is at version ${current} but this Roost knows versions up to ${latest}: ` +
          'upgrade Roost to the version that wrote this data, or point --data at another directory.',
      );
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
