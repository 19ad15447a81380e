import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { until } from '../bots/botHelpers.js';
import { startExampleHub, type ExampleHub } from './exampleHub.js';

// The examples run on their wall-clock schedules too (every few seconds); the test drives them
// with `run --once` and asserts only what holds whichever run got there first.
let hub: ExampleHub;
before(async () => {
  hub = await startExampleHub();
  await hub.create('reader');
  await hub.create('remixer');
});
after(() => hub.close());

const FEED = 'reader.posts';
const remixes = async () => (await hub.timeline()).filter((p) => p.author === 'remixer');
/** Items the reader published: read as a consumer that never acknowledges. */
const published = async () =>
  (await hub.feed(FEED, 'test-observer')).map((i) => i.item as { author: string; text: string });

/** Waits until the reader heard a post (kept in its state or published already), then runs it. */
async function collect(text: string): Promise<void> {
  await until(`the reader heard "${text}"`, async () => {
    const pending = ((await hub.state('reader')).pending ?? []) as Array<{ text: string }>;
    return pending.some((p) => p.text === text) || (await published()).some((p) => p.text === text);
  });
  await hub.run('reader');
}

test(
  'seed 002: the reader feeds the chosen accounts to the remixer, which posts each remix once, acknowledging as it posts',
  { timeout: 90_000 },
  async () => {
    await hub.post('poet', 'the sea is deep and quiet at night');
    await hub.post('mallory', 'nobody collects what mallory writes');
    await hub.post('bard', 'every roost wakes before the first light');
    await hub.post('poet', 'small @bard boats sleep in the harbour');
    await collect('small @bard boats sleep in the harbour');
    assert.deepEqual(
      (await published()).map((p) => `${p.author}: ${p.text}`),
      [
        'poet: the sea is deep and quiet at night',
        'bard: every roost wakes before the first light',
        'poet: small @bard boats sleep in the harbour',
      ],
      'the posts of @poet and @bard, in order; not @mallory',
    );
    assert.deepEqual((await hub.state('reader')).pending, [], 'the batch left the reader once published');

    // One remix a run; the remixer's cursor follows its posts, never ahead of them.
    for (let i = 0; i < 3; i++) {
      await hub.run('remixer');
      // Read in this order, a scheduled run going on meanwhile cannot make a correct remixer fail.
      const acked = 3 - (await hub.feed(FEED, 'remixer')).length;
      const posted = (await remixes()).length;
      assert.ok(posted >= i + 1, `run ${i + 1} posted`);
      assert.ok(acked <= posted, `never acknowledged ahead of its posts (${acked} acknowledged, ${posted} posted)`);
    }
    assert.deepEqual(
      (await remixes()).map((p) => p.text),
      [
        'And quiet at night, the sea is deep.',
        'The first light, every roost wakes before.',
        'In the harbour, small boats sleep.',
      ],
    );
    await hub.run('remixer');
    assert.deepEqual(await hub.feed(FEED, 'remixer'), [], 'every item posted was acknowledged');
    assert.equal((await remixes()).length, 3, 'nothing new in the feed: nothing posted');

    // The same words again make the same remix: the ledger refuses it and the item is consumed.
    await hub.post('poet', 'the sea is deep and quiet at night');
    await collect('the sea is deep and quiet at night');
    await hub.run('remixer');
    assert.equal((await remixes()).length, 3, 'a remix is never posted twice');
    assert.deepEqual(await hub.feed(FEED, 'remixer'), [], 'the repeated item was acknowledged');
    assert.equal((await published()).length, 4, 'the reader published the repeat; the remixer chose not to post it');

    // Likes on a remix make its words hot; the next remix holding a hot word is tagged with it.
    const [first] = await remixes();
    for (const account of ['alice', 'bob']) await hub.admin.post(`/v1/sandbox/posts/${first!.id}/likes`, { account });
    await hub.run('remixer');
    const hot = (await hub.state('remixer')).hot as { words: Record<string, number> };
    assert.deepEqual(
      Object.fromEntries(Object.entries(hot.words).sort()),
      { deep: 2, night: 2, quiet: 2 },
      'each like counted once for each longer word of the liked post',
    );
    await hub.run('remixer');
    assert.equal(
      ((await hub.state('remixer')).hot as { words: Record<string, number> }).words.night,
      2,
      'a like is counted once, run after run',
    );
    await hub.post('bard', 'the night train is late');
    await collect('the night train is late');
    await hub.run('remixer');
    assert.equal((await remixes()).at(-1)!.text, 'Is late, the night train. #night');
  },
);
