import { newerSchemaError } from '../migrations.js';
import type { Section } from './sections.js';

/** A schema's tables as its catalogue describes them: table to column to declared type. */
export type Columns = Map<string, Map<string, string>>;

/** A table or column name as a quoted identifier (the same in SQLite and PostgreSQL). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function fieldList(section: Section): string {
  return Object.keys(section.fields).map(ident).join(', ');
}

/**
 * The section's key order. `textCollation` makes PostgreSQL sort text by bytes, as SQLite does,
 * so both dialects write a section's records in the same order.
 */
export function keyOrder(section: Section, textCollation = ''): string {
  return section.key
    .map((k) => (section.fields[k] === 'text' && textCollation ? `${ident(k)} COLLATE ${textCollation}` : ident(k)))
    .join(', ');
}

/** Refuses to export a store whose schema is not the one this Roost's migrations build. */
export function checkSchemaVersion(current: number, latest: number, where: string, elsewhere: string): void {
  if (current === 0)
    throw new Error(`${where} holds no Roost store (no migrations were ever applied to it): nothing to export`);
  if (current > latest) throw newerSchemaError(current, latest, elsewhere);
  if (current < latest) {
    throw new Error(
      `${where} is at schema version ${current}; this Roost's is ${latest}: start a hub of this Roost on it once ` +
        '(it migrates at start) and export again, or export with the Roost that wrote it',
    );
  }
}

/** The refusal of an import into a store that holds something; `found` counts records per section. */
export function notEmptyError(where: string, found: Array<{ section: string; records: number }>): Error {
  const what = found.map((f) => `${f.records} ${f.section}`).join(', ');
  return new Error(
    `${where} is not empty (it holds ${what}): import only into an empty store, such as a new --data directory ` +
      'or a new ?schema= of the PostgreSQL database; nothing was imported',
  );
}
