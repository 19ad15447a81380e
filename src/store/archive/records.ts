import type { FieldType, Section } from './sections.js';

/** A record as an archive holds it: the section's fields, in its order, with logical values. */
export type ArchiveRecord = Record<string, string | number | boolean | null>;

/** A row as an archive end reads it: the section's fields' values, in field order. */
export type RowValues = unknown[];

/**
 * Turns rows into record lines, `{"field":value,...}` as JSON.stringify writes the record, built
 * from the values alone (no object per row: an export writes millions). Values become logical as
 * they go: bigint read as a string or a BigInt becomes a number, 0/1 a boolean, so both dialects
 * write the same bytes for the same data.
 */
export function recordLines(section: Section): (row: RowValues) => string {
  const fields = Object.entries(section.fields);
  const prefixes = fields.map(([field], i) => `${i === 0 ? '{' : ','}${JSON.stringify(field)}:`);
  return (row) => {
    let line = '';
    for (let i = 0; i < fields.length; i++)
      line += prefixes[i] + JSON.stringify(logical(section, fields[i]![0], fields[i]![1], row[i]));
    return line + '}';
  };
}

function logical(section: Section, field: string, type: FieldType, v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'text':
    case 'json':
      return String(v);
    case 'boolean':
      return v === true || v === 1 || v === 1n || v === '1' || v === 't';
    case 'real':
      return Number(v);
    case 'integer': {
      const n = Number(v);
      if (!Number.isSafeInteger(n))
        throw new Error(
          `${section.name}.${field} holds ${String(v)}, which is not an integer an archive can carry exactly`,
        );
      return n;
    }
  }
}

/**
 * The record's values in field order, as the target column takes them: a boolean field goes into
 * an integer column (SQLite, or a PostgreSQL column declared integer) as 1 or 0.
 */
export function toColumns(section: Section, record: ArchiveRecord, booleanColumns: ReadonlySet<string>): unknown[] {
  return Object.entries(section.fields).map(([field, type]) => {
    const v = record[field] ?? null;
    return type === 'boolean' && v !== null && !booleanColumns.has(field) ? (v ? 1 : 0) : v;
  });
}

/** Why a parsed line is not a record of the section, or null when it is one. */
export function recordProblem(section: Section, value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const fields = Object.entries(section.fields);
  const keys = Object.keys(value);
  if (keys.length !== fields.length)
    return `it has fields ${keys.join(', ')}; expected ${fields.map(([f]) => f).join(', ')}`;
  for (const [field, type] of fields) {
    const v = (value as Record<string, unknown>)[field];
    if (v === undefined) return `it lacks the field ${field}`;
    if (v !== null && !fits(type, v)) return `its field ${field} is ${JSON.stringify(v)}, not ${WHAT[type]}`;
  }
  return null;
}

const WHAT: Record<FieldType, string> = {
  text: 'a string',
  json: 'JSON text',
  boolean: 'true or false',
  real: 'a number',
  integer: 'an integer',
};

function fits(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof v === 'string';
    case 'json':
      return typeof v === 'string' && parses(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'real':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return Number.isSafeInteger(v);
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
