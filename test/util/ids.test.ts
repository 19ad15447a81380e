import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobId, jobIdFloor } from '../../src/util/ids.js';
import { jsonInTurns } from '../../src/util/inTurns.js';

// Job ids are written byte by byte (one flat string, no rope); batch replies as one Buffer built a
// slice a turn. Both must be exactly what the plain spelling gives.

test('job ids: job_, ten characters of time, a four-character counter, six of randomness; they sort by time', () => {
  const at = Date.UTC(2026, 11, 7, 23, 30);
  const ids = Array.from({ length: 40 }, (_, k) => jobId(at + Math.floor(k / 10)));
  for (const id of ids) assert.match(id, /^job_[0-9A-HJKMNP-TV-Z]{10}[0-9a-v]{4}[0-9A-HJKMNP-TV-Z]{6}$/i);
  assert.deepEqual([...ids].sort(), ids, 'ids sort in the order they were made');
  assert.equal(new Set(ids).size, ids.length);
  // The time part is the floor a listing by time starts from.
  assert.equal(ids[0]!.slice(0, 14), jobIdFloor(at));
  assert.ok(ids[10]! > jobIdFloor(at + 1) && ids[9]! < jobIdFloor(at + 1));
});

test('a batch reply built a slice a turn is byte for byte JSON.stringify of the list', async () => {
  const item = (k: number) => ({ id: `j${k}`, text: k % 3 === 0 ? 'é"\\\n😀' : 'plain', n: k, none: null });
  for (const length of [0, 1, 99, 100, 101, 250]) {
    const items = Array.from({ length }, (_, k) => item(k));
    const out = await jsonInTurns('{"jobs":', items, 100, '}');
    assert.equal(out.toString('utf8'), `{"jobs":${JSON.stringify(items)}}`, `${length} items`);
  }
});
