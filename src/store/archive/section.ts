/**
 * What an archive holds, in one place: one section per table, its fields and how each is written.
 * Everything else (export, import, both dialects, the tests) works from this list, so a table or a
 * column added to the schema is archived by adding it here. test/store/archive/coverage.test.ts
 * fails when a migrated schema has a table or column that neither this list nor NOT_ARCHIVED names.
 *
 * Field names are the column names (both dialects name them alike). Values are logical, the same
 * whichever dialect wrote them:
 * - `text`: a string; `integer`: a number (PostgreSQL's bigint as a number, never a string);
 *   `real`: a number; `boolean`: true or false (SQLite keeps 0/1, PostgreSQL may keep a boolean);
 * - `json`: the JSON text exactly as the store keeps it (the hub wrote it; copying it verbatim keeps
 *   big numbers and key order as they were);
 * - any of them may be null where the column allows it.
 */

export type FieldType = 'text' | 'integer' | 'real' | 'boolean' | 'json';

export interface Section {
  /** The section's name in the manifest and its file, `<name>.jsonl`; also its table. */
  name: string;
  /** The primary key: records are written in its order, so an archive's bytes depend on content only. */
  key: readonly string[];
  /** Field name to type, in the order every record lists them. */
  fields: Readonly<Record<string, FieldType>>;
  /** Fields holding secrets: written as null unless the export is asked for them (`--with-secrets`). */
  secret?: readonly string[];
}
