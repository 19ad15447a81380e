import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';

const BIN = join(packageRoot, 'bin/roost.js');
// The children must not pick up the caller's Roost settings.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROOST_')));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function roost(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: packageRoot, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const CLIENT = ['--hub', '--token', '--data', '--config'];
const HUB = ['--host', '--port', '--data', '--config', '--kind', '--sync', '--log-level'];

/** Every command and the flags its help must list. */
const COMMANDS: Record<string, string[]> = {
  up: [...HUB, '--concurrency'],
  hub: HUB,
  worker: [...CLIENT, '--handlers', '--no-builtins', '--concurrency', '--name', '--id', '--grace', '--wait', '--log-level'],
  'job submit': [
    ...CLIENT,
    '--json',
    '--input-file',
    '--variants',
    '--priority',
    '--delay',
    '--run-at',
    '--max-attempts',
    '--lease',
    '--backoff',
    '--key',
    '--require',
    '--seed',
    '--wait',
    '--timeout',
  ],
  'job get': [...CLIENT, '--json', '--wait'],
  'job list': [...CLIENT, '--json', '--state', '--kind', '--limit', '--cursor'],
  'job watch': [...CLIENT, '--json'],
  'job cancel': [...CLIENT, '--json'],
  'task redrive': [...CLIENT, '--json'],
  'task get': [...CLIENT, '--json'],
  'task dead': [...CLIENT, '--json', '--limit', '--cursor'],
  'token create': [...CLIENT, '--json', '--scope'],
  'token list': [...CLIENT, '--json'],
  'token revoke': [...CLIENT, '--json'],
  workers: [...CLIENT, '--json'],
  stats: [...CLIENT, '--json'],
};

describe('roost CLI: help and flag checking', () => {
  test('--version prints the version', async () => {
    const r = await roost(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  test('--help lists every command', async () => {
    const r = await roost(['--help']);
    assert.equal(r.code, 0);
    for (const name of ['up', 'hub', 'worker', 'job', 'task', 'token', 'workers', 'stats']) assert.match(r.stdout, new RegExp(`\\n  ${name}\\b`));
  });

  for (const [group, subs] of Object.entries({ job: ['submit', 'get', 'list', 'watch', 'cancel'], task: ['redrive', 'get', 'dead'], token: ['create', 'list', 'revoke'] })) {
    test(`${group} --help lists its subcommands`, async () => {
      const r = await roost([group, '--help']);
      assert.equal(r.code, 0);
      for (const s of subs) assert.match(r.stdout, new RegExp(`\\n  ${s}\\b`));
    });
  }

  for (const [command, flags] of Object.entries(COMMANDS)) {
    test(`${command} --help mentions every flag`, async () => {
      const r = await roost([...command.split(' '), '--help']);
      assert.equal(r.code, 0, r.stderr);
      for (const flag of flags) assert.ok(r.stdout.includes(flag), `${command} --help does not mention ${flag}`);
    });
  }

  test('an unknown flag is an error naming it', async () => {
    const r = await roost(['job', 'list', '--bogus-flag']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--bogus-flag/);
  });

  test('an unexpected extra argument is an error', async () => {
    const r = await roost(['job', 'get', 'one', 'two']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /too many arguments/);
  });

  test('input that is not JSON is an error naming the input argument', async () => {
    const r = await roost(['job', 'submit', 'text.markov', '{bad']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^roost: error: .*INPUT argument.*not valid JSON/);
  });

  for (const [args, flag] of [
    [['job', 'submit', 'text.markov', '--variants', 'abc'], '--variants'],
    [['job', 'submit', 'text.markov', '--variants', '0'], '--variants'],
    [['job', 'submit', 'text.markov', '--require', 'foo'], '--require'],
    [['job', 'submit', 'text.markov', '--delay', 'soon'], '--delay'],
    [['hub', '--port', '99999'], '--port'],
    [['token', 'create', 'x', '--scope', 'root'], '--scope'],
  ] as const) {
    test(`${args.join(' ')} exits 2 naming ${flag}`, async () => {
      const r = await roost([...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`^roost: error: ${flag} `));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  test('an unreachable hub is an error with exit code 1', async () => {
    const r = await roost(['job', 'get', 'job_x', '--hub', 'http://127.0.0.1:9', '--token', 'roost_x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^roost: error: cannot reach the hub/);
  });
});

describe('roost up: end to end', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  let url: string;
  const lines: string[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roost-cli-'));
    child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data', dataDir, '--log-level', 'warn'], { cwd: packageRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.resume();
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`roost up exited early with ${code}`))));
    const hubLine = new Promise<string>((resolve) => {
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.startsWith('Roost hub on ')) resolve(line);
      });
    });
    const line = await Promise.race([hubLine, exited]);
    url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
  });

  after(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const client = (...args: string[]) => roost([...args, '--hub', url, '--data', dataDir]);

  test('prints the hub line, the local worker and a hint, but not the token', () => {
    assert.match(lines[0]!, /^Roost hub on http:\/\/127\.0\.0\.1:\d+ — API: .*\/v1\/openapi\.json — admin token file: .*admin\.token$/);
    assert.doesNotMatch(lines.join('\n'), /roost_[0-9a-f]{12}_/);
  });

  test('job submit --wait prints each result and exits 0', async () => {
    const r = await client('job', 'submit', 'text.markov', '{"prompt":"the sea","maxWords":10}', '--variants', '3', '--wait');
    assert.equal(r.code, 0, r.stderr);
    const results = r.stdout.split('\n').filter((l) => /^\[variant \d, seed \d+\] /.test(l));
    assert.equal(results.length, 3, r.stdout);
    assert.match(r.stdout, /succeeded/);
  });

  test('job submit --wait --json prints one JSON line per result, then the job', async () => {
    const r = await client('job', 'submit', 'text.markov', '{"maxWords":3}', '--variants', '2', '--wait', '--json');
    assert.equal(r.code, 0, r.stderr);
    const docs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(docs.length, 3);
    assert.equal(docs[2]!.state, 'succeeded');
  });

  test('stats --json parses', async () => {
    const r = await client('stats', '--json');
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(r.stdout) as { workersConnected: number; tasks: unknown[] };
    assert.ok(Array.isArray(stats.tasks));
    assert.equal(typeof stats.workersConnected, 'number');
  });

  test('token create --json returns the token', async () => {
    const r = await client('token', 'create', 'w', '--scope', 'worker', '--json');
    assert.equal(r.code, 0, r.stderr);
    const created = JSON.parse(r.stdout) as { token: string; scope: string };
    assert.ok(created.token.startsWith('roost_'));
    assert.equal(created.scope, 'worker');
  });

  test('a hub error names the field and exits 1', async () => {
    const r = await client('job', 'submit', 'no.such.kind');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^roost: error: .*\(field: kind\)/);
  });

  test('SIGTERM stops the hub with exit code 0 within 5 s', async () => {
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
});
