import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SandboxPost } from '../../src/types.js';
import { roost, startHub as startCliHub, type Hub } from './roostCli.js';

let hub: Hub;
test('CLI: roost sandbox post, ask, like and timeline (--json), with unknown flags refused', async (ctx) => {
  hub = await startCliHub();
  ctx.after(() => hub.stop());
  const posted = await hub.client(['sandbox', 'post', '--as', 'alice', '@frank hi']);
  assert.equal(posted.code, 0, posted.stderr);
  assert.match(posted.stdout, /^#\d+ .* @alice posted: @frank hi/);
  const asked = await hub.client(['sandbox', 'ask', 'frank', 'what is a roost?', '--as', 'newcomer']);
  assert.match(asked.stdout, /@newcomer asked @frank: what is a roost\?/);
  const id = /^#(\d+)/.exec(posted.stdout)![1]!;
  assert.equal((await hub.client(['sandbox', 'like', id, '--as', 'bob'])).code, 0);
  const timeline = await hub.client(['sandbox', 'timeline', '--json']);
  const { posts } = JSON.parse(timeline.stdout) as { posts: SandboxPost[] };
  assert.deepEqual(
    posts.map((p) => [p.author, p.type, p.likes]),
    [
      ['newcomer', 'ask', []],
      ['alice', 'post', ['bob']],
    ],
  );
  const text = await hub.client(['sandbox', 'timeline']);
  assert.match(text.stdout, /@alice posted: @frank hi {2}\(1 like\)/);
  const unknown = await hub.client(['sandbox', 'timeline', '--colour']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option '--colour'/);
  const noAs = await roost(['sandbox', 'post', 'hi', '--hub', hub.url, '--data', hub.dataDir]);
  assert.equal(noAs.code, 2);
  assert.match(noAs.stderr, /--as/);
});
