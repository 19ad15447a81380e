import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { checkManifest, MANIFEST_FILE, type Manifest, type SectionEntry } from './manifest.js';
import type { Progress } from './progress.js';
import { recordProblem, type ArchiveRecord } from './records.js';
import { sectionNamed, type Section } from './sections.js';
import { readTar, TarError, type TarSink } from './tar.js';

/** Records are handed over this many at a time (and sooner when their lines add up to BATCH_BYTES). */
const BATCH_RECORDS = 1000;
const BATCH_BYTES = 1 << 20;
const MAX_MANIFEST_BYTES = 1 << 20;

export interface ReadOptions {
  progress: Progress;
  /** What the progress says is done: `check` (reading it through) or `import`. */
  step: 'check' | 'import';
  /** Receives the records of each section in order, in batches; awaited, so it sets the pace. */
  records?: (section: Section, batch: ArchiveRecord[]) => Promise<void>;
}

/**
 * Reads an archive (gzip, tar, manifest first, then one JSON Lines file per section), checking it
 * all: gzip's own CRC, tar header checksums, that the files are exactly those the manifest lists,
 * each one's size, SHA-256 and record count, and that every line is a record of its section.
 * Throws saying what is damaged. Returns the manifest once everything has been read and found
 * whole; records reach `options.records` before their file's checksum is known, so a caller that
 * writes them reads the archive through once without writing first.
 */
export async function readArchive(file: string, options: ReadOptions): Promise<Manifest> {
  const damaged = (what: string) => new Error(`the archive ${file} is damaged: ${what}`);
  let manifest: Manifest | null = null;
  const seen = new Set<string>();
  const open = (name: string, size: number): TarSink => {
    if (!manifest) {
      if (name !== MANIFEST_FILE)
        throw damaged(`it does not start with ${MANIFEST_FILE} (it starts with ${name}); is it a Roost archive?`);
      if (size > MAX_MANIFEST_BYTES) throw damaged(`its ${MANIFEST_FILE} is ${size} bytes`);
      return manifestSink(file, (m) => (manifest = m));
    }
    const entry = manifest.sections.find((s) => s.file === name);
    if (!entry) throw damaged(`it holds ${name}, which its manifest does not list`);
    if (seen.has(name)) throw damaged(`it holds ${name} twice`);
    seen.add(name);
    if (size !== entry.bytes) throw damaged(`${name} is ${size} bytes; the manifest says ${entry.bytes}`);
    return sectionSink(entry, damaged, options);
  };
  const bytes = createReadStream(file);
  const gunzip = createGunzip();
  bytes.on('error', (e) => gunzip.destroy(e));
  try {
    await readTar(bytes.pipe(gunzip), open);
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code === 'ENOENT') throw new Error(`no archive at ${file}`);
    if (e instanceof TarError) throw damaged(e.message);
    if (code.startsWith('Z_')) throw damaged(`its gzip stream is broken (${(e as Error).message})`);
    throw e;
  }
  if (!manifest) throw damaged('it holds no manifest');
  const missing = (manifest as Manifest).sections.filter((s) => !seen.has(s.file));
  if (missing.length > 0) throw damaged(`it lacks ${missing.map((s) => s.file).join(', ')}, which its manifest lists`);
  return manifest;
}

function manifestSink(file: string, done: (m: Manifest) => void): TarSink {
  const chunks: Buffer[] = [];
  return {
    write: (chunk) => void chunks.push(chunk),
    end: () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        throw new Error(`the archive ${file} is damaged: its ${MANIFEST_FILE} is not JSON`);
      }
      done(checkManifest(parsed, `the archive ${file}`));
    },
  };
}

function sectionSink(entry: SectionEntry, damaged: (what: string) => Error, options: ReadOptions): TarSink {
  const section = sectionNamed(entry.name)!;
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let lines = 0;
  let lastByte = 0x0a;
  let partial = '';
  let batch: ArchiveRecord[] = [];
  let batchBytes = 0;
  options.progress.start(options.step, entry.name, entry.records);
  const flush = async () => {
    if (batch.length === 0) return;
    const full = batch;
    batch = [];
    batchBytes = 0;
    await options.records?.(section, full);
  };
  return {
    async write(chunk) {
      hash.update(chunk);
      lastByte = chunk[chunk.length - 1]!;
      const text = partial + decoder.write(chunk);
      const split = text.split('\n');
      partial = split.pop()!;
      for (const line of split) {
        lines++;
        batch.push(parseRecord(section, line, lines, damaged));
        batchBytes += line.length;
        if (batch.length >= BATCH_RECORDS || batchBytes >= BATCH_BYTES) await flush();
      }
      options.progress.update(lines);
    },
    async end() {
      if (hash.digest('hex') !== entry.sha256) throw damaged(`${entry.file} does not match the sha256 in its manifest`);
      if (lastByte !== 0x0a || partial !== '') throw damaged(`${entry.file} does not end with a complete line`);
      if (lines !== entry.records)
        throw damaged(`${entry.file} holds ${lines} records; the manifest says ${entry.records}`);
      await flush();
      options.progress.end();
    },
  };
}

function parseRecord(section: Section, line: string, n: number, damaged: (what: string) => Error): ArchiveRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw damaged(`line ${n} of ${section.name}.jsonl is not JSON`);
  }
  const problem = recordProblem(section, value);
  if (problem) throw damaged(`line ${n} of ${section.name}.jsonl is not a ${section.name} record: ${problem}`);
  return value as ArchiveRecord;
}
