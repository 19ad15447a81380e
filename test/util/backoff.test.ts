import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BACKOFF, retryDelay } from '../../src/util/backoff.js';
import { parseRoute, routeOf, serves } from '../../src/broker/taskRoutes.js';

const exact = { ...DEFAULT_BACKOFF, jitter: false };

test('exponential backoff doubles per attempt up to the cap', () => {
  assert.deepEqual(
    [1, 2, 3, 4].map((a) => retryDelay(exact, a)),
    [1000, 2000, 4000, 8000],
  );
  assert.equal(retryDelay(exact, 30), 60_000);
  assert.equal(retryDelay(exact, 10_000), 60_000);
});

test('fixed backoff stays put', () => {
  assert.deepEqual(
    [1, 5].map((a) => retryDelay({ ...exact, type: 'fixed', delayMs: 250 }, a)),
    [250, 250],
  );
});

test('jitter draws from [d/2, d]', () => {
  assert.equal(
    retryDelay(DEFAULT_BACKOFF, 3, () => 0),
    2000,
  );
  assert.equal(
    retryDelay(DEFAULT_BACKOFF, 3, () => 0.999999),
    4000,
  );
  for (let i = 0; i < 100; i++) {
    const d = retryDelay(DEFAULT_BACKOFF, 2);
    assert.ok(d >= 1000 && d <= 2000, String(d));
  }
});

test('routes carry the required labels and round-trip', () => {
  assert.equal(routeOf('text.gen', null), 'text.gen');
  assert.equal(routeOf('text.gen', {}), 'text.gen');
  const r = routeOf('text.gen', { vram: '24', model: 'a b&c' });
  assert.equal(r, routeOf('text.gen', { model: 'a b&c', vram: '24' }), 'label order must not matter');
  assert.deepEqual(parseRoute(r), { kind: 'text.gen', requires: { model: 'a b&c', vram: '24' }, key: null });
  const keyed = routeOf('text.gen', { model: 'a#b' }, 'bot:frank#1');
  assert.deepEqual(parseRoute(keyed), { kind: 'text.gen', requires: { model: 'a#b' }, key: 'bot:frank#1' });
});

test('a worker serves a route when it offers the kind with every required label', () => {
  const caps = [{ kind: 'img', labels: { model: 'sd', vram: '24' } }];
  assert.equal(serves(caps, 'img', {}), true);
  assert.equal(serves(caps, 'img', { model: 'sd' }), true);
  assert.equal(serves(caps, 'img', { model: 'xl' }), false);
  assert.equal(serves(caps, 'text', {}), false);
});
