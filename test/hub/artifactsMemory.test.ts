import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { cleanupProcesses, dumpOnFailure, makeTempDir, startHubProcess } from '../helpers/processes.js';

// An upload is streamed, never held whole: a hub (a child process, as users run it) takes a 1 GiB
// body while its resident memory, read from /proc, grows by less than 100 MB.

const GiB = 1024 ** 3;
const CHUNK = 1024 * 1024;
const MB = 1e6;

after(cleanupProcesses);

/** The process's resident set size in bytes, from /proc/<pid>/status. */
function rss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** `total` bytes made as they are read (each chunk differs, so nothing compresses or dedups), and their hash. */
function generated(total: number): { stream: Readable; hash: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const chunk = Buffer.alloc(Math.min(CHUNK, total - sent), sent / CHUNK);
      chunk.writeUInt32BE(sent / CHUNK, 0);
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, hash: () => hash.digest('hex') };
}

test(
  'a 1 GiB upload streams through the hub with its RSS growing less than 100 MB',
  { timeout: 240_000, skip: process.platform !== 'linux' && 'reads /proc' },
  () =>
    dumpOnFailure(async () => {
      const hub = await startHubProcess({ dataDir: makeTempDir('roost-art-mem-') });
      const before = rss(hub.pid);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rss(hub.pid))), 100);
      const body = generated(GiB);
      try {
        const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = http.request(`${hub.url}/v1/artifacts`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/octet-stream' },
          });
          req.on('error', reject);
          req.on('response', (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          });
          body.stream.pipe(req);
        });
        peak = Math.max(peak, rss(hub.pid));
        assert.equal(reply.status, 201, reply.text);
        const meta = JSON.parse(reply.text) as { sha256: string; size: number };
        assert.equal(meta.size, GiB);
        assert.equal(meta.sha256, body.hash());
      } finally {
        clearInterval(sampler);
      }
      const grew = peak - before;
      console.log(
        `hub RSS before ${(before / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, grew ${(grew / MB).toFixed(1)} MB`,
      );
      assert.ok(grew < 100 * MB, `the hub's RSS grew ${(grew / MB).toFixed(1)} MB during a 1 GiB upload`);
    }),
);
