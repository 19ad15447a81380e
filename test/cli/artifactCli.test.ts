import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startHub as startCliHub } from './roostCli.js';

// roost artifact put/get/ls/link/rm/gc against a hub started as a user starts it.

test('CLI: roost artifact put (a file, and stdin), get -o, ls --json, link, rm and gc', async (ctx) => {
  const hub = await startCliHub();
  ctx.after(() => hub.stop());
  const bytes = randomBytes(5000);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const file = join(hub.dataDir, 'in.bin');
  writeFileSync(file, bytes);

  const put = await hub.client(['artifact', 'put', file, '--type', 'image/png']);
  assert.equal(put.code, 0, put.stderr);
  assert.match(put.stdout, new RegExp(`^Stored: sha256:${hash} \\(5000 bytes, image/png\\)`));
  const again = await hub.client(['artifact', 'put', file, '--json']);
  assert.equal(JSON.parse(again.stdout).ref.$artifact, `sha256:${hash}`);
  const piped = await hub.client(['artifact', 'put', '-', '--json'], 'from stdin');
  assert.equal(JSON.parse(piped.stdout).size, 10);

  const out = join(hub.dataDir, 'out.bin');
  const got = await hub.client(['artifact', 'get', `sha256:${hash}`, '-o', out]);
  assert.equal(got.code, 0, got.stderr);
  assert.deepEqual(readFileSync(out), bytes);

  const ls = JSON.parse((await hub.client(['artifact', 'ls', '--json'])).stdout);
  assert.equal(ls.artifacts.length, 2);

  const link = JSON.parse((await hub.client(['artifact', 'link', hash, '--ttl', '1m', '--json'])).stdout);
  const viaLink = await fetch(link.url);
  assert.equal(viaLink.status, 200);
  assert.deepEqual(Buffer.from(await viaLink.arrayBuffer()), bytes);

  const bad = await hub.client(['artifact', 'get', 'nothex']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /HASH must be 64/);
  const missing = await hub.client(['artifact', 'get', 'f'.repeat(64)]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no artifact/);

  assert.match((await hub.client(['artifact', 'rm', hash])).stdout, new RegExp(`Deleted sha256:${hash}`));
  assert.match((await hub.client(['artifact', 'gc', '--grace', '0s'])).stdout, /Deleted 1 artifact$/m);
  assert.match((await hub.client(['artifact', 'ls'])).stdout, /No artifacts\./);
});
