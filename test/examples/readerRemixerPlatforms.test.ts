/**
 * Seed 002 across two platforms: the reader and remixer examples (examples/bots/reader.js and
 * remixer.js), unchanged, with the reader's account an Atom feed (a real feed document served by
 * test/fixtures/feedServer.ts) and the remixer's a Mastodon account added from the example
 * credentials file (examples/accounts/remixer.mastodon.json) on the documented-API fake
 * (test/fixtures/mastodonFake.ts). Likes on Mastodon make the remixer's words hot, as in the sandbox.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { until } from '../bots/botHelpers.js';
import { FeedServer } from '../fixtures/feedServer.js';
import { MastodonFake } from '../fixtures/mastodonFake.js';
import { startExampleHub, type ExampleHub } from './exampleHub.js';

let hub: ExampleHub;
let feed: FeedServer;
let fake: MastodonFake;
before(async () => {
  hub = await startExampleHub();
  feed = await new FeedServer('atom').start();
  fake = await new MastodonFake().start();
  fake.addAccount('remixbot', 'remix-token');
  for (const u of ['alice', 'bob']) fake.addAccount(u, `${u}-token`);
});
after(async () => {
  await fake.close();
  await feed.close();
  await hub.close();
});

const remixes = () => fake.statuses.filter((s) => s.account.username === 'remixbot').map((s) => s.text);

test(
  'seed 002 on two platforms: a feed read by the reader, remixed onto Mastodon by the remixer',
  { timeout: 90_000 },
  async () => {
    feed.add('the sea is deep and quiet at night', { author: 'poet' });
    feed.add('nobody collects what mallory writes', { author: 'mallory' });
    feed.add('every roost wakes before the first light', { author: 'bard' });
    const example = JSON.parse(readFileSync(join(packageRoot, 'examples/accounts/remixer.mastodon.json'), 'utf8'));
    await hub.admin.post('/v1/accounts', { platform: 'rss', name: 'reader', instance: feed.url });
    await hub.admin.post('/v1/accounts', {
      platform: 'mastodon',
      name: 'remixer',
      instance: fake.url,
      credentials: { ...example, accessToken: 'remix-token' },
    });
    await hub.create('reader');
    await hub.create('remixer');

    await until('the reader heard the feed', async () => {
      const pending = ((await hub.state('reader')).pending ?? []) as unknown[];
      return pending.length + (await hub.feed('reader.posts', 'test-observer')).length >= 2;
    });
    await hub.run('reader');
    assert.deepEqual(
      (await hub.feed('reader.posts', 'test-observer')).map((i) => (i.item as { author: string }).author),
      ['poet', 'bard'],
      "the chosen authors' items, in the feed's order; not mallory's",
    );
    await hub.run('remixer');
    await hub.run('remixer');
    assert.deepEqual(remixes().slice(0, 2), [
      'And quiet at night, the sea is deep.',
      'The first light, every roost wakes before.',
    ]);

    // Two likes on Mastodon make the first remix's longer words hot; the next remix holding one is tagged.
    const first = fake.statuses.find((s) => s.text === 'And quiet at night, the sea is deep.')!;
    for (const u of ['alice', 'bob']) fake.favourite(u, first.id);
    feed.add('the night train is late', { author: 'bard' });
    // Kept by the reader, or published already by one of its scheduled runs.
    await until('the reader heard the new item', async () =>
      [
        ...((await hub.state('reader')).pending ?? []),
        ...(await hub.feed('reader.posts', 'test-observer')).map((i) => i.item),
      ].some((p: { text: string }) => p.text === 'the night train is late'),
    );
    await hub.run('reader');
    await hub.run('remixer');
    assert.equal(remixes().at(-1), 'Is late, the night train. #night');
    assert.equal(remixes().length, 3, 'each remix posted once');
  },
);
