/**
 * The Mastodon connector beyond the contract: images uploaded as media (POST /api/v2/media, then
 * media_ids on the status), content warnings (spoiler_text, which marks the status sensitive),
 * sensitive alone, visibility as Mastodon names it, and language, against the documented-API fake
 * (test/fixtures/mastodonFake.ts).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sendOnce } from '../../src/bots/ledger.js';
import type { Connector, PostDraft } from '../../src/platforms/connector.js';
import { PlatformRefusal } from '../../src/platforms/errors.js';
import type { BotStore } from '../../src/store/botStore.js';
import { openBotStores } from '../../src/store/openBotStores.js';
import { MastodonFake } from '../fixtures/mastodonFake.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

let t: TestHub;
let fake: MastodonFake;
let bots: BotStore;
let c: Connector;
let n = 0;
before(async () => {
  t = await startTestHub();
  fake = await new MastodonFake().start();
  fake.addAccount('roostbot', 'tok');
  await t.hub.accounts.add({
    name: 'masto',
    platform: 'mastodon',
    instance: fake.url,
    credentials: { accessToken: 'tok' },
  });
  bots = openBotStores(t.hub.broker.store).bots;
  await bots.createBot('m', '/nonexistent/m.js', Date.now());
  c = await t.hub.accounts.connector('masto');
});
after(async () => {
  await fake.close();
  await t.close();
});

/** Sends through the ledger, as a bot does, and answers the status as the server stored it. */
async function send(draft: PostDraft) {
  const posted = await sendOnce(bots, 'm', c, { kind: 'post', to: null, draft, key: `k${++n}` }, Date.now);
  return fake.statuses.find((s) => s.id === posted.id)!;
}

test('images are uploaded as media, with their alt text and type, and attached to the status', async () => {
  const file = join(t.dataDir, 'cat.jpg');
  writeFileSync(file, Buffer.alloc(2048, 7));
  const s = await send({
    text: 'two pictures',
    images: [
      { data: new Uint8Array([1, 2, 3]), mime: 'image/png', alt: 'three bytes' },
      { file, alt: 'a cat' },
    ],
  });
  assert.deepEqual(
    s.media_attachments.map((m) => [m.description, fake.uploaded(m.id)]),
    [
      ['three bytes', { bytes: 3, mime: 'image/png' }],
      ['a cat', { bytes: 2048, mime: 'image/jpeg' }],
    ],
  );
  const five = await sendOnce(
    bots,
    'm',
    c,
    {
      kind: 'post',
      to: null,
      draft: { text: 'too many', images: Array(5).fill({ data: new Uint8Array([1]) }) },
      key: 'five',
    },
    Date.now,
  ).catch((e: unknown) => e);
  assert.ok(five instanceof PlatformRefusal && five.field === 'images', String(five));
  assert.ok(!fake.statuses.some((x) => x.text === 'too many'), 'nothing sent');
});

test('a content warning is the spoiler text and marks the status sensitive; sensitive alone keeps no spoiler', async () => {
  const warned = await send({ text: 'the ending', contentWarning: 'film spoilers' });
  assert.deepEqual([warned.spoiler_text, warned.sensitive, warned.text], ['film spoilers', true, 'the ending']);
  const sensitive = await send({ text: 'a picture', sensitive: true });
  assert.deepEqual([sensitive.spoiler_text, sensitive.sensitive], ['', true]);
  const plain = await send({ text: 'nothing to hide' });
  assert.deepEqual([plain.spoiler_text, plain.sensitive], ['', false]);
});

test('visibility as Mastodon names it (followers is private), and language', async () => {
  const seen: string[] = [];
  for (const visibility of ['public', 'unlisted', 'followers', 'direct'] as const)
    seen.push((await send({ text: `to ${visibility}`, visibility })).visibility);
  assert.deepEqual(seen, ['public', 'unlisted', 'private', 'direct']);
  assert.equal((await send({ text: 'bonjour', language: 'fr' })).language, 'fr');
});
