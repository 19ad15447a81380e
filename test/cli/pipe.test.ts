import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, startHub, type Hub } from './roostCli.js';

// `roost sandbox timeline | head -n 1`: head exits after one line and closes the pipe while the CLI
// is still writing (the output is far larger than a pipe's buffer), so a later write meets EPIPE.

let hub: Hub;
before(async () => {
  hub = await startHub();
  const token = readFileSync(join(hub.dataDir, 'admin.token'), 'utf8').trim();
  const text = 'x'.repeat(4000);
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${hub.url}/v1/sandbox/posts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ author: 'alice', text: `${i} ${text}` }),
    });
    assert.equal(res.status, 201, await res.text());
  }
});
after(() => hub?.stop());

test('roost sandbox timeline | head -n 1: the closed pipe ends the CLI quietly with status 0', async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROOST_')));
  const script = `"$NODE" "$BIN" sandbox timeline --limit 200 --hub "$HUB" --data "$DATA" | head -n 1; echo "status=\${PIPESTATUS[0]}" >&2`;
  const child = spawn('bash', ['-c', script], {
    env: { ...env, NODE: process.execPath, BIN, HUB: hub.url, DATA: hub.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise((resolve) => child.once('close', resolve));
  assert.match(stdout, /^#\d+ .* @alice posted: 199 x+\n$/, 'head printed the newest post');
  assert.equal(stderr, 'status=0\n', 'no error output and status 0 from roost');
});
