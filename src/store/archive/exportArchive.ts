import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { VERSION } from '../../version.js';
import type { ArchiveSource } from './archiveStore.js';
import { FORMAT, FORMAT_VERSION, MANIFEST_FILE, sectionFile, type Manifest, type SectionEntry } from './manifest.js';
import type { Progress } from './progress.js';
import { recordLines } from './records.js';
import { SECTIONS, type Section } from './sections.js';
import { TAR_END, tarHeader, tarPadding } from './tar.js';

export interface ExportSummary {
  file: string;
  bytes: number;
  dialect: string;
  where: string;
  records: number;
  sections: Record<string, number>;
  durationMs: number;
}

/**
 * Writes everything the source's snapshot holds to `file` (a gzip'd tar: manifest.json, then one
 * `<section>.jsonl` per section) and closes the source as soon as it is read, so the snapshot is not
 * held while the archive is put together. The file appears only once complete (written beside
 * it, synced, renamed), so an interrupted export never leaves an archive that looks whole.
 *
 * A gzip file may be several gzip members one after another, read as one stream. Each section is
 * compressed into a member of its own while it is read; its tar header, which needs its size,
 * becomes a member of its own once that is known, so the data is read and compressed once.
 */
export async function exportArchive(
  source: ArchiveSource,
  file: string,
  progress: Progress,
  now = Date.now(),
  options: { withSecrets?: boolean } = {},
): Promise<ExportSummary> {
  const started = performance.now();
  const dir = await mkdtemp(join(dirname(resolve(file)), '.roost-export-'));
  try {
    const entries: SectionEntry[] = [];
    for (const section of SECTIONS)
      entries.push(
        await writeSection(
          source,
          section,
          join(dir, sectionFile(section.name)),
          progress,
          options.withSecrets ?? false,
        ),
      );
    const counters = await source.counters();
    await source.close();
    const manifest: Manifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      roostVersion: VERSION,
      createdAt: new Date(now).toISOString(),
      source: { dialect: source.dialect, schemaVersion: source.schemaVersion },
      sections: entries,
      counters,
    };
    const whole = join(dir, 'archive.tar.gz');
    await assemble(whole, manifest, dir, now);
    await rename(whole, file);
    return {
      file: resolve(file),
      bytes: (await stat(file)).size,
      dialect: source.dialect,
      where: source.where,
      records: entries.reduce((n, e) => n + e.records, 0),
      sections: Object.fromEntries(entries.map((e) => [e.name, e.records])),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await source.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One section as a gzip member holding its JSON Lines and the tar padding after them. */
async function writeSection(
  source: ArchiveSource,
  section: Section,
  path: string,
  progress: Progress,
  withSecrets: boolean,
): Promise<SectionEntry> {
  const total = await source.count(section);
  progress.start('export', section.name, total);
  const hash = createHash('sha256');
  const gzip = createGzip();
  const written = pipeline(gzip, createWriteStream(path));
  const line = recordLines(section);
  const names = Object.keys(section.fields);
  const hidden = withSecrets ? [] : (section.secret ?? []).map((f) => names.indexOf(f));
  let records = 0;
  let bytes = 0;
  for await (const page of source.rows(section)) {
    let text = '';
    for (const row of page) {
      for (const i of hidden) row[i] = null;
      text += line(row) + '\n';
    }
    const chunk = Buffer.from(text);
    hash.update(chunk);
    bytes += chunk.length;
    records += page.length;
    if (!gzip.write(chunk)) await once(gzip, 'drain');
    progress.update(records);
  }
  gzip.end(tarPadding(bytes));
  await written;
  // Within one snapshot the count and the rows agree; a difference means the snapshot did not hold.
  if (records !== total)
    throw new Error(
      `${section.name}: counted ${total} records but read ${records}; the export did not read one snapshot`,
    );
  progress.end();
  return {
    name: section.name,
    file: sectionFile(section.name),
    records,
    bytes,
    sha256: hash.digest('hex'),
    fields: Object.keys(section.fields),
  };
}

async function assemble(path: string, manifest: Manifest, dir: string, now: number): Promise<void> {
  const text = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
  await pipeline(async function* () {
    yield gzipSync(Buffer.concat([tarHeader(MANIFEST_FILE, text.length, now), text, tarPadding(text.length)]));
    for (const entry of manifest.sections) {
      yield gzipSync(tarHeader(entry.file, entry.bytes, now));
      yield* createReadStream(join(dir, entry.file));
    }
    yield gzipSync(TAR_END);
  }, createWriteStream(path));
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
