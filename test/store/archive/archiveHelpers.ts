import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../../src/config.js';
import type { ExportSummary } from '../../../src/store/archive/exportArchive.js';
import { exportArchive } from '../../../src/store/archive/exportArchive.js';
import { importArchive, type ImportSummary } from '../../../src/store/archive/importArchive.js';
import type { Manifest } from '../../../src/store/archive/manifest.js';
import { openArchiveSource, openArchiveTarget } from '../../../src/store/archive/openArchiveStore.js';
import { NO_PROGRESS } from '../../../src/store/archive/progress.js';
import type { ArchiveRecord } from '../../../src/store/archive/records.js';
import { readArchive } from '../../../src/store/archive/readArchive.js';
import { openBotStores, openPlatformStore } from '../../../src/store/openBotStores.js';
import { sqliteFile } from '../../../src/store/sqlite/adapter.js';
import { SqliteStore } from '../../../src/store/sqlite/sqliteStore.js';

export type StoreConfig = Pick<Config, 'store' | 'dataDir' | 'synchronous'>;

/** A folder for one test file's stores and archives, removed by `remove()`. */
export function workDir(): { path(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'roost-archive-'));
  return { path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sqliteAt(dataDir: string): StoreConfig {
  return { store: 'sqlite', dataDir, synchronous: 'normal' };
}

export function onPostgres(url: string, dataDir: string): StoreConfig {
  return { store: url, dataDir, synchronous: 'normal' };
}

/** The SQLite store of a data directory with its bot and sandbox stores, as a hub opens them. */
export function openSqlite(dataDir: string) {
  mkdirSync(dataDir, { recursive: true });
  const store = new SqliteStore(sqliteFile(dataDir), { retryDelay: () => 1000 });
  return { store, ...openBotStores(store), platforms: openPlatformStore(store) };
}

export async function exportTo(config: StoreConfig, file: string): Promise<ExportSummary> {
  return exportArchive(await openArchiveSource(config), file, NO_PROGRESS);
}

export async function importInto(config: StoreConfig, file: string): Promise<ImportSummary> {
  const target = await openArchiveTarget(config);
  try {
    return await importArchive(file, target, NO_PROGRESS);
  } finally {
    await target.close();
  }
}

export interface ArchiveContent {
  manifest: Manifest;
  records: Map<string, ArchiveRecord[]>;
}

/** Every record of an archive by section, read (and checked) by the importer's reader. */
export async function readContent(file: string): Promise<ArchiveContent> {
  const records = new Map<string, ArchiveRecord[]>();
  const manifest = await readArchive(file, {
    progress: NO_PROGRESS,
    step: 'check',
    records: async (section, batch) => void records.set(section.name, [...(records.get(section.name) ?? []), ...batch]),
  });
  for (const s of manifest.sections) if (!records.has(s.name)) records.set(s.name, []);
  return { manifest, records };
}

/**
 * Asserts that two archives hold the same records, section by section and record by record
 * (naming the first that differs), the same counters, and files with the same bytes.
 */
export function assertSameContent(a: ArchiveContent, b: ArchiveContent, what: string): void {
  assert.deepEqual([...b.records.keys()], [...a.records.keys()], `${what}: the same sections`);
  for (const [name, records] of a.records) {
    const other = b.records.get(name)!;
    assert.equal(other.length, records.length, `${what}: ${name} has ${other.length} records, not ${records.length}`);
    records.forEach((r, i) => assert.deepEqual(other[i], r, `${what}: ${name} record ${i} differs`));
  }
  assert.deepEqual(b.manifest.counters, a.manifest.counters, `${what}: counters`);
  const digests = (c: ArchiveContent) => c.manifest.sections.map((s) => [s.name, s.sha256]);
  assert.deepEqual(digests(b), digests(a), `${what}: the section files have the same bytes`);
}

/** Records per section that holds any. */
export function nonEmpty(c: ArchiveContent): Record<string, number> {
  return Object.fromEntries([...c.records].filter(([, r]) => r.length > 0).map(([name, r]) => [name, r.length]));
}
