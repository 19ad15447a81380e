import type { ByteRange } from './backend.js';

/**
 * One HTTP byte range (`bytes=0-99`, `bytes=100-`, `bytes=-100`) of a `size`-byte body: the range,
 * `'unsatisfiable'` (416) or `null` to send the whole body (no header, another unit, or several
 * ranges, which a server may answer whole).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
