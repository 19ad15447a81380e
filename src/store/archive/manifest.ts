import { sectionNamed, SECTIONS } from './sections.js';

/** The archive layout this Roost writes; an archive of a higher version is refused. */
export const FORMAT = 'roost-archive';
export const FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export interface SectionEntry {
  name: string;
  /** `<name>.jsonl` in the tar: one record per line, each line ending in a newline. */
  file: string;
  records: number;
  bytes: number;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  /** The record's field names in order, so a reader can tell an archive of another schema. */
  fields: string[];
}

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  roostVersion: string;
  /** ISO 8601. */
  createdAt: string;
  source: { dialect: string; schemaVersion: number };
  /** The sections of the store that was exported, in import order; one an earlier Roost did not have yet imports as empty. */
  sections: SectionEntry[];
  /** See COUNTERS in counters.ts: `<section>.<field>` to the highest number handed out. */
  counters: Record<string, number>;
}

export function sectionFile(name: string): string {
  return `${name}.jsonl`;
}

/**
 * Checks a manifest read from an archive against what this Roost reads; throws saying what is
 * wrong. `where` names the archive in the message.
 */
export function checkManifest(value: unknown, where: string): Manifest {
  const bad = (what: string) => new Error(`${where} is not a Roost archive this version can read: ${what}`);
  if (typeof value !== 'object' || value === null) throw bad('its manifest.json is not a JSON object');
  const m = value as Partial<Manifest>;
  if (m.format !== FORMAT) throw bad(`its manifest does not say format "${FORMAT}"`);
  if (!Number.isInteger(m.formatVersion) || m.formatVersion! < 1) throw bad('its manifest has no format version');
  if (m.formatVersion! > FORMAT_VERSION) {
    throw new Error(
      `${where} has format version ${m.formatVersion}, written by Roost ${String(m.roostVersion)}; this Roost reads up to version ${FORMAT_VERSION}: import it with that Roost or a newer one`,
    );
  }
  if (!Array.isArray(m.sections)) throw bad('its manifest lists no sections');
  if (typeof m.counters !== 'object' || m.counters === null) throw bad('its manifest has no counters');
  const seen = new Set<string>();
  for (const entry of m.sections as unknown[]) {
    const e = entry as Partial<SectionEntry>;
    const section = typeof e?.name === 'string' ? sectionNamed(e.name) : undefined;
    if (!section) throw bad(`its manifest lists a section ${JSON.stringify(e?.name)} this Roost does not know`);
    if (seen.has(section.name)) throw bad(`its manifest lists the section ${section.name} twice`);
    seen.add(section.name);
    if (
      e.file !== sectionFile(section.name) ||
      !isCount(e.records) ||
      !isCount(e.bytes) ||
      typeof e.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(e.sha256)
    ) {
      throw bad(`its manifest entry for ${section.name} lacks a file, a record count, a size or a sha256`);
    }
    const expected = Object.keys(section.fields);
    if (!Array.isArray(e.fields) || e.fields.join(',') !== expected.join(',')) {
      throw bad(
        `its ${section.name} records have the fields ${String(e.fields)}; this Roost expects ${expected.join(', ')}`,
      );
    }
  }
  for (const [name, n] of Object.entries(m.counters)) if (!isCount(n)) throw bad(`its counter ${name} is not a count`);
  // Import order is this Roost's, whatever order the manifest lists them in.
  const order = (name: string) => SECTIONS.findIndex((s) => s.name === name);
  return {
    ...(m as Manifest),
    sections: [...(m.sections as SectionEntry[])].sort((a, b) => order(a.name) - order(b.name)),
  };
}

function isCount(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}
