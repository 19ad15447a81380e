// Runs every compiled test file under dist/test with node's test runner, two files at a time
// (the machines have two cores; fault tests start several processes each). Then runs the
// API-level tests (test/hub, test/pipelines, and for the bots test/platforms and test/examples)
// again with each hub on PostgreSQL, when it is reachable; under CI an unreachable PostgreSQL
// fails that pass instead of skipping it. (test/bots stays on SQLite: the runtime does not depend
// on the store, whose bot contract runs on both, and the examples run the runtime on PostgreSQL
// end to end.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { installTestServers } from './install-test-servers.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

function run(files, env = {}, concurrency = 2) {
  const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

/**
 * The fast tier's way: the files shared among four processes, each importing its share, rather
 * than a process per file (which spends most of the tier's CPU loading the same modules 55 times).
 * Shares are balanced by file size. A test that passes alone but fails here shares state it should not.
 */
const SHARES = 4;
function runShared(files, env) {
  const shares = Array.from({ length: SHARES }, () => []);
  const load = shares.map(() => 0);
  for (const f of [...files].sort((a, b) => statSync(b).size - statSync(a).size)) {
    const i = load.indexOf(Math.min(...load));
    shares[i].push(f);
    load[i] += statSync(f).size;
  }
  const dir = mkdtempSync(join(tmpdir(), 'roost-unit-'));
  try {
    const entries = shares
      .filter((s) => s.length > 0)
      .map((share, i) => {
        const entry = join(dir, `share-${i}.test.mjs`);
        writeFileSync(entry, share.map((f) => `import '${pathToFileURL(resolve(f)).href}';\n`).join(''));
        return entry;
      });
    return run(entries, env, entries.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function reachable() {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

// `--unit`: the fast tier (`npm run test:unit`): no test that starts processes (hubs, workers, bot
// runtimes, the CLI) or a browser, no test-only servers, no second pass on PostgreSQL.
const unit = process.argv.includes('--unit');
const SPAWNING = ['faults', 'cli', 'web', 'examples', 'bots', 'platforms'].map((d) => join('dist', 'test', d) + '/');
// Elsewhere, a test file is left out when it starts processes itself, or when it or a test helper
// it imports (transitively) starts a test-only server from test/servers/.
const SPAWNS = /node:child_process|helpers\/processes\.js|roostCli\.js/;
const SERVER =
  /helpers\/s3rver\.js|fixtures\/telegramServer\.js|fixtures\/ircServer\.js|fixtures\/blueskyNetwork\.js|servers\/llama/;
const serverCache = new Map();
function needsServer(file) {
  if (serverCache.has(file)) return serverCache.get(file);
  serverCache.set(file, false); // an import cycle ends here
  const text = readFileSync(file, 'utf8');
  const local = [...text.matchAll(/from '(\.{1,2}\/[^']+\.js)'/g)]
    .map((m) => join(dirname(file), m[1]))
    .filter((f) => f.startsWith(join('dist', 'test')) && existsSync(f));
  const result = SERVER.test(text) || local.some(needsServer);
  serverCache.set(file, result);
  return result;
}
const heavy = (file) => SPAWNS.test(readFileSync(file, 'utf8')) || needsServer(file);
const only = process.argv.slice(2).filter((a) => a !== '--unit');
const files = find('dist/test')
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .filter((f) => !unit || (!SPAWNING.some((d) => f.startsWith(d)) && !heavy(f)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/test; run `npm run build` first');
  process.exit(1);
}
// Test-only packages first: a failed install fails the run (the tests needing it would fail anyway).
let status = unit ? 0 : installTestServers();
// The fast tier sends a quarter of the generated bad bodies (test/property); the full suite all of them.
if (unit) process.exit(runShared(files, { ROOST_PROPERTY_RUNS: process.env.ROOST_PROPERTY_RUNS ?? '150' }));
status = run(files) || status;
// The hub tests that are about PostgreSQL itself already ran above.
const again = ['hub', 'platforms', 'examples', 'pipelines'].map((d) => join('dist', 'test', d));
// IRC's connector keeps nothing in the store beyond what every connector does (the ledger, the call
// history), which the other connectors cover on PostgreSQL; its tests wait out real pacing and reconnects.
const pgPassFiles = files.filter(
  (f) => again.some((d) => f.startsWith(d + '/')) && !f.includes('postgres') && !/\/irc(Bot)?\.test\.js$/.test(f),
);
const underCI = process.env.CI === 'true' || process.env.CI === '1';
if (pgPassFiles.length > 0 && !underCI && !(await reachable())) {
  console.error(
    `\n*** PostgreSQL at ${PG_URL} is not reachable: SKIPPING the hub and example tests on PostgreSQL. Start it to run them. ***\n`,
  );
} else if (pgPassFiles.length > 0) {
  console.log(
    '\n# test/hub, test/platforms and test/examples again, each hub on PostgreSQL (ROOST_TEST_STORE=postgres)\n',
  );
  status = run(pgPassFiles, { ROOST_TEST_STORE: 'postgres' }) || status;
}
process.exit(status);
