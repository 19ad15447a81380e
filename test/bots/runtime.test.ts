import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HubError } from '../../src/client/hubClient.js';
import type { SandboxPost } from '../../src/types.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { getBot, until, writeBot } from './botHelpers.js';

let t: TestHub;
let src: string;
before(async () => {
  // A bot silent for 3 s is judged stuck: short enough for the busy-loop test, long enough that a
  // healthy bot on a loaded test machine is not (at 1 s, one was, now and then).
  t = await startTestHub({ botHangMs: 3000, botPollMs: 200 });
  src = join(t.dataDir, 'src');
});
after(() => t.close());

const create = (name: string, body: string) => t.admin.post(`/v1/bots`, { name, from: writeBot(src, name, body) });

test(
  'a bot in a busy loop is terminated and restarted, and another bot keeps its schedule',
  { timeout: 60_000 },
  async () => {
    await create(
      'ticker',
      `{ name: 'ticker', schedule: '* * * * * *', async onSchedule(ctx) { await ctx.state.set('ticks', ((await ctx.state.get('ticks')) ?? 0) + 1); } }`,
    );
    await create('spinner', `{ name: 'spinner', onStart() { for (;;) {} } }`);
    const spun = await until('the spinning bot restarted twice', async () => {
      const b = await getBot(t.admin, 'spinner');
      return b.restarts >= 2 && b;
    });
    assert.match(spun.lastError!, /did not answer .*busy loop/);
    const before = (await getBot(t.admin, 'ticker')).runs;
    await until(
      'the ticker ran twice more while the spinner spun',
      async () => (await getBot(t.admin, 'ticker')).runs >= before + 2,
    );
    const ticker = await getBot(t.admin, 'ticker');
    assert.equal(ticker.restarts, 0, 'the healthy bot was never restarted');
    const { lines } = await t.admin.get<{ lines: Array<{ msg: string }> }>('/v1/bots/spinner/logs');
    assert.ok(
      lines.some((l) => /busy loop/.test(l.msg)),
      'the kill is in the bot log',
    );
    await t.admin.request('DELETE', '/v1/bots/spinner');
    await t.admin.request('DELETE', '/v1/bots/ticker');
  },
);

test(
  'a handler that throws restarts its bot; the ask is answered once after the retry, via the ledger',
  { timeout: 60_000 },
  async () => {
    await create(
      'flaky',
      `{ name: 'flaky', async onAsk(event, ctx) {
        const tries = ((await ctx.state.get('tries')) ?? 0) + 1;
        await ctx.state.set('tries', tries);
        await ctx.reply(event.post, 'first answer', { key: 'ask:' + event.post.id });
        if (tries === 1) throw new Error('flaky failure after posting');
        ctx.log.info('answered', { ask: event.post.id });
      } }`,
    );
    const ask = await t.admin.post<SandboxPost>('/v1/sandbox/asks', {
      from: 'alice',
      to: 'flaky',
      text: 'are you there?',
    });
    await until('the ask was handled twice', async () =>
      (await t.admin.get<{ lines: Array<{ msg: string }> }>('/v1/bots/flaky/logs')).lines.some(
        (l) => l.msg === 'answered',
      ),
    );
    const bot = await getBot(t.admin, 'flaky');
    assert.equal(bot.restarts, 1);
    assert.match(bot.lastError!, /onAsk failed: flaky failure after posting/);
    const { posts } = await t.admin.get<{ posts: SandboxPost[] }>('/v1/sandbox/posts?limit=50');
    assert.equal(
      posts.filter((p) => p.replyTo === ask.id).length,
      1,
      'the retried handler did not post a second answer',
    );
  },
);

test('pause, resume and destroy: destroy removes the state and feeds the bot owns', { timeout: 60_000 }, async () => {
  await create(
    'counter',
    `{ name: 'counter', async onMention(event, ctx) { await ctx.feeds.publish('counter.seen', event.post.text); await ctx.state.set('last', event.post.text); } }`,
  );
  await until('counter is running', async () => (await getBot(t.admin, 'counter')).running);
  const paused = await t.admin.post<{ paused: boolean; running: boolean }>('/v1/bots/counter/pause');
  assert.deepEqual([paused.paused, paused.running], [true, false]);
  await t.admin.post('/v1/sandbox/posts', { author: 'bob', text: 'hi @counter' });
  const botToken = await t.as('bot');
  assert.deepEqual(
    (await botToken.get<{ state: object }>('/v1/bots/counter/state')).state,
    {},
    'a paused bot does nothing',
  );
  await t.admin.post('/v1/bots/counter/resume');
  await until(
    'the resumed bot handled the mention made while it was paused',
    async () =>
      (await botToken.get<{ state: { last?: string } }>('/v1/bots/counter/state')).state.last === 'hi @counter',
  );
  const items = await botToken.get<{ items: unknown[] }>('/v1/feeds/counter.seen/items?consumer=x');
  assert.equal(items.items.length, 1);
  await t.admin.request('DELETE', '/v1/bots/counter');
  const gone = await getBot(t.admin, 'counter').catch((e: HubError) => e);
  assert.equal((gone as HubError).status, 404);
  assert.deepEqual(
    (await botToken.get<{ items: unknown[] }>('/v1/feeds/counter.seen/items?consumer=x')).items,
    [],
    'its feed went with it',
  );
  const refused = await botToken.post('/v1/bots/x/pause').catch((e: HubError) => e);
  assert.equal((refused as HubError).status, 403, 'a bot token cannot manage bots');
});
