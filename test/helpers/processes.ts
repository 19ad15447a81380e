/**
 * Child-process helpers for the fault tests: a hub and workers started the way a user starts
 * them (`node bin/roost.js hub|worker`), their JSON logs read from stderr, and every process and
 * temp directory tracked so that `cleanupProcesses()` (call it in `after`) kills and removes them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/paths.js';

export const ROOST_BIN = join(packageRoot, 'bin/roost.js');
/** The handler module of the fault tests (plain JS, loaded by the worker from the source tree). */
export const FAULT_HANDLERS = join(packageRoot, 'test/fixtures/faultHandlers.js');

/** How many stderr/stdout lines each process keeps for failure reports. */
const KEEP_LINES = 400;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One parsed pino line (the fields the tests look at, plus anything else it carried). */
export interface LogLine {
  msg?: string;
  level?: number;
  [field: string]: unknown;
}

type LogWaiter = { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void };

/** A spawned roost process: its output, its exit, and waits on its log lines. */
export class RoostProcess {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  /** Set once the process has exited. */
  exit: Exit | null = null;
  private readonly stderrLines: string[] = [];
  private readonly stdoutLines: string[] = [];
  private readonly logs: LogLine[] = [];
  private waiters: LogWaiter[] = [];

  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
  ) {
    this.proc = spawn(process.execPath, [ROOST_BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.proc.pid === undefined) throw new Error(`could not spawn ${name}`);
    this.pid = this.proc.pid;
    this.exited = new Promise<Exit>((resolve) => {
      const exited = (exit: Exit) => {
        this.exit ??= exit;
        live.delete(this);
        resolve(this.exit);
      };
      this.proc.once('exit', (code, signal) => exited({ code, signal }));
      // A spawn error surfaces as an exit so nothing waits forever.
      this.proc.once('error', (e) => {
        this.stderrLines.push(`spawn error: ${e.message}`);
        exited({ code: null, signal: null });
      });
    });
    createInterface({ input: this.proc.stderr! }).on('line', (line) => this.onStderr(line));
    createInterface({ input: this.proc.stdout! }).on('line', (line) => keep(this.stdoutLines, line));
    live.add(this);
    spawned.push(this);
  }

  private onStderr(text: string): void {
    keep(this.stderrLines, text);
    let line: LogLine;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null) return;
      line = parsed as LogLine;
    } catch {
      return;
    }
    keep(this.logs, line);
    for (const w of [...this.waiters]) {
      if (w.match(line)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  /**
   * The first log line matching (already seen or still to come). Rejects when the process exits
   * first or after `timeoutMs`, with its stderr in the message.
   */
  waitForLog(match: string | ((line: LogLine) => boolean), timeoutMs = 30_000): Promise<LogLine> {
    const test = typeof match === 'string' ? (l: LogLine) => l.msg === match : match;
    const seen = this.logs.find(test);
    if (seen) return Promise.resolve(seen);
    const what = typeof match === 'string' ? `log line '${match}'` : 'a matching log line';
    return new Promise<LogLine>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const waiter: LogWaiter = {
        match: test,
        resolve: (l) => {
          done();
          resolve(l);
        },
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms\n${this.output()}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      void this.exited.then((exit) => {
        if (!this.waiters.includes(waiter)) return;
        done();
        reject(
          new Error(`${this.name} exited (code ${exit.code}, signal ${exit.signal}) before ${what}\n${this.output()}`),
        );
      });
    });
  }

  /** Log lines seen so far (the last few hundred). */
  get logLines(): readonly LogLine[] {
    return this.logs;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exit) return false;
    return this.proc.kill(signal);
  }

  /** Resolves with the exit, or rejects after `timeoutMs` (the process is left running). */
  waitForExit(timeoutMs = 30_000): Promise<Exit> {
    return withTimeout(
      this.exited,
      timeoutMs,
      () => `${this.name} did not exit within ${timeoutMs} ms\n${this.output()}`,
    );
  }

  /** The tail of stdout and stderr, for failure messages. */
  output(): string {
    const state = this.exit ? `exited code=${this.exit.code} signal=${this.exit.signal}` : 'running';
    return [
      `--- ${this.name} (pid ${this.pid}, ${state}) stdout ---`,
      ...this.stdoutLines,
      `--- ${this.name} stderr (last ${KEEP_LINES} lines) ---`,
      ...this.stderrLines,
    ].join('\n');
  }
}

function keep<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEEP_LINES) list.splice(0, list.length - KEEP_LINES);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- Tracking and cleanup ----

const live = new Set<RoostProcess>();
const spawned: RoostProcess[] = [];
const tempDirs: string[] = [];

