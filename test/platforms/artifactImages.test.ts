/**
 * A bot attaches an artifact of the hub to a post (`images: [{ artifact: 'sha256:…' }]`): the hub
 * reads the bytes and type from its artifacts when the post is sent, on the Mastodon fake
 * (test/fixtures/mastodonFake.ts, a documented-API fake). A reference the hub cannot serve is
 * refused naming the image, before anything is sent.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { withArtifactImages } from '../../src/bots/artifactImages.js';
import { PlatformRefusal } from '../../src/platforms/errors.js';
import { until, writeBot } from '../bots/botHelpers.js';
import { MastodonFake } from '../fixtures/mastodonFake.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

let t: TestHub;
let fake: MastodonFake;
before(async () => {
  t = await startTestHub();
  fake = await new MastodonFake().start();
  fake.addAccount('painter', 'tok');
  fake.addAccount('alice', 'alice-tok');
  await t.admin.post('/v1/accounts', {
    name: 'painter',
    platform: 'mastodon',
    instance: fake.url,
    credentials: { accessToken: 'tok' },
  });
});
after(async () => {
  await fake.close();
  await t.close();
});

const PAINTER = `{
  name: 'painter',
  account: 'painter',
  async onMention(event, ctx) {
    const artifact = event.post.text.match(/sha256:[0-9a-f]{64}/)[0];
    await ctx.reply(event.post, { text: 'here it is', images: [{ artifact, alt: 'a drawing' }] });
  },
}`;

test('a bot replies with an artifact as its image: the bytes and type the hub keeps reach the platform', async () => {
  const png = Buffer.alloc(3210, 5);
  const { meta } = await t.hub.artifacts.put(Readable.from([png]), { type: 'image/png' });
  await t.admin.post('/v1/bots', { name: 'painter', from: writeBot(join(t.dataDir, 'src'), 'painter', PAINTER) });
  // A bot's first poll starts from the newest notification: mention it after that.
  await until('the bot polls its notifications', async () => fake.requests.includes('GET /api/v1/notifications'));
  const ask = fake.post('alice', `@painter draw sha256:${meta.sha256}`);
  const reply = await until('the reply with its image', async () =>
    fake.statuses.find((s) => s.in_reply_to_id === ask.id),
  );
  assert.equal(reply.text, 'here it is');
  assert.deepEqual(
    reply.media_attachments.map((m) => [m.description, fake.uploaded(m.id)]),
    [['a drawing', { bytes: 3210, mime: 'image/png' }]],
  );
});

test('an artifact the hub lacks, or one larger than the platform takes, is refused naming the image', async () => {
  const c = await t.hub.accounts.connector('painter');
  const refusal = (images: Array<{ artifact: string }>) =>
    withArtifactImages({ text: 'x', images }, t.hub.artifacts, c.platform, c.capabilities).then(
      () => assert.fail('accepted'),
      (e: unknown) => {
        assert.ok(e instanceof PlatformRefusal, String(e));
        return [e.field, e.message];
      },
    );
  assert.deepEqual(await refusal([{ artifact: `sha256:${'0'.repeat(64)}` }]), [
    'images[0].artifact',
    `this hub has no artifact sha256:${'0'.repeat(64)}`,
  ]);
  assert.deepEqual(await refusal([{ artifact: 'cat.png' }]), [
    'images[0].artifact',
    "'cat.png' is not an artifact reference (sha256:<64 hex>)",
  ]);
  const big = Buffer.alloc(c.capabilities.maxImageBytes + 1, 1);
  const { meta } = await t.hub.artifacts.put(Readable.from([big]), { type: 'image/png' });
  const [field, message] = await refusal([{ artifact: meta.sha256 }]);
  assert.equal(field, 'images[0].artifact');
  assert.match(message!, /takes images of at most \d+ bytes; artifact sha256:[0-9a-f]{64} has \d+/);
});
