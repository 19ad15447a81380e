/**
 * Helpers for the CLI tests: run `node bin/roost.js ...` as a user would, and start a hub with
 * `roost up --port 0` in a temp directory. Call `hub.stop()` in `after`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/paths.js';
import { onPostgresPass, testDatabase } from '../helpers/postgres.js';

export const BIN = join(packageRoot, 'bin/roost.js');
// The children must not pick up the caller's Roost settings.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROOST_')));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion; `input` is written to its stdin (a pipe, never a terminal). */
export function roost(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: packageRoot, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

export interface Hub {
  child: ChildProcess;
  url: string;
  dataDir: string;
  /** The lines `roost up` printed on stdout. */
  lines: string[];
  /** Runs the CLI against this hub. */
  client(args: string[], input?: string): Promise<Run>;
  /** Kills the hub if it still runs and removes its data directory (and its schema in the PostgreSQL pass). */
  stop(): Promise<void>;
}

/**
 * Starts `roost up --port 0` (plus `extra` flags) on a fresh data directory; resolves once it
 * prints its URL. In the PostgreSQL pass the store is a schema of its own, unless `extra` names one.
 */
export async function startHub(extra: string[] = []): Promise<Hub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roost-cli-'));
  const db = onPostgresPass && !extra.includes('--store') ? await testDatabase() : null;
  const store = db ? ['--store', db.url] : [];
  const child = spawn(
    process.execPath,
    [
      BIN,
      'up',
      '--port',
      '0',
      '--data',
      dataDir,
      '--bots',
      join(dataDir, 'bots'),
      '--log-level',
      'warn',
      ...store,
      ...extra,
    ],
    {
      cwd: packageRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
  };
  child.stderr.resume();
  const lines: string[] = [];
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`roost up exited early with ${code}`))),
  );
  const hubLine = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('Roost hub on ')) resolve(line);
    });
  });
  let line: string;
  try {
    line = await Promise.race([hubLine, exited]);
  } catch (e) {
    await stop();
    throw e;
  }
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
  return {
    child,
    url,
    dataDir,
    lines,
    stop,
    client: (args, input) => roost([...args, '--hub', url, '--data', dataDir], input),
  };
}
