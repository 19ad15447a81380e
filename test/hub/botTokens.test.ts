import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HubClient, type HubError } from '../../src/client/hubClient.js';
import { writeBot } from '../bots/botHelpers.js';
import { roost } from '../cli/roostCli.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// Isolation between tokens: a bot token made with `bot` acts only for that bot over HTTP: it
// writes only feeds its bot owns or creates, its bot's state, and acks as its bot. A bot token
// made without stays as before. Both stores, by the test pass.

let h: TestHub;
let alpha: HubClient;
before(async () => {
  h = await startTestHub();
  for (const name of ['alpha', 'beta'])
    await h.admin.post('/v1/bots', { name, from: writeBot(join(h.dataDir, 'src'), name, `{ name: '${name}' }`) });
  alpha = new HubClient(h.url, (await h.hub.tokens.create('alpha in go', 'bot', { bot: 'alpha' })).token);
});
after(() => h.close());

async function refusal(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    return e as HubError;
  }
  assert.fail('the request succeeded');
}

const items = async (feed: string) =>
  (await h.admin.get<{ items: Array<{ item: unknown }> }>(`/v1/feeds/${feed}/items?consumer=check`)).items.map(
    (i) => i.item,
  );

test("a confined bot token writes its bot's feeds and no others, which stay untouched", async () => {
  assert.deepEqual((await alpha.post<{ seqs: number[] }>('/v1/feeds/alpha.out/items', { items: ['a'] })).seqs, [1]);
  assert.deepEqual((await alpha.post<{ seqs: number[] }>('/v1/feeds/alpha.out/items', { items: ['b'] })).seqs, [2]);
  // beta's feed (made by beta's own token) and a feed of no bot (made by an unconfined token).
  const beta = new HubClient(h.url, (await h.hub.tokens.create('beta', 'bot', { bot: 'beta' })).token);
  await beta.post('/v1/feeds/beta.out/items', { items: ['beta'] });
  const open = await h.as('bot');
  await open.post('/v1/feeds/shared/items', { items: ['open'] });
  for (const feed of ['beta.out', 'shared']) {
    const e = await refusal(alpha.post(`/v1/feeds/${feed}/items`, { items: ['intruder'] }));
    assert.deepEqual([e.status, e.code, e.field], [403, 'forbidden', 'feed']);
    assert.match(e.message, new RegExp(`feed '${feed.replace('.', '\\.')}' is not bot 'alpha''s`));
  }
  assert.deepEqual(await items('beta.out'), ['beta']);
  assert.deepEqual(await items('shared'), ['open']);
  assert.deepEqual(await items('alpha.out'), ['a', 'b']);
  // Reading any feed stays open; a token made without `bot` writes any feed, as before.
  assert.equal((await alpha.get<{ items: unknown[] }>('/v1/feeds/beta.out/items?consumer=alpha')).items.length, 1);
  await open.post('/v1/feeds/beta.out/items', { items: ['open too'] });
  assert.deepEqual(await items('beta.out'), ['beta', 'open too']);
});

test("a confined bot token reads and writes only its bot's state, and acks only as its bot", async () => {
  await alpha.request('PUT', '/v1/bots/alpha/state/mood', { value: 'fine' });
  assert.deepEqual((await alpha.get<{ state: object }>('/v1/bots/alpha/state')).state, { mood: 'fine' });
  for (const ask of [
    () => alpha.request('PUT', '/v1/bots/beta/state/mood', { value: 'x' }),
    () => alpha.get('/v1/bots/beta/state'),
  ]) {
    const e = await refusal(ask());
    assert.deepEqual([e.status, e.field], [403, 'name']);
  }
  assert.deepEqual((await h.admin.get<{ state: object }>('/v1/bots/beta/state')).state, {});
  await h.admin.post('/v1/feeds/ackme/items', { items: [1, 2] });
  assert.deepEqual(
    (await alpha.post<{ acked: number }>('/v1/feeds/ackme/ack', { consumer: 'alpha', seq: 1 })).acked,
    1,
  );
  const e = await refusal(alpha.post('/v1/feeds/ackme/ack', { consumer: 'beta', seq: 2 }));
  assert.deepEqual([e.status, e.field], [403, 'consumer']);
});

test('only a bot token may be made with bot: 400 naming bot; the CLI names --bot', async () => {
  const e = await refusal(h.admin.post('/v1/tokens', { name: 'c', scope: 'client', bot: 'alpha' }));
  assert.deepEqual([e.status, e.field], [400, 'bot']);
  const bad = await refusal(h.admin.post('/v1/tokens', { name: 'b', scope: 'bot', bot: 'Not A Bot' }));
  assert.deepEqual([bad.status, bad.field], [400, 'bot']);
  const flags = ['--hub', h.url, '--token', h.adminToken];
  const ok = await roost(['token', 'create', 'alpha key', '--scope', 'bot', '--bot', 'alpha', ...flags]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /confined to bot alpha/);
  const wrong = await roost(['token', 'create', 'x', '--scope', 'client', '--bot', 'alpha', ...flags]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /--bot confines a bot token/);
});
