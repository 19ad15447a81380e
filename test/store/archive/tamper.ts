/** Edits an archive's files and writes it back as valid gzip and tar, to make archives damaged in one way only. */
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { createGunzip, gzipSync } from 'node:zlib';
import type { Manifest } from '../../../src/store/archive/manifest.js';
import { readTar, TAR_END, tarHeader, tarPadding } from '../../../src/store/archive/tar.js';

export type Files = Map<string, Buffer>;

export async function readFiles(file: string): Promise<Files> {
  const files: Files = new Map();
  await readTar(createReadStream(file).pipe(createGunzip()), (name) => {
    const chunks: Buffer[] = [];
    return { write: (c) => void chunks.push(c), end: () => void files.set(name, Buffer.concat(chunks)) };
  });
  return files;
}

export function writeFiles(file: string, files: Files): void {
  const parts: Buffer[] = [];
  for (const [name, bytes] of files)
    parts.push(tarHeader(name, bytes.length, Date.now()), bytes, tarPadding(bytes.length));
  writeFileSync(file, gzipSync(Buffer.concat([...parts, TAR_END])));
}

export function manifestOf(files: Files): Manifest {
  return JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
}

export function setManifest(files: Files, manifest: Manifest): void {
  files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
}

/** Makes the manifest agree with a section file that was edited: size, SHA-256, record count. */
export function reseal(files: Files, section: string): void {
  const m = manifestOf(files);
  const entry = m.sections.find((s) => s.name === section)!;
  const bytes = files.get(entry.file)!;
  entry.bytes = bytes.length;
  entry.sha256 = createHash('sha256').update(bytes).digest('hex');
  entry.records = bytes.toString().split('\n').length - 1;
  setManifest(files, m);
}

/** `edit` changes the files; the result is written to `out`. */
export async function tamper(file: string, out: string, edit: (files: Files) => void): Promise<string> {
  const files = await readFiles(file);
  edit(files);
  writeFiles(out, files);
  return out;
}
