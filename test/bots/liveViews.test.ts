import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BotLogLine, BotView, SandboxPost } from '../../src/types.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { until, writeBot } from './botHelpers.js';

// What the dashboard's bot and sandbox pages read: a bot's schedule, next run, recent runs and
// posts made; a live tail of its log; the sandbox timeline as it grows.

let t: TestHub;
let src: string;
before(async () => {
  t = await startTestHub({ botPollMs: 200 });
  src = join(t.dataDir, 'src');
});
after(() => t.close());

const create = (name: string, body: string) =>
  t.admin.post<BotView>(`/v1/bots`, { name, from: writeBot(src, name, body) });

/** Reads an event stream until `done` says it has what it needs. */
async function collect<T>(
  path: string,
  event: string,
  done: (seen: T[]) => boolean,
  onOpen: (seen: T[]) => Promise<void> | void = () => {},
): Promise<T[]> {
  const seen: T[] = [];
  const abort = new AbortController();
  let opened = false;
  await t.admin.events(
    path,
    (e, data) => {
      if (e !== event) return;
      seen.push(data as T);
      if (done(seen)) abort.abort();
      else if (!opened) {
        opened = true;
        void onOpen(seen);
      }
    },
    abort.signal,
  );
  return seen;
}

test('a bot shows its schedule, its next run, its recent runs and the posts it made', { timeout: 30_000 }, async () => {
  await create(
    'greeter',
    `{ name: 'greeter', schedule: '0 9 * * *', timezone: 'Europe/Berlin', async onSchedule(ctx) { await ctx.post('good morning, harbour'); } }`,
  );
  const idle = await until('greeter running', async () => {
    const b = await t.admin.get<BotView>('/v1/bots/greeter');
    return b.running && b;
  });
  assert.deepEqual(
    [idle.schedule, idle.timezone, idle.account, idle.postsMade, idle.recentRuns],
    ['0 9 * * *', 'Europe/Berlin', 'greeter', 0, []],
  );
  const nine = new Date(idle.nextRunAt!);
  assert.ok(idle.nextRunAt! > Date.now(), 'the next run is ahead');
  assert.equal(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(nine),
    '09:00',
  );
  const ran = await t.admin.post<BotView>('/v1/bots/greeter/run', undefined, { timeoutMs: 20_000 });
  assert.equal(ran.postsMade, 1);
  assert.equal(ran.recentRuns.length, 1);
  assert.deepEqual([ran.recentRuns[0]!.handler, ran.recentRuns[0]!.error], ['onSchedule', null]);
  const paused = await t.admin.post<BotView>('/v1/bots/greeter/pause');
  assert.deepEqual(
    [paused.running, paused.nextRunAt, paused.recentRuns.length],
    [false, null, 1],
    'recent runs outlive a pause',
  );
});

test("a bot's log tail opens with its last lines, then sends each new one once", { timeout: 30_000 }, async () => {
  await create(
    'chatty',
    `{ name: 'chatty', async onStart(ctx) { ctx.log.info('woke up'); }, async onAsk(event, ctx) { ctx.log.warn('asked', { text: event.post.text }); } }`,
  );
  await until(
    'the start line is stored',
    async () => (await t.admin.get<{ lines: BotLogLine[] }>('/v1/bots/chatty/logs')).lines.length > 0,
  );
  const lines = await collect<BotLogLine>(
    '/v1/bots/chatty/logs/events',
    'log',
    (seen) => seen.length >= 2,
    () => t.admin.post('/v1/sandbox/asks', { from: 'alice', to: 'chatty', text: 'ahoy?' }),
  );
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      ['info', 'woke up'],
      ['warn', 'asked'],
    ],
  );
  assert.deepEqual(lines[1]!.data, { text: 'ahoy?' });
  assert.ok(lines[1]!.id > lines[0]!.id);
});

test('the sandbox stream opens with the newest posts, oldest first, then each new post', async () => {
  for (const text of ['one', 'two']) await t.admin.post('/v1/sandbox/posts', { author: 'poet', text });
  const posts = await collect<SandboxPost>(
    '/v1/sandbox/posts/events',
    'post',
    (seen) => seen.some((p) => p.text === 'three'),
    () => t.admin.post('/v1/sandbox/posts', { author: 'poet', text: 'three' }),
  );
  const mine = posts.filter((p) => p.author === 'poet').map((p) => p.text);
  assert.deepEqual(mine, ['one', 'two', 'three']);
  assert.equal(new Set(posts.map((p) => p.id)).size, posts.length, 'no post twice');
});
