import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

// Drawing random bytes in bulk keeps id generation off the crypto call on every job.
let pool = Buffer.alloc(0);
let offset = 0;
function randomChunk(n: number): Buffer {
  if (offset + n > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const chunk = pool.subarray(offset, offset + n);
  offset += n;
  return chunk;
}

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

let lastTime = -1;
let counter = 0;
/**
 * Job ids sort by creation time (10 chars of milliseconds, a per-millisecond counter, then
 * randomness), so listing newest first is an index scan and `cursor` is just the last id seen.
 */
export function jobId(now: number = Date.now()): string {
  if (now === lastTime) counter++;
  else {
    lastTime = now;
    counter = 0;
  }
  const rnd = randomChunk(6);
  let tail = '';
  for (const b of rnd) tail += ALPHABET[b & 31];
  return `job_${encodeTime(now)}${counter.toString(32).padStart(4, '0')}${tail}`;
}

/**
 * The lowest id a job created at `ms` or later can have: ids start with their creation time, so a
 * time range of jobs is an id range, read from the primary key.
 */
export function jobIdFloor(ms: number): string {
  return `job_${encodeTime(ms)}`;
}

/** Random url-safe text for secrets and lease tokens. */
export function randomText(bytes: number): string {
  return randomChunk(bytes).toString('base64url');
}
