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
/** Where an id is written byte by byte: one flat string, where `job_${...}` made a rope of four. */
const ID = Buffer.from('job_00000000000000000000', 'latin1');
const CROCKFORD = Buffer.from(ALPHABET, 'latin1');
const BASE32 = Buffer.from('0123456789abcdefghijklmnopqrstuv', 'latin1'); // Number#toString(32)

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
  // Over 32^4 ids in one millisecond the counter takes a fifth character.
  if (counter >= 32 ** 4) return `job_${encodeTime(now)}${counter.toString(32)}${tailOf(rnd)}`;
  let ms = now;
  for (let i = 13; i >= 4; i--) {
    ID[i] = CROCKFORD[ms % 32]!;
    ms = Math.floor(ms / 32);
  }
  for (let i = 17, c = counter; i >= 14; i--, c >>>= 5) ID[i] = BASE32[c & 31]!;
  for (let i = 0; i < 6; i++) ID[18 + i] = CROCKFORD[rnd[i]! & 31]!;
  return ID.toString('latin1');
}

function tailOf(rnd: Buffer): string {
  let tail = '';
  for (const b of rnd) tail += ALPHABET[b & 31];
  return tail;
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
