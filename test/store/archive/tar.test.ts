import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { underCI } from '../../../src/config.js';
import { readTar, TAR_END, tarHeader, tarPadding } from '../../../src/store/archive/tar.js';
import { workDir } from './archiveHelpers.js';

const work = workDir();
after(() => work.remove());

const hasTar = spawnSync('tar', ['--version']).status === 0;
if (!hasTar && underCI()) throw new Error('tar is not installed: under CI the tests against it must run');
if (!hasTar) console.error('\n*** tar is not installed: SKIPPING the tests that read archives with it. ***\n');
const needsTar = { skip: !hasTar && 'tar is not installed' };

/** Sizes around the block size, the empty file included. */
const FILES: Array<[string, Buffer]> = [0, 1, 511, 512, 513, 5000].map((n) => [
  `f${n}.jsonl`,
  Buffer.alloc(n, `${n % 10}`),
]);

function tarOf(files: Array<[string, Buffer]>): Buffer {
  return Buffer.concat([
    ...files.flatMap(([name, b]) => [tarHeader(name, b.length, Date.now()), b, tarPadding(b.length)]),
    TAR_END,
  ]);
}

/** What the reader hands over, with the source cut into chunks of `chunk` bytes. */
async function readAll(bytes: Buffer, chunk = 7): Promise<Array<[string, Buffer]>> {
  const got: Array<[string, Buffer]> = [];
  const chunks = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) =>
    bytes.subarray(i * chunk, (i + 1) * chunk),
  );
  await readTar(Readable.from(chunks), (name, size) => {
    const parts: Buffer[] = [];
    return {
      write: (c) => void parts.push(Buffer.from(c)),
      end: () => {
        assert.equal(Buffer.concat(parts).length, size);
        got.push([name, Buffer.concat(parts)]);
      },
    };
  });
  return got;
}

test('tar lists and extracts what the writer makes, byte for byte', needsTar, () => {
  writeFileSync(work.path('ours.tar'), tarOf(FILES));
  assert.deepEqual(
    execFileSync('tar', ['-tf', work.path('ours.tar')], { encoding: 'utf8' })
      .trim()
      .split('\n'),
    FILES.map(([n]) => n),
  );
  mkdirSync(work.path('out'));
  execFileSync('tar', ['-xf', work.path('ours.tar'), '-C', work.path('out')]);
  for (const [name, bytes] of FILES) assert.deepEqual(readFileSync(work.path(`out/${name}`)), bytes, name);
});

test('the reader reads what the writer makes in chunks of any size, and what tar makes', needsTar, async () => {
  for (const chunk of [1, 7, 512, 100_000])
    assert.deepEqual(await readAll(tarOf(FILES), chunk), FILES, `chunks of ${chunk}`);
  mkdirSync(work.path('in'));
  for (const [name, bytes] of FILES) writeFileSync(work.path(`in/${name}`), bytes);
  const theirs = execFileSync('tar', ['--format=ustar', '-cf', '-', '-C', work.path('in'), ...FILES.map(([n]) => n)]);
  assert.deepEqual(await readAll(theirs), FILES);
});

test('the reader refuses anything but regular files', needsTar, async () => {
  mkdirSync(work.path('links'));
  symlinkSync('elsewhere', work.path('links/link'));
  const linked = execFileSync('tar', ['--format=ustar', '-cf', '-', '-C', work.path('links'), 'link']);
  await assert.rejects(readAll(linked), /holds link of type '2', not a regular file/);
});

test('the reader refuses a header whose checksum fails, a stream cut short, and one without its end', async () => {
  const bytes = tarOf(FILES);
  const bad = Buffer.from(bytes);
  bad[3] = 0x41;
  await assert.rejects(readAll(bad), /a tar header fails its checksum/);
  await assert.rejects(readAll(bytes.subarray(0, 1500)), /the tar ends inside/);
  await assert.rejects(readAll(bytes.subarray(0, bytes.length - TAR_END.length)), /ends without its end marker/);
});

test('a size too large for the octal field is written in base 256 and read back', async () => {
  const size = 2 ** 36 + 12_345;
  let seen = -1;
  const header = tarHeader('big.jsonl', size, 0);
  assert.equal(header[124], 0x80);
  await assert.rejects(
    readTar(Readable.from([header]), (_, n) => {
      seen = n;
      return { write() {}, end() {} };
    }),
    /ends inside big\.jsonl/,
  );
  assert.equal(seen, size);
});
