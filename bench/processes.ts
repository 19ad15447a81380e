/**
 * Child processes, temp directories and cleanup: everything the bench starts is tracked here and
 * removed by cleanupAll(), which main.ts runs at the end, on error and on SIGINT/SIGTERM. If the
 * bench itself dies, an 'exit' hook still SIGKILLs its children and removes its temp directories,
 * and worker processes (spawned with an IPC channel) stop when their channel closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sleep, TimeoutError, withTimeout } from './time.js';

const KEEP_LINES = 200;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned process: its last output lines, its exit, and its IPC messages. */
export class Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  private readonly lines: string[] = [];
  private readonly lineWaiters = new Set<(line: string) => void>();

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv; ipc?: boolean } = {},
  ) {
    const stdio: Array<'ignore' | 'pipe' | 'ipc'> = ['ignore', 'pipe', 'pipe'];
    if (opts.ipc) stdio.push('ipc');
    this.proc = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? childEnv(), stdio });
    if (this.proc.pid === undefined) throw new Error(`could not spawn ${name}`);
    this.pid = this.proc.pid;
    this.exited = new Promise<Exit>((resolve) => {
      const done = (exit: Exit) => {
        this.exit ??= exit;
        live.delete(this);
        resolve(this.exit);
      };
      this.proc.once('exit', (code, signal) => done({ code, signal }));
      this.proc.once('error', (e) => {
        this.keep(`spawn error: ${e.message}`);
        done({ code: null, signal: null });
      });
    });
    for (const stream of [this.proc.stdout!, this.proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.keep(line));
    }
    live.add(this);
  }

  private keep(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEEP_LINES) this.lines.splice(0, this.lines.length - KEEP_LINES);
    for (const w of this.lineWaiters) w(line);
  }

  /** The first output line (stdout or stderr) matching, seen already or still to come. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const m = re.exec(line);
      if (m) return Promise.resolve(m);
    }
    let waiter: ((line: string) => void) | undefined;
    const found = new Promise<RegExpMatchArray>((resolve, reject) => {
      waiter = (line) => {
        const m = re.exec(line);
        if (m) resolve(m);
      };
      this.lineWaiters.add(waiter);
      void this.exited.then((e) =>
        reject(
          new Error(`${this.name} exited (code ${e.code}, signal ${e.signal}) before printing ${re}\n${this.tail()}`),
        ),
      );
    });
    return withTimeout(found, timeoutMs, `${this.name}: waiting for ${re}`)
      .catch((e: unknown) => {
        if (e instanceof TimeoutError) throw new TimeoutError(`${e.message}\n${this.tail()}`);
        throw e;
      })
      .finally(() => this.lineWaiters.delete(waiter!));
  }

  onMessage(fn: (msg: unknown) => void): void {
    this.proc.on('message', fn);
  }

  /** SIGTERM, then SIGKILL when it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.proc.kill('SIGTERM');
    try {
      return await withTimeout(this.exited, graceMs, `${this.name} stopping`);
    } catch {
      this.proc.kill('SIGKILL');
      return withTimeout(this.exited, 5000, `${this.name} SIGKILL`).catch(() => ({ code: null, signal: null }));
    }
  }

  tail(n = 30): string {
    return [`--- ${this.name} (pid ${this.pid}) last output ---`, ...this.lines.slice(-n)].join('\n');
  }
}

/** The bench's environment without Roost settings or NODE_OPTIONS, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('ROOST_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** The resident set size of a process in MiB, from /proc/<pid>/status (VmRSS). */
export function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

// ---- Tracking and cleanup ----

const live = new Set<Child>();
const tempDirs: string[] = [];
const cleanups: Array<{ what: string; fn: () => Promise<void> | void }> = [];

/** A temp directory removed by cleanupAll(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  const i = tempDirs.indexOf(dir);
  if (i >= 0) tempDirs.splice(i, 1);
}

/** Registers a cleanup step (dropping a peer's schema, say); steps run last registered first. */
export function onCleanup(what: string, fn: () => Promise<void> | void): () => void {
  const entry = { what, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Stops every live child, runs the cleanup steps (each bounded), removes the temp directories. */
export async function cleanupAll(log: (line: string) => void = () => undefined): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(3000)));
  for (const { what, fn } of cleanups.splice(0).reverse()) {
    try {
      await withTimeout(Promise.resolve().then(fn), 15_000, `cleanup: ${what}`);
    } catch (e) {
      log(`cleanup step failed (${what}): ${(e as Error).message}`);
    }
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  // Let the OS reap the children and close sockets before the next scenario or the exit.
  await sleep(50);
}

process.on('exit', () => {
  for (const c of live) c.proc.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** CPU seconds (user + system) a live process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in ticks of 1/100 s
}
