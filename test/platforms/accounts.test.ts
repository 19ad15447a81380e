import assert from 'node:assert/strict';
import { rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HubError } from '../../src/client/hubClient.js';
import { openPlatformStore } from '../../src/store/openBotStores.js';
import { allPosts, getBot, until, writeBot } from '../bots/botHelpers.js';
import { MastodonFake } from '../fixtures/mastodonFake.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

let t: TestHub;
let fake: MastodonFake;
let src: string;
before(async () => {
  t = await startTestHub({ botPollMs: 100 });
  src = join(t.dataDir, 'src');
  fake = await new MastodonFake().start();
  fake.addAccount('echoer', 'echo-token');
  fake.addAccount('alice', 'alice-token');
});
after(async () => {
  await fake.close();
  await t.close();
});

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => {
      assert.ok(e instanceof HubError, String(e));
      return [e.status, e.field];
    },
  );

type BotView = Awaited<ReturnType<typeof getBot>> & { pausedReason: string | null; waitingFor: string | null };
const bot = (name: string) => t.admin.get<BotView>(`/v1/bots/${name}`);

test('accounts: bad input is refused naming the field; credentials are checked, sealed, and never shown', async () => {
  assert.deepEqual(await refusal(t.admin.post('/v1/accounts', { platform: 'myspace', name: 'x' })), [400, 'platform']);
  assert.deepEqual(await refusal(t.admin.post('/v1/accounts', { platform: 'mastodon', name: 'x' })), [
    400,
    'credentials',
  ]);
  assert.deepEqual(
    await refusal(t.admin.post('/v1/accounts', { platform: 'mastodon', name: 'x', credentials: { accessToken: 't' } })),
    [400, 'instance'],
  );
  const revoked = { platform: 'mastodon', name: 'x', instance: fake.url, credentials: { accessToken: 'revoked' } };
  assert.deepEqual(await refusal(t.admin.post('/v1/accounts', revoked)), [400, 'credentials']);
  assert.deepEqual((await t.admin.get<{ accounts: unknown[] }>('/v1/accounts')).accounts, [], 'nothing stored');

  const added = await t.admin.post<{ identity: { handle: string } }>('/v1/accounts', {
    platform: 'mastodon',
    name: 'masto',
    instance: fake.url,
    credentials: { accessToken: 'alice-token' },
  });
  assert.equal(added.identity.handle, '@alice');
  const tested = await t.admin.post<{ identity: { handle: string }; capabilities: { maxText: number } }>(
    '/v1/accounts/masto/test',
  );
  assert.deepEqual([tested.identity.handle, tested.capabilities.maxText], ['@alice', 500]);
  const listed = JSON.stringify(await t.admin.get('/v1/accounts'));
  assert.ok(listed.includes('"hasCredentials":true') && !listed.includes('alice-token'), listed);
  const stored = await openPlatformStore(t.hub.broker.store).getAccount('masto');
  assert.match(stored!.sealed!, /^v1:/);
  assert.ok(
    !stored!.sealed!.includes('alice-token') &&
      !Buffer.from(stored!.sealed!.slice(3), 'base64').includes('alice-token'),
  );
  assert.match(readFileSync(join(t.dataDir, 'secret.key'), 'utf8'), /^[A-Za-z0-9+/=]{44}\n$/);
  const reader = await t.as('client');
  assert.equal(
    (await refusal(reader.post('/v1/accounts/masto/test')))[0],
    403,
    'testing an account takes an admin token',
  );
  await t.admin.request('DELETE', '/v1/accounts/masto');
  assert.equal((await refusal(t.admin.post('/v1/accounts/masto/test')))[0], 404);
});

const ECHO = `{
  name: 'echo',
  account: 'echoer',
  async onMention(event, ctx) { await ctx.reply(event.post, 'echo: ' + event.post.text.replace(/@\\S+\\s*/g, ''), { key: 'echo:' + event.post.id }); },
}`;

