import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { roost, startHub, type Hub } from './roostCli.js';

const CLIENT = ['--hub', '--token', '--data', '--config'];
const HUB = ['--host', '--port', '--data', '--config', '--store', '--kind', '--sync', '--log-level'];

/** Every command and the flags its help must list. */
const COMMANDS: Record<string, string[]> = {
  up: [...HUB, '--concurrency'],
  hub: HUB,
  worker: [
    ...CLIENT,
    '--handlers',
    '--no-builtins',
    '--concurrency',
    '--name',
    '--id',
    '--grace',
    '--wait',
    '--log-level',
    '--exec',
    '--openai',
    '--model',
    '--gguf',
    '--sd-webui',
    '--comfyui',
    '--workflow',
  ],
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
    '--concurrency-key',
    '--cache',
    '--cache-ttl',
    '--file',
    '--wait',
    '--timeout',
  ],
  'job get': [...CLIENT, '--json', '--wait'],
  'job list': [...CLIENT, '--json', '--state', '--kind', '--limit', '--cursor'],
  'job watch': [...CLIENT, '--json'],
  'job cancel': [...CLIENT, '--json'],
  'job enough': [...CLIENT, '--json'],
  'task redrive': [...CLIENT, '--json'],
  'task get': [...CLIENT, '--json'],
  'task dead': [...CLIENT, '--json', '--limit', '--cursor'],
  'task purge': [...CLIENT, '--json', '--all-dead', '--yes'],
  'limit set': [...CLIENT, '--json', '--concurrency', '--rate'],
  'limit list': [...CLIENT, '--json'],
  'limit delete': [...CLIENT, '--json'],
  'token create': [...CLIENT, '--json', '--scope', '--store'],
  'token list': [...CLIENT, '--json'],
  'token revoke': [...CLIENT, '--json'],
  workers: [...CLIENT, '--json'],
  stats: [...CLIENT, '--json'],
  export: ['--store', '--data', '--config', '--json', '--force'],
  import: ['--store', '--data', '--config', '--json'],
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
    for (const name of ['up', 'hub', 'worker', 'job', 'task', 'limit', 'token', 'workers', 'stats', 'export', 'import'])
      assert.match(r.stdout, new RegExp(`\\n  ${name}\\b`));
  });

  test('a subcommand --help prints the help of that subcommand', async () => {
    const r = await roost(['job', 'submit', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, helpOf('job submit'));
  });

  // The rest of the help is read from the program itself: the text `--help` prints, without a process each.
  const program = buildProgram();
  function helpOf(path: string): string {
    let c: Command = program;
    for (const name of path.split(' ')) {
      const next = c.commands.find((s) => s.name() === name);
      assert.ok(next, `roost ${path}: no command '${name}'`);
      c = next;
    }
    return c.helpInformation();
  }

  for (const [group, subs] of Object.entries({
    job: ['submit', 'get', 'list', 'watch', 'cancel', 'enough'],
    task: ['redrive', 'get', 'dead', 'purge'],
    limit: ['set', 'list', 'delete'],
    token: ['create', 'list', 'revoke'],
  })) {
    test(`${group} --help lists its subcommands`, () => {
      for (const s of subs) assert.match(helpOf(group), new RegExp(`\\n  ${s}\\b`));
    });
  }

  for (const [command, flags] of Object.entries(COMMANDS)) {
    test(`${command} --help mentions every flag`, () => {
      const help = helpOf(command);
      for (const flag of flags) assert.ok(help.includes(flag), `${command} --help does not mention ${flag}`);
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
    [['job', 'submit', 'text.markov', '--cache-ttl', 'forever'], '--cache-ttl'],
    [['job', 'submit', 'text.markov', '--file', 'jobs.jsonl'], '--file'],
    [['job', 'submit', '--file', '-', '{}'], '--file'],
    [['limit', 'set', 'bot:*', '--rate', '10'], '--rate'],
    [['limit', 'set', 'bot:*', '--rate', '0/1m'], '--rate'],
    [['limit', 'set', 'bot:*', '--rate', '10/2d'], '--rate'],
    [['limit', 'set', 'bot:*', '--concurrency', '0'], '--concurrency'],
    [['task', 'purge', 'task_x', '--yes'], '--yes'],
    [['task', 'purge', 'task_x', '--all-dead'], '--all-dead'],
    [['worker', '--sd-webui', 'ftp://host'], '--sd-webui'],
    [['worker', '--workflow', 'wf.json'], '--workflow'],
    [['worker', '--model', 'm'], '--model'],
    [['worker', '--sd-webui', 'http://a', '--comfyui', 'http://b', '--model', 'm'], '--model'],
  ] as const) {
    test(`${args.join(' ')} exits 2 naming ${flag}`, async () => {
      const r = await roost([...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`^roost: error: ${flag} `));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  test('job submit --file with KIND names the KIND argument', async () => {
    const r = await roost(['job', 'submit', 'text.markov', '{}', '--file', 'jobs.jsonl']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^roost: error: --file .*the KIND argument, the INPUT argument/);
  });

  test('job submit --file: a line that is not JSON exits 2 naming --file and the line', async () => {
    const r = await roost(
      ['job', 'submit', '--file', '-', '--token', 'roost_x'],
      '{"kind":"text.markov","input":{}}\n\n{"kind": oops}\n',
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^roost: error: --file line 3 of stdin is not valid JSON/);
  });

  test('job submit --file: a line that is not an object exits 2 naming the line', async () => {
    const r = await roost(['job', 'submit', '--file', '-', '--token', 'roost_x'], '[1, 2]\n');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^roost: error: --file line 1 of stdin is not a JSON object/);
  });

  test('job submit without KIND or --file exits 2 naming both', async () => {
    const r = await roost(['job', 'submit']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /KIND.*--file/);
  });

  test('limit set with neither --concurrency nor --rate exits 2 naming both', async () => {
    const r = await roost(['limit', 'set', 'bot:*']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^roost: error: .*--concurrency.*--rate/);
  });

  test('task purge --all-dead without --yes refuses when stdin is not a terminal', async () => {
    const r = await roost(['task', 'purge', '--all-dead']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--yes/);
  });

  test('an unreachable hub is an error with exit code 1', async () => {
    const r = await roost(['job', 'get', 'job_x', '--hub', 'http://127.0.0.1:9', '--token', 'roost_x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^roost: error: cannot reach the hub/);
  });
});

describe('roost up: end to end', () => {
  let hub: Hub;

  before(async () => {
    hub = await startHub();
  });

  after(() => hub?.stop());

  const client = (...args: string[]) => hub.client(args);

  test('prints the hub line, the local worker and a hint, but not the token', () => {
    assert.match(
      hub.lines[0]!,
      /^Roost hub on http:\/\/127\.0\.0\.1:\d+ — dashboard: http:\/\/127\.0\.0\.1:\d+\/ — API: .*\/v1\/openapi\.json — admin token file: .*admin\.token$/,
    );
    assert.doesNotMatch(hub.lines.join('\n'), /roost_[0-9a-f]{12}_/);
  });

  test('job submit --wait prints each result and exits 0', async () => {
    const r = await client(
      'job',
      'submit',
      'text.markov',
      '{"prompt":"the sea","maxWords":10}',
      '--variants',
      '3',
      '--wait',
    );
    assert.equal(r.code, 0, r.stderr);
    const results = r.stdout.split('\n').filter((l) => /^\[variant \d, seed \d+\] /.test(l));
    assert.equal(results.length, 3, r.stdout);
    assert.match(r.stdout, /succeeded/);
  });

  test('job submit --wait --json prints one JSON line per result, then the job', async () => {
    const r = await client('job', 'submit', 'text.markov', '{"maxWords":3}', '--variants', '2', '--wait', '--json');
    assert.equal(r.code, 0, r.stderr);
    const docs = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
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
    const exited = new Promise<number | null>((resolve) => hub.child.once('exit', (code) => resolve(code)));
    hub.child.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
});
