/**
 * The small part of tar an archive needs: POSIX ustar headers for regular files, written and read
 * as a stream. The reader accepts regular files only and checks every header's checksum; `tar`
 * itself lists and extracts what the writer makes (test/store/archive/tar.test.ts checks that).
 *
 * Kept rather than tar-stream 3.2.2 (measured 2026-12, docs/benchmarks.md "tar: ours or tar-stream"):
 * its pack() writes a header only followed by the entry's bytes and does not export its header
 * encoder, so the export's layout (a section compressed once, its header a gzip member of its own
 * written after) cannot be made with it; its extract() accepts a tar without its end marker, with
 * data after it, or with zero blocks between entries, so an archive cut between gzip members would
 * import. No speed to gain: 200 MB read through gunzip ran at 247-333 MB/s here, 181-324 MB/s with it
 * (three runs, 2 loaded cores); it adds 13 packages (7.0 MB), the Bare runtime's bare-fs and bare-url among them.
 */

const BLOCK = 512;
/** The largest size an 11-digit octal field holds; larger sizes use the base-256 form GNU tar reads. */
const MAX_OCTAL = 8 ** 11 - 1;

/** Two empty blocks end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

export function tarHeader(name: string, size: number, mtimeMs: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  if (size <= MAX_OCTAL) h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  else {
    h[124] = 0x80;
    for (let i = 135, n = size; i > 124; i--, n = Math.floor(n / 256)) h[i] = n % 256;
  }
  h.write(
    Math.floor(mtimeMs / 1000)
      .toString(8)
      .padStart(11, '0') + '\0',
    136,
    'ascii',
  );
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(checksum(h).toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/** Zeros that bring an entry of `size` bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

function octal(h: Buffer, at: number, length: number): number {
  const text = h
    .toString('ascii', at, at + length)
    .replace(/[\0 ]+$/, '')
    .trim();
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : NaN;
}

function sizeOf(h: Buffer): number {
  if ((h[124]! & 0x80) === 0) return octal(h, 124, 12);
  let n = 0;
  for (let i = 125; i < 136; i++) n = n * 256 + h[i]!;
  return n;
}

function cString(h: Buffer, at: number, length: number): string {
  const end = h.indexOf(0, at);
  return h.toString('utf8', at, end === -1 || end > at + length ? at + length : end);
}

/** What receives one entry's bytes; the reader waits for each promise, so a slow sink slows it. */
export interface TarSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

/** Why a tar stream cannot be read; the archive code adds the file name and says it is damaged. */
export class TarError extends Error {
  override name = 'TarError';
}

/** Reads a tar stream entry by entry, handing each regular file to the sink `open` returns. */
export async function readTar(
  source: AsyncIterable<Buffer>,
  open: (name: string, size: number) => TarSink | Promise<TarSink>,
): Promise<void> {
  let header = Buffer.alloc(0);
  let entry: { name: string; sink: TarSink; left: number; pad: number } | null = null;
  let ended = false;
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      if (ended) {
        if (chunk.subarray(at).some((b) => b !== 0)) throw new TarError('data follows the end of the tar');
        break;
      }
      if (entry) {
        if (entry.left > 0) {
          const take = Math.min(entry.left, chunk.length - at);
          await entry.sink.write(chunk.subarray(at, at + take));
          entry.left -= take;
          at += take;
          if (entry.left === 0) await entry.sink.end();
          continue;
        }
        const skip = Math.min(entry.pad, chunk.length - at);
        entry.pad -= skip;
        at += skip;
        if (entry.pad === 0) entry = null;
        continue;
      }
      const take = Math.min(BLOCK - header.length, chunk.length - at);
      header = Buffer.concat([header, chunk.subarray(at, at + take)]);
      at += take;
      if (header.length < BLOCK) continue;
      const h = header;
      header = Buffer.alloc(0);
      if (h.every((b) => b === 0)) {
        ended = true;
        continue;
      }
      entry = await openEntry(h, open);
      if (entry.left === 0) await entry.sink.end();
    }
  }
  if (entry || header.length > 0) throw new TarError(`the tar ends inside ${entry ? entry.name : 'a header'}`);
  if (!ended) throw new TarError('the tar ends without its end marker');
}

async function openEntry(h: Buffer, open: (name: string, size: number) => TarSink | Promise<TarSink>) {
  if (octal(h, 148, 8) !== checksum(h)) throw new TarError('a tar header fails its checksum');
  const prefix = h.toString('ascii', 257, 262) === 'ustar' ? cString(h, 345, 155) : '';
  const name = (prefix ? prefix + '/' : '') + cString(h, 0, 100);
  const type = String.fromCharCode(h[156]!);
  if (type !== '0' && type !== '\0') throw new TarError(`the tar holds ${name} of type '${type}', not a regular file`);
  const size = sizeOf(h);
  if (!Number.isSafeInteger(size)) throw new TarError(`the tar header of ${name} has no readable size`);
  return { name, sink: await open(name, size), left: size, pad: tarPadding(size).length };
}
