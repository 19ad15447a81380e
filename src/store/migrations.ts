import { readdirSync, readFileSync } from 'node:fs';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Numbered SQL files, `NNN_name.sql`, of one dialect's folder, in version order. */
export function loadMigrations(folder: string): Migration[] {
  return readdirSync(folder)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .map((f) => ({ version: Number.parseInt(f, 10), name: f, sql: readFileSync(folder + f, 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

/** The refusal of a database written by a newer Roost; `elsewhere` says how to point at other data. */
export function newerSchemaError(current: number, latest: number, elsewhere: string): Error {
  return new Error(
    `The database schema is at version ${current} but this Roost knows versions up to ${latest}: ` +
      `upgrade Roost to the version that wrote this data, or ${elsewhere}.`,
  );
}

/** The schema version the migrations in `folder` build. */
export function latestVersion(folder: string): number {
  return loadMigrations(folder).at(-1)?.version ?? 0;
}
