import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { HubClient, HubError } from '../../src/client/hubClient.js';
import { freePort } from '../helpers/processes.js';
import { Reconnect } from '../../src/worker/reconnect.js';

const log = pino({ level: 'silent' });
const top = () => 1;

/** The error a request to a port nothing listens on really gets. */
async function refused(): Promise<HubError> {
  const client = new HubClient(`http://127.0.0.1:${await freePort()}`, 'x');
  const e = await client.get('/v1/health').then(
    () => assert.fail('nothing listens there'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof HubError);
  return e;
}

test('a refused connection is retried at the first step however often it fails', async () => {
  const r = new Reconnect('claims', 20);
  const e = await refused();
  for (let i = 0; i < 6; i++) await r.wait(e, log);
  assert.equal(r.delayMs(top), 20, 'still the first step after six refusals');
});

test('other failures double the wait up to the cap; a success resets it', async () => {
  const r = new Reconnect('results', 1, 8);
  const e = new HubError(503, 'shutting_down', 'the hub is shutting down');
  const steps: number[] = [];
  for (let i = 0; i < 5; i++) {
    steps.push(r.delayMs(top));
    await r.wait(e, log);
  }
  assert.deepEqual(steps, [1, 2, 4, 8, 8]);
  r.succeeded(log);
  assert.equal(r.delayMs(top), 1);
});

test('wake() ends a wait at once', async () => {
  const r = new Reconnect('results', 60_000, 60_000);
  const started = Date.now();
  const waiting = r.wait(new HubError(500, 'internal', 'boom'), log);
  r.wake();
  await waiting;
  assert.ok(Date.now() - started < 5000, 'woken long before its 30 to 60 s wait');
});