/** A temp directory removed by cleanupProcesses(). */
export function makeTempDir(prefix = 'roost-fault-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Every process spawned since the last cleanup, running or not. */
export function spawnedProcesses(): readonly RoostProcess[] {
  return spawned;
}

/** The output of every process spawned since the last cleanup, for a failure report. */
export function processOutputs(): string {
  return spawned.map((p) => p.output()).join('\n');
}

/**
 * Runs a test body; when it throws, prints the output of every spawned process to stderr first
 * (the test runner shows it with the failure), then rethrows.
 */
export async function dumpOnFailure<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    process.stderr.write(`\n==== processes of the failed test ====\n${processOutputs()}\n==== end ====\n`);
    throw e;
  }
}

/** SIGKILLs every process still running, waits for them to go, removes the temp directories. */
export async function cleanupProcesses(): Promise<void> {
  const running = [...live];
  for (const p of running) p.kill('SIGKILL');
  await Promise.all(
    running.map((p) =>
      withTimeout(p.exited, 10_000, () => `${p.name} (pid ${p.pid}) survived SIGKILL`).catch(() => undefined),
    ),
  );
  live.clear();
  spawned.length = 0;
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// ---- Environment and ports ----

/** The parent's environment without Roost settings or the fixtures' switches, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('ROOST_') || k === 'HOLD' || k === 'NODE_OPTIONS' || k === 'NODE_TEST_CONTEXT') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** A TCP port that was free a moment ago: listen on port 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from the OS'))));
    });
  });
}

// ---- Hub and worker processes ----

export interface HubProcessOptions {
  dataDir: string;
  /** 0 or left out: any free port (read back from the 'hub listening' line). */
  port?: number;
  /** Kinds accepted before any worker offers them (`--kind`). */
  kinds?: string[];
  /** More flags for `roost hub`. */
  args?: string[];
  env?: Record<string, string>;
  name?: string;
  /** How long to wait for 'hub listening'. */
  startTimeoutMs?: number;
}

export interface HubProcess {
  url: string;
  port: number;
  adminToken: string;
  pid: number;
  proc: ChildProcess;
  handle: RoostProcess;
  exited: Promise<Exit>;
  kill(signal?: NodeJS.Signals): boolean;
}

/** Starts `roost hub` and waits for its 'hub listening' line; reads the admin token file. */
export async function startHubProcess(opts: HubProcessOptions): Promise<HubProcess> {
  const args = ['hub', '--data', opts.dataDir, '--port', String(opts.port ?? 0), '--log-level', 'info'];
  for (const k of opts.kinds ?? []) args.push('--kind', k);
  args.push(...(opts.args ?? []));
  const handle = new RoostProcess(opts.name ?? 'hub', args, childEnv(opts.env), opts.dataDir);
  const line = await handle.waitForLog('hub listening', opts.startTimeoutMs ?? 30_000);
  const url = String(line.url);
  const port = Number(new URL(url).port);
  const adminToken = readFileSync(join(opts.dataDir, 'admin.token'), 'utf8').trim();
  return {
    url,
    port,
    adminToken,
    pid: handle.pid,
    proc: handle.proc,
    handle,
    exited: handle.exited,
    kill: (signal = 'SIGTERM') => handle.kill(signal),
  };
}

export interface WorkerProcessOptions {
  url: string;
  token: string;
  /** A handler module (default: test/fixtures/faultHandlers.js). Built-in handlers are off. */
  handlers?: string;
  concurrency?: number;
  /** `--grace`, e.g. '200ms'. */
  grace?: string;
  env?: Record<string, string>;
  name?: string;
  args?: string[];
  startTimeoutMs?: number;
}

export interface WorkerProcess {
  workerId: string;
  pid: number;
  proc: ChildProcess;
  handle: RoostProcess;
  exited: Promise<Exit>;
  kill(signal?: NodeJS.Signals): boolean;
}

/** Starts `roost worker` and waits for its 'worker started' line. */
export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  const name = opts.name ?? 'worker';
  const args = [
    'worker',
    '--hub',
    opts.url,
    '--token',
    opts.token,
    '--handlers',
    opts.handlers ?? FAULT_HANDLERS,
    '--no-builtins',
  ];
  args.push('--concurrency', String(opts.concurrency ?? 4), '--name', name, '--log-level', 'info');
  if (opts.grace !== undefined) args.push('--grace', opts.grace);
  args.push(...(opts.args ?? []));
  const handle = new RoostProcess(name, args, childEnv(opts.env), tmpdir());
  const line = await handle.waitForLog('worker started', opts.startTimeoutMs ?? 30_000);
  return {
    workerId: String(line.workerId),
    pid: handle.pid,
    proc: handle.proc,
    handle,
    exited: handle.exited,
    kill: (signal = 'SIGTERM') => handle.kill(signal),
  };
}

/** Creates a token of the given scope with the admin token (`POST /v1/tokens`). */
export async function createToken(
  url: string,
  adminToken: string,
  scope: 'admin' | 'client' | 'worker' | 'bot',
  name = `fault test ${scope}`,
): Promise<{ id: string; token: string }> {
  const res = await fetch(`${url}/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, scope }),
  });
  const body = (await res.json()) as { id: string; token: string };
  if (res.status !== 201)
    throw new Error(`creating a ${scope} token failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}