test('the same bot runs on the sandbox, then on Mastodon by adding an account of its name: no code change', async () => {
  await t.admin.post('/v1/bots', { name: 'echo', from: writeBot(src, 'echo', ECHO) });
  await t.hub.sandbox.post({ author: 'bob', text: '@echoer in the sandbox' });
  await until('the echo in the sandbox', async () =>
    (await allPosts(t.admin)).some((p) => p.author === 'echoer' && p.text === 'echo: in the sandbox'),
  );
  await t.admin.post('/v1/bots/echo/pause');
  await t.admin.post('/v1/accounts', {
    platform: 'mastodon',
    name: 'echoer',
    instance: fake.url,
    credentials: { accessToken: 'echo-token' },
  });
  await t.admin.post('/v1/bots/echo/resume');
  // Its first poll of a new account starts from the newest notification: wait for it to be reading.
  await until('the bot polls Mastodon', async () => fake.requests.includes('GET /api/v1/notifications'));
  const asked = fake.post('alice', '@echoer on mastodon');
  const reply = await until('the echo on Mastodon', async () =>
    fake.statuses.find((s) => s.account.username === 'echoer' && s.in_reply_to_id === asked.id),
  );
  assert.equal(reply.text, 'echo: on mastodon');
  assert.equal((await bot('echo')).running, true);
  await t.admin.request('DELETE', '/v1/bots/echo');
});

test('revoked credentials pause the bot with the reason shown in bot list, with no crash loop', async () => {
  const calls = openPlatformStore(t.hub.broker.store);
  await t.admin.post('/v1/accounts', {
    platform: 'mastodon',
    name: 'revoked',
    instance: fake.url,
    credentials: { accessToken: 'no-longer-valid' },
    test: false,
  });
  await t.admin.post('/v1/bots', {
    name: 'stuck',
    from: writeBot(src, 'stuck', `{ name: 'stuck', account: 'revoked', onMention() {} }`),
  });
  const paused = await until('the bot paused', async () => {
    const b = await bot('stuck');
    return b.paused && b;
  });
  assert.match(paused.pausedReason!, /account 'revoked'.*refused the token/);
  assert.equal(paused.restarts, 0, 'not restarted: paused at the first refusal');
  const seen = (await calls.listCalls({ account: 'revoked', limit: 100 })).length;
  await new Promise((r) => setTimeout(r, 500)); // 5 poll periods: a crash loop would call again
  assert.equal((await calls.listCalls({ account: 'revoked', limit: 100 })).length, seen, 'no calls once paused');
  const listed = (await t.admin.get<{ bots: BotView[] }>('/v1/bots')).bots.find((b) => b.name === 'stuck')!;
  assert.equal(listed.pausedReason, paused.pausedReason, 'bot list shows why');
  // Resumed with the account still refused: paused again, said again; nothing was posted meanwhile.
  await t.admin.post('/v1/bots/stuck/resume');
  await until('paused again', async () => (await bot('stuck')).paused);
});

test('a bot whose module is missing says so once, stays stopped with the reason, and starts when the file is back', async () => {
  const file = writeBot(src, 'phoenix', `{ name: 'phoenix', schedule: '* * * * *', onSchedule() {} }`);
  const created = await t.admin.post<{ module: string }>('/v1/bots', { name: 'phoenix', from: file });
  await until('running', async () => (await bot('phoenix')).running);
  await t.admin.post('/v1/bots/phoenix/pause');
  const body = readFileSync(created.module, 'utf8');
  rmSync(created.module);
  await t.admin.post('/v1/bots/phoenix/resume');
  // Waiting shows at once; the error it is said with is recorded beside it (on PostgreSQL, a moment later).
  const waiting = await until('waiting for its module, said', async () => {
    const b = await bot('phoenix');
    return b.waitingFor && b.errors > 0 ? b : undefined;
  });
  assert.match(waiting.waitingFor!, /module .*phoenix\.js is missing/);
  assert.equal(waiting.running, false);
  await new Promise((r) => setTimeout(r, 1500)); // past the hub's look for the file: still said once
  const still = await bot('phoenix');
  assert.deepEqual([still.restarts, still.errors], [waiting.restarts, waiting.errors], 'no crash loop');
  const { lines } = await t.admin.get<{ lines: Array<{ msg: string }> }>('/v1/bots/phoenix/logs');
  assert.equal(lines.filter((l) => l.msg.includes('is missing')).length, 1, 'said once');
  writeFileSync(created.module, body);
  const back = await until('started once the file is there', async () => {
    const b = await bot('phoenix');
    return b.running && b;
  });
  assert.equal(back.waitingFor, null);
});
