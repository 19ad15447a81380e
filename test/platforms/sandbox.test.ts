import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HubError, type HubClient } from '../../src/client/hubClient.js';
import { idempotencyKey, type SendIntent } from '../../src/platforms/connector.js';
import type { SandboxPost } from '../../src/types.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

let t: TestHub;
let client: HubClient;
before(async () => {
  t = await startTestHub();
  client = await t.as('bot');
});
after(() => t.close());

async function refused(p: Promise<unknown>): Promise<HubError> {
  const e = await p.then(
    () => assert.fail('expected a 4xx'),
    (e: unknown) => e,
  );
  assert.ok(e instanceof HubError, String(e));
  return e;
}

test('sandbox over HTTP: posts with mentions, replies, asks and likes; the timeline is newest first', async () => {
  const hi = await client.post<SandboxPost>('/v1/sandbox/posts', { author: 'alice', text: '@frank hi, and @Bob too' });
  assert.deepEqual(hi.mentions, ['bob', 'frank'], 'mentions, lower-cased, by name');
  const ask = await client.post<SandboxPost>('/v1/sandbox/asks', {
    from: 'carol',
    to: 'frank',
    text: 'what is the sea?',
  });
  assert.deepEqual([ask.type, ask.recipient], ['ask', 'frank']);
  const reply = await client.post<SandboxPost>('/v1/sandbox/posts', {
    author: 'frank',
    text: 'salt water',
    replyTo: ask.id,
  });
  assert.equal(reply.replyTo, ask.id);
  const liked = await client.post<{ liked: boolean; post: SandboxPost }>(`/v1/sandbox/posts/${reply.id}/likes`, {
    account: 'alice',
  });
  assert.deepEqual([liked.liked, liked.post.likes], [true, ['alice']]);
  assert.equal(
    (await client.post<{ liked: boolean }>(`/v1/sandbox/posts/${reply.id}/likes`, { account: 'alice' })).liked,
    false,
  );
  const { posts } = await client.get<{ posts: SandboxPost[] }>('/v1/sandbox/posts?limit=3');
  assert.deepEqual(
    posts.map((p) => p.id),
    [reply.id, ask.id, hi.id],
  );
  const { accounts } = await client.get<{ accounts: string[] }>('/v1/sandbox/accounts');
  for (const a of ['alice', 'carol', 'frank']) assert.ok(accounts.includes(a));
});

test('sandbox over HTTP: a key posts at most once per author (201, then 200 with the same post)', async () => {
  const send = async (path: string, body: object) => {
    const res = await fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, post: (await res.json()) as SandboxPost };
  };
  const first = await send('/v1/sandbox/posts', { author: 'ivy', text: 'once only', key: 'k1' });
  assert.equal(first.status, 201);
  // Retries of a request whose answer was lost, and one racing it, all get the first post back.
  const again = await Promise.all([
    send('/v1/sandbox/posts', { author: 'ivy', text: 'once only', key: 'k1' }),
    send('/v1/sandbox/posts', { author: 'ivy', text: 'a different text', key: 'k1' }),
  ]);
  assert.deepEqual(
    again.map((r) => [r.status, r.post.id, r.post.text]),
    [
      [200, first.post.id, 'once only'],
      [200, first.post.id, 'once only'],
    ],
  );
  const ask = await send('/v1/sandbox/asks', { from: 'ivy', to: 'frank', text: 'q?', key: 'k2' });
  assert.equal(ask.status, 201);
  const askAgain = await send('/v1/sandbox/asks', { from: 'ivy', to: 'frank', text: 'q?', key: 'k2' });
  assert.deepEqual([askAgain.status, askAgain.post.id], [200, ask.post.id]);
  assert.equal((await send('/v1/sandbox/posts', { author: 'jo', text: 'once only', key: 'k1' })).status, 201);
  const { posts } = await client.get<{ posts: SandboxPost[] }>('/v1/sandbox/posts?limit=500');
  assert.equal(posts.filter((p) => p.author === 'ivy').length, 2, 'one post and one ask by ivy, no more');
});

test('sandbox over HTTP: bad input is refused with the field named; unknown posts are 404', async () => {
  const bad = await refused(client.post('/v1/sandbox/posts', { author: 'Alice Smith', text: 'x' }));
  assert.deepEqual([bad.status, bad.field], [400, 'author']);
  assert.equal((await refused(client.post('/v1/sandbox/posts', { author: 'alice', text: '' }))).field, 'text');
  assert.equal((await refused(client.post('/v1/sandbox/asks', { from: 'a', text: 'q' }))).field, 'to');
  assert.equal(
    (await refused(client.post('/v1/sandbox/posts', { author: 'a', text: 'q', replyTo: 999_999 }))).status,
    404,
  );
  assert.equal((await refused(client.get('/v1/sandbox/posts/0'))).field, 'id');
  assert.equal((await refused(client.get('/v1/sandbox/posts?limit=0'))).field, 'limit');
  assert.equal((await refused((await t.as('worker')).get('/v1/sandbox/posts'))).status, 403);
  // A NUL character is refused on every store, as PostgreSQL text cannot hold it.
  assert.deepEqual(pick(await refused(client.post('/v1/sandbox/posts', { author: 'a', text: 'x\u0000y' }))), [
    400,
    'text',
  ]);
  assert.deepEqual(pick(await refused(client.post('/v1/sandbox/posts', { author: 'a', text: 'x', key: 'k\u0000' }))), [
    400,
    'key',
  ]);
  assert.deepEqual(pick(await refused(client.post('/v1/feeds/f%00/items', { items: [1] }))), [400, 'feed']);
  assert.deepEqual(pick(await refused(client.get('/v1/feeds/f/items?consumer=c%00'))), [400, 'consumer']);
  assert.deepEqual(pick(await refused(client.post('/v1/feeds/f/ack', { consumer: 'c\u0000', seq: 1 }))), [
    400,
    'consumer',
  ]);
});

const pick = (e: HubError) => [e.status, e.field];

const intent = (key: string): SendIntent => ({ key, idempotencyKey: idempotencyKey('b', key), hash: '', createdAt: 0 });

test("a sandbox account's connector polls with a durable cursor: asks, replies and mentions to it, others' posts", async () => {
  const sb = t.hub.sandbox;
  const me = await t.hub.accounts.connector('poller');
  const start = (await me.poll(null, 500)).cursor;
  await sb.post({ author: 'dora', text: 'plain post' });
  const mine = await me.send({ text: 'my post' }, intent('k1'));
  await sb.post({ author: 'dora', text: 'nice', replyTo: Number(mine.id) });
  await sb.post({ author: 'dora', text: 'hey @poller' });
  await sb.ask({ from: 'dora', to: 'poller', text: 'why?' });
  await sb.ask({ from: 'dora', to: 'someone-else', text: 'not for you' });
  const page = await me.poll(start, 500);
  assert.deepEqual(
    page.events.map((e) => [e.type, e.post.text]),
    [
      ['post', 'plain post'],
      ['reply', 'nice'],
      ['mention', 'hey @poller'],
      ['ask', 'why?'],
    ],
  );
  assert.deepEqual(
    await me.poll(page.cursor, 500),
    { events: [], cursor: page.cursor },
    'polling from the returned cursor finds nothing new',
  );
  assert.equal((await me.findSent(intent('k1')))!.id, mine.id);
  assert.equal(await me.findSent(intent('k2')), null);
});
