import { resolve } from 'node:path';
import type { ArchiveTarget } from './archiveStore.js';
import type { Manifest } from './manifest.js';
import type { Progress } from './progress.js';
import { readArchive } from './readArchive.js';
import { notEmptyError } from './schema.js';

export interface ImportSummary {
  file: string;
  dialect: string;
  where: string;
  /** The store the archive was exported from, and by which Roost. */
  source: Manifest['source'] & { roostVersion: string; createdAt: string };
  records: number;
  sections: Record<string, number>;
  durationMs: number;
}

/**
 * Loads an archive into an empty store, all of it or nothing. Refuses before writing anything when
 * the store holds something or the archive is damaged (it is read through and checked first);
 * then migrates the store and writes every record in one transaction, re-checking that the store
 * is still empty inside it, and moves the counters past the imported numbers. The caller closes
 * the target, which rolls back whatever did not commit.
 */
export async function importArchive(file: string, target: ArchiveTarget, progress: Progress): Promise<ImportSummary> {
  const started = performance.now();
  const found = await target.contents();
  if (found.length > 0) throw notEmptyError(target.where, found);
  let manifest: Manifest;
  try {
    manifest = await readArchive(file, { progress, step: 'check' });
  } catch (e) {
    throw new Error(`${(e as Error).message}; nothing was imported`);
  }
  await target.begin();
  const again = await target.contents();
  if (again.length > 0) throw notEmptyError(target.where, again);
  try {
    await readArchive(file, {
      progress,
      step: 'import',
      records: async (section, batch) => {
        try {
          await target.insert(section, batch);
        } catch (e) {
          throw new Error(`${target.where} refused the archive's ${section.name} records: ${(e as Error).message}`);
        }
      },
    });
    await target.setCounters(manifest.counters);
    await target.commit();
  } catch (e) {
    // The migrations are not undone: the store stays migrated and empty, which import accepts.
    throw new Error(
      `${(e as Error).message}; the import was rolled back and the store holds none of it: it is left empty, so the import can be run into it again`,
    );
  }
  return {
    file: resolve(file),
    dialect: target.dialect,
    where: target.where,
    source: { ...manifest.source, roostVersion: manifest.roostVersion, createdAt: manifest.createdAt },
    records: manifest.sections.reduce((n, s) => n + s.records, 0),
    sections: Object.fromEntries(manifest.sections.map((s) => [s.name, s.records])),
    durationMs: Math.round(performance.now() - started),
  };
}
