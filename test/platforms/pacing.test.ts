/** The pacer's budgets in points: Bluesky weighs a create 3 and a read 0 against 5,000 points an hour. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blueskyPlatform } from '../../src/platforms/bluesky/blueskyConnector.js';
import { Pacer } from '../../src/platforms/proxy/pacing.js';

test('a budget in points: writes take their weight, reads none, and the call past the budget waits for its points', () => {
  const hour = 3_600_000;
  assert.deepEqual(blueskyPlatform.budgets?.account, { count: 5000, intervalMs: hour }, "Bluesky's documented budget");
  const pacer = new Pacer((k) => (k === 'bluesky:a' ? { count: 6, intervalMs: hour } : undefined));
  const now = 1_000_000;
  assert.equal(pacer.reserve('bluesky', 'a', now, 3), 0);
  assert.equal(pacer.reserve('bluesky', 'a', now, 0), 0, 'a read takes no points');
  assert.equal(pacer.reserve('bluesky', 'a', now, 3), 0);
  assert.equal(pacer.reserve('bluesky', 'a', now, 0), 0, 'a read goes even with the points spent');
  // Three more points refill in half the hour (6 an hour).
  assert.equal(pacer.reserve('bluesky', 'a', now, 3), hour / 2);
});
