import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MastodonFake } from '../fixtures/mastodonFake.js';
import { startHub as startCliHub } from './roostCli.js';

test('CLI: roost account add|list|test|remove and roost calls; a bad credentials file names the flag, secrets never print', async (ctx) => {
  const hub = await startCliHub();
  const fake = await new MastodonFake().start();
  ctx.after(async () => {
    await hub.stop();
    await fake.close();
  });
  fake.addAccount('frank', 'frank-secret-token');
  const file = join(hub.dataDir, 'frank.json');
  writeFileSync(file, JSON.stringify({ accessToken: 'frank-secret-token' }));
  const bad = join(hub.dataDir, 'bad.json');
  writeFileSync(bad, 'accessToken=frank-secret-token');
  const refused = await hub.client([
    'account',
    'add',
    'mastodon',
    'frank',
    '--instance',
    fake.url,
    '--credentials-file',
    bad,
  ]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--credentials-file .*bad\.json cannot be read: it is not JSON/);
  assert.ok(!refused.stderr.includes('frank-secret-token'), 'the file content is not repeated');
  const added = await hub.client([
    'account',
    'add',
    'mastodon',
    'frank',
    '--instance',
    fake.url,
    '--credentials-file',
    file,
  ]);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Account frank \(mastodon\) added\n.*is:\s+@frank \(Frank\)/s);
  const tested = await hub.client(['account', 'test', 'frank']);
  assert.match(
    tested.stdout,
    /Roost can:\s+post, reply, like, boost; events: mention, reply, message, like, boost, post/,
  );
  const listed = await hub.client(['account', 'list', '--json']);
  const { accounts } = JSON.parse(listed.stdout) as { accounts: Array<{ name: string; hasCredentials: boolean }> };
  assert.deepEqual(
    accounts.map((a) => [a.name, a.hasCredentials]),
    [['frank', true]],
  );
  for (const out of [added, tested, listed]) assert.ok(!(out.stdout + out.stderr).includes('frank-secret-token'));
  const calls = await hub.client(['calls', '--account', 'frank', '--since', '1h', '--json']);
  const recorded = (JSON.parse(calls.stdout) as { calls: Array<{ method: string; status: number }> }).calls;
  assert.ok(recorded.some((c) => c.method === 'GET /api/v1/accounts/verify_credentials' && c.status === 200));
  const unknown = await hub.client(['account', 'add', 'myspace', 'tom']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no platform 'myspace'; Roost has: sandbox, mastodon, rss/);
  assert.equal((await hub.client(['account', 'remove', 'frank'])).code, 0);
  assert.match((await hub.client(['account', 'list'])).stdout, /No accounts yet/);
  // An IRC server is an irc:// or ircs:// URL; other schemes are refused naming the flag.
  const irc = join(hub.dataDir, 'irc.json');
  writeFileSync(irc, JSON.stringify({ nick: 'roostbot', channels: '#roost' }));
  const ircArgs = ['account', 'add', 'irc', 'ircbot', '--no-test', '--credentials-file', irc, '--instance'];
  const ftp = await hub.client([...ircArgs, 'ftp://irc.example.org']);
  assert.equal(ftp.code, 2);
  assert.match(ftp.stderr, /--instance must be an http:\/\/ or https:\/\/ or irc:\/\/ or ircs:\/\/ URL/);
  const viaHttp = await hub.client([...ircArgs, 'https://irc.example.org']);
  assert.match(viaHttp.stderr, /--instance must be an irc or ircs URL/, "the hub checks the platform's own schemes");
  assert.equal((await hub.client([...ircArgs, 'ircs://irc.example.org:6697'])).code, 0);
});
