/**
 * The record key of a post Roost makes on Bluesky, chosen before sending so that a retry after a
 * crash can look the record up instead of posting twice. It is TID-shaped, as app.bsky.feed.post
 * keys must be (atproto.com/specs/tid: 13 characters of base32-sortable; a zero bit, 53 bits of
 * microseconds since the epoch, 10 bits of clock id): the time is the ledger intent's, the
 * sub-millisecond digits and the clock id come from its idempotency key, so the same intent
 * always gives the same key and two intents of one millisecond almost never share one.
 */
import { createHash } from 'node:crypto';
import type { SendIntent } from '../connector.js';

const ALPHABET = '234567abcdefghijklmnopqrstuvwxyz';

export function tidFor(intent: Pick<SendIntent, 'createdAt' | 'idempotencyKey'>): string {
  const h = createHash('sha256').update(intent.idempotencyKey).digest();
  const micros = BigInt(intent.createdAt) * 1000n + BigInt(h.readUInt16BE(0) % 1000);
  const clockId = BigInt(h.readUInt16BE(2) % 1024);
  let n = (micros << 10n) | clockId;
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = ALPHABET[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}
