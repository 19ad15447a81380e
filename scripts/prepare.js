// The `prepare` script: runs the whole build (`npm run build`) only when something it reads changed
// since the last build finished. `npm install` runs prepare, and so does every `npx roost ...` run in
// the checkout (npx links the folder into its cache and prepares it), so with nothing to do this must
// answer in a moment, not rebuild for half a minute. `npm run build` still always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the build reads (see "build" in package.json and the tsconfig files it names). */
const INPUTS = ['src', 'test', 'bench', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.types.json'];
/** Written when a build this script ran has finished: the build is as new as its mtime. */
const STAMP = join('dist', '.prepared');

/** The newest mtime (ms) of the files under `path`; 0 when there are none. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a deleted or renamed file shows as a change of its folder
  for (const name of readdirSync(path)) {
    if (name === 'node_modules') continue;
    latest = Math.max(latest, newest(join(path, name)));
  }
  return latest;
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const changed = Math.max(...INPUTS.map(newest));
if (built > 0 && changed <= built) process.exit(0);

const started = Date.now();
const npm = process.env.npm_execpath;
// Under npm, its own CLI file; run by hand, the npm on PATH.
const build = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
if (build.status !== 0) process.exit(build.status ?? 1);
// The stamp takes the time the build started: a file saved during the build counts as a change.
writeFileSync(STAMP, '');
utimesSync(STAMP, new Date(started), new Date(started));
