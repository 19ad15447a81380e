import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { until } from '../bots/botHelpers.js';
import { FeedServer } from '../fixtures/feedServer.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

let t: TestHub;
let feed: FeedServer;
before(async () => {
  t = await startTestHub({ botPollMs: 100 });
  feed = await new FeedServer('rss').start();
});
after(async () => {
  await feed.close();
  await t.close();
});

interface Items {
  items: Array<{ seq: number; item: { text: string; url: string | null } }>;
}

test('examples/bots/feedReader: an RSS account fills the feed a writer consumes, each item once, fetching conditionally', async () => {
  feed.ttl = null;
  feed.add('the night train is late');
  feed.add('the sea is deep at night');
  await t.admin.post('/v1/accounts', { platform: 'rss', name: 'news', instance: feed.url });
  await t.admin.post('/v1/bots', { name: 'feedreader', from: resolve('examples/bots/feedReader.js') });
  const read = () => t.admin.get<Items>('/v1/feeds/reader.posts/items?consumer=test');
  await until('both items in the feed', async () => (await read()).items.length === 2);
  feed.add('a third line');
  const { items } = await until('the third, after a conditional poll', async () => {
    const r = await read();
    return r.items.length === 3 && r;
  });
  assert.deepEqual(
    items.map((i) => i.item.text),
    ['the night train is late', 'the sea is deep at night', 'a third line'],
    'oldest first, each once',
  );
  assert.equal(items[2]!.item.url, 'https://example.org/posts/3');
  await until('an unchanged feed answered 304', async () => feed.hits.some((h) => h.status === 304 && h.conditional));
  const { bots } = await t.admin.get<{ bots: Array<{ name: string; running: boolean }> }>('/v1/bots');
  assert.equal(bots.find((b) => b.name === 'feedreader')!.running, true);
});

test("rss: a feed's <ttl> holds the next fetch back; Retry-After on a 503 is waited out", async () => {
  const slow = await new FeedServer('rss').start();
  try {
    slow.ttl = 60;
    slow.add('first');
    await t.admin.post('/v1/accounts', { platform: 'rss', name: 'slow', instance: slow.url });
    const c = await t.hub.accounts.connector('slow');
    const first = await c.poll(null, 100);
    assert.deepEqual(
      first.events.map((e) => e.post.text),
      ['first'],
    );
    const hits = slow.hits.length;
    slow.add('second');
    assert.deepEqual((await c.poll(first.cursor, 100)).events, [], 'within the ttl: not fetched');
    assert.equal(slow.hits.length, hits);
    // A reader without the ttl (the same feed, no <ttl>) fetches, through a 503 with Retry-After.
    slow.ttl = null;
    slow.failNext(503, '1');
    const started = Date.now();
    const again = await c.poll(JSON.stringify({ seen: JSON.parse(first.cursor!).seen }), 100);
    assert.deepEqual(
      again.events.map((e) => e.post.text),
      ['second'],
    );
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
  } finally {
    await slow.close();
  }
});
