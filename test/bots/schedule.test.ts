import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../../src/bots/clock.js';
import { Schedule } from '../../src/bots/schedule.js';

/** A clock moved by hand: advancing it fires the timers that came due, in order. */
class FakeClock implements Clock {
  private timers: Array<{ at: number; fn: () => void }> = [];
  constructor(private t: number) {}
  now = () => this.t;
  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((x) => x !== timer));
  }
  async advanceTo(at: number): Promise<void> {
    for (;;) {
      const next = this.timers.filter((x) => x.at <= at).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = at;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function schedule(
  clock: FakeClock,
  cron: string,
  opts: { missed?: 'skip' | 'once'; last?: number | null; hold?: boolean } = {},
) {
  const fired: string[] = [];
  const skipped: string[] = [];
  let release: () => void = () => undefined;
  const s = new Schedule({
    cron,
    timezone: 'Europe/Berlin',
    missed: opts.missed ?? 'skip',
    clock,
    lastScheduledAt: opts.last ?? null,
    run: async (at) => {
      fired.push(iso(at));
      if (opts.hold) await new Promise<void>((r) => (release = r));
    },
    skipped: (at) => skipped.push(iso(at)),
  });
  s.start();
  return { fired, skipped, stop: () => s.stop(), release: () => release() };
}

test('a daily 09:00 Berlin schedule keeps 09:00 local across the spring DST change', async () => {
  const clock = new FakeClock(Date.parse('2024-03-29T12:00:00Z'));
  const s = schedule(clock, '0 9 * * *');
  await clock.advanceTo(Date.parse('2024-04-02T00:00:00Z'));
  s.stop();
  // CET is UTC+1 until 31 March 02:00, CEST UTC+2 after.
  assert.deepEqual(s.fired, ['2024-03-30T08:00:00.000Z', '2024-03-31T07:00:00.000Z', '2024-04-01T07:00:00.000Z']);
});

test('across the autumn change each local time runs once: the repeated 02:30 is not run twice', async () => {
  const clock = new FakeClock(Date.parse('2024-10-26T23:10:00Z'));
  const s = schedule(clock, '30 * * * *');
  await clock.advanceTo(Date.parse('2024-10-27T03:00:00Z'));
  s.stop();
  // 01:30 CEST, then 02:30 once (in CET, the second time the clock shows it), then 03:30 CET.
  assert.deepEqual(s.fired, ['2024-10-26T23:30:00.000Z', '2024-10-27T01:30:00.000Z', '2024-10-27T02:30:00.000Z']);
});

test('a daily 02:30 run on the spring change day, when 02:30 does not exist, runs once at 03:30', async () => {
  const clock = new FakeClock(Date.parse('2024-03-30T00:00:00Z'));
  const s = schedule(clock, '30 2 * * *');
  await clock.advanceTo(Date.parse('2024-04-01T12:00:00Z'));
  s.stop();
  assert.deepEqual(s.fired, ['2024-03-30T01:30:00.000Z', '2024-03-31T01:30:00.000Z', '2024-04-01T00:30:00.000Z']);
});

test('runs come from the schedule, not from when the last run ended, and never overlap', async () => {
  const clock = new FakeClock(Date.parse('2024-01-01T00:00:30Z'));
  const s = schedule(clock, '* * * * *', { hold: true });
  await clock.advanceTo(Date.parse('2024-01-01T00:03:10Z'));
  assert.deepEqual(s.fired, ['2024-01-01T00:01:00.000Z'], 'the first run is still going');
  assert.deepEqual(s.skipped, ['2024-01-01T00:02:00.000Z', '2024-01-01T00:03:00.000Z']);
  s.release();
  await new Promise((r) => setImmediate(r)); // the run's end is seen on the next turn
  await clock.advanceTo(Date.parse('2024-01-01T00:04:00Z'));
  s.stop();
  assert.deepEqual(
    s.fired.at(-1),
    '2024-01-01T00:04:00.000Z',
    'the next run is on its slot, not a minute after the long run ended',
  );
});

test('after downtime: skip waits for the next slot; once runs one missed slot at start', async () => {
  const last = Date.parse('2024-01-01T09:00:00Z');
  const at = Date.parse('2024-01-04T12:00:00Z');
  const skip = schedule(new FakeClock(at), '0 10 * * *', { missed: 'skip', last });
  assert.deepEqual(skip.fired, []);
  skip.stop();
  const once = schedule(new FakeClock(at), '0 10 * * *', { missed: 'once', last });
  assert.deepEqual(
    once.fired,
    ['2024-01-02T09:00:00.000Z'],
    'three missed days give one catch-up run, for the first missed slot',
  );
  once.stop();
  const fresh = schedule(new FakeClock(at), '0 10 * * *', { missed: 'once', last: null });
  assert.deepEqual(fresh.fired, [], 'a bot that never ran has nothing to catch up');
  fresh.stop();
});
