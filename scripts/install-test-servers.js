// Installs the test-only servers and heavy packages that some tests run (a Bluesky PDS, a local
// Telegram Bot API, node-llama-cpp, ...). Each lives in a package of its own, test/servers/<name>/,
// so the root's `npm install` stays fast; this script, run by `npm test` before the tests, installs
// each such package that is missing or whose package.json or lock changed since it was installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const root = 'test/servers';

function fingerprint(dir) {
  const hash = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) {
    if (existsSync(join(dir, f))) hash.update(readFileSync(join(dir, f)));
  }
  return hash.digest('hex');
}

export function installTestServers() {
  if (!existsSync(root)) return 0;
  let status = 0;
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
    const stamp = join(dir, 'node_modules', '.roost-installed');
    const want = fingerprint(dir);
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) continue;
    const verb = existsSync(join(dir, 'package-lock.json')) ? 'ci' : 'install';
    console.log(`# installing the test package ${dir} (npm ${verb}; once, then only when it changes)`);
    const started = Date.now();
    const result = spawnSync('npm', [verb, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      stdio: 'inherit',
    });
    if (result.status !== 0) {
      console.error(`*** npm ${verb} in ${dir} failed: the tests that need it will fail ***`);
      status = 1;
      continue;
    }
    writeFileSync(stamp, want);
    console.log(`# ${dir} installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return status;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(installTestServers());
