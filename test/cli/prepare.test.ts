import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';

// `npm install` runs prepare, and so does every fresh `npx roost` in the checkout: prepare must run
// the build when a source changed since the last one, and do nothing (quickly) otherwise.

const dir = mkdtempSync(join(tmpdir(), 'roost-prepare-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs scripts/prepare.js in `dir` with a stand-in for npm that records the build it was asked for. */
function prepare(): string[] {
  const calls = join(dir, 'calls');
  const fakeNpm = join(dir, 'fake-npm.cjs');
  writeFileSync(
    fakeNpm,
    `require('fs').appendFileSync(${JSON.stringify(calls)}, process.argv.slice(2).join(' ') + '\\n');\n`,
  );
  rmSync(calls, { force: true });
  const r = spawnSync(process.execPath, [join(packageRoot, 'scripts', 'prepare.js')], {
    cwd: dir,
    env: { ...process.env, npm_execpath: fakeNpm },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
}

test('prepare builds a fresh checkout, then builds again only after a source changed', () => {
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'package.json'), '{}');
  writeFileSync(join(dir, 'src', 'a.ts'), 'export {};');
  assert.deepEqual(prepare(), ['run build'], 'never built: builds');
  assert.ok(existsSync(join(dir, 'dist', '.prepared')));
  assert.deepEqual(prepare(), [], 'nothing changed: no build');

  // As if the last build were a minute older than the source (a `git pull` since, an edit).
  const earlier = new Date(statSync(join(dir, 'src', 'a.ts')).mtimeMs - 60_000);
  utimesSync(join(dir, 'dist', '.prepared'), earlier, earlier);
  assert.deepEqual(prepare(), ['run build'], 'a source changed: builds');
  assert.deepEqual(prepare(), [], 'and then not again');
});
