import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { NonRetryableError, type Handler, type TaskContext } from '../handler.js';

/**
 * `roost worker --exec CMD`: one kept subprocess (run by /bin/sh) speaking JSON Lines, so a
 * handler can be written in any language with no Roost library (docs/python-handlers.md).
 *
 *   it writes first   {"type":"ready","kinds":["text.upper", {"kind":"x.y","labels":{...}}]}
 *   we write          {"type":"task","id","kind","input","seed","index","attempt","jobId"}
 *                     {"type":"cancel","id"}
 *   it writes         {"type":"progress","id","progress","partial"?}
 *                     {"type":"result","id","output"} | {"type":"error","id","message","retryable"?}
 *
 * When the process dies, every task it held fails (retryably) and it is started again, after a
 * backoff when it keeps dying.
 */

interface Pending {
  ctx: TaskContext;
  resolve(output: unknown): void;
  reject(e: Error): void;
}

interface Offer {
  kind: string;
  labels: Record<string, string>;
}

const READY_TIMEOUT_MS = 60_000;
const STDERR_KEEP = 2000;

export class ExecProcess {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<string, Pending>();
  private ready: Promise<Offer[]> | null = null;
  private stderrTail = '';
  private restarts = 0;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly command: string,
    private readonly log: Logger,
  ) {}

  /** Starts the process (if it is not running) and resolves with the kinds it said it serves. */
  start(): Promise<Offer[]> {
    return (this.ready ??= this.spawn());
  }

  private spawn(): Promise<Offer[]> {
    const child = spawn('/bin/sh', ['-c', this.command], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.stderrTail = '';
    child.stdin!.on('error', () => undefined); // a dead process's pipe: its exit is handled below
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-STDERR_KEEP);
      for (const line of s.split('\n')) if (line.trim()) this.log.info({ pid: child.pid }, `handler: ${line}`);
    });
    return new Promise<Offer[]>((resolve, reject) => {
      let isReady = false;
      const timer = setTimeout(
        () => fail(new Error(`'${this.command}' did not write its {"type":"ready"} line within 60 s`)),
        READY_TIMEOUT_MS,
      );
      timer.unref();
      const fail = (e: Error) => {
        clearTimeout(timer);
        if (!isReady) reject(e);
      };
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (!line.trim()) return;
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          this.log.warn({ line: line.slice(0, 200) }, 'the handler process wrote a line that is not JSON; ignored');
          return;
        }
        if (msg.type === 'ready' && !isReady) {
          isReady = true;
          clearTimeout(timer);
          try {
            resolve(parseOffers(msg.kinds));
          } catch (e) {
            reject(e as Error);
          }
          return;
        }
        this.onMessage(msg);
      });
      child.on('error', (e) => fail(new Error(`cannot start '${this.command}': ${e.message}`)));
      child.on('exit', (code, signal) => {
        const why = `the handler process '${this.command}' exited (${signal ?? `code ${code}`})${this.stderrTail ? `: ${lastLines(this.stderrTail)}` : ''}`;
        fail(new Error(why));
        this.onExit(child, why, isReady);
      });
    });
  }

  private onMessage(msg: Record<string, unknown>): void {
    const p = typeof msg.id === 'string' ? this.pending.get(msg.id) : undefined;
    if (!p) return; // a task that was cancelled or already answered
    if (msg.type === 'progress') {
      // Best effort, and it never rejects (TaskContext.progress): the next message need not wait for it.
      void p.ctx.progress(typeof msg.progress === 'number' ? msg.progress : 0, msg.partial);
    } else if (msg.type === 'result') {
      this.pending.delete(msg.id as string);
      p.resolve(msg.output ?? null);
    } else if (msg.type === 'error') {
      this.pending.delete(msg.id as string);
      const text = typeof msg.message === 'string' ? msg.message : 'the handler reported an error';
      p.reject(msg.retryable === false ? new NonRetryableError(text) : new Error(text));
    }
  }

  private onExit(child: ChildProcess, why: string, wasReady: boolean): void {
    if (this.child !== child) return;
    this.child = null;
    this.ready = null;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error(why));
    }
    if (this.stopped || !wasReady) return;
    // Dying again and again (a broken import, no GPU): start again, but back off up to 30 s.
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.restarts++, 7));
    this.log.warn({ restartInMs: delay }, why);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start().then(
        () => (this.restarts = 0),
        (e: Error) => this.log.error({ err: e.message }, 'restarting the handler process failed'),
      );
    }, delay);
    this.restartTimer.unref();
  }

  /** Sends a task to the process and resolves with its result. */
  async run(kind: string, input: unknown, ctx: TaskContext): Promise<unknown> {
    if (this.stopped) throw new Error('the worker is stopping');
    await this.start();
    const child = this.child;
    if (!child) throw new Error(`the handler process '${this.command}' is restarting; the task will be retried`);
    return new Promise((resolve, reject) => {
      const id = ctx.taskId;
      this.pending.set(id, { ctx, resolve, reject });
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        child.stdin!.write(JSON.stringify({ type: 'cancel', id }) + '\n');
        reject(new Error('cancelled'));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const task = {
        type: 'task',
        id,
        kind,
        input,
        seed: ctx.seed,
        index: ctx.index,
        attempt: ctx.attempt,
        jobId: ctx.jobId,
      };
      child.stdin!.write(JSON.stringify(task) + '\n');
    });
  }

  /** Closes the process's stdin (its cue to exit), then kills it if it lingers. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdin!.end();
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(kill);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
}

function parseOffers(kinds: unknown): Offer[] {
  const bad = () =>
    new Error(
      'the ready line must list kinds: {"type":"ready","kinds":["text.upper"]} or [{"kind":"text.upper","labels":{"lang":"py"}}]',
    );
  if (!Array.isArray(kinds) || kinds.length === 0) throw bad();
  return kinds.map((k) => {
    if (typeof k === 'string') return { kind: k, labels: {} };
    const o = k as Offer;
    if (typeof o?.kind !== 'string') throw bad();
    const labels = o.labels ?? {};
    if (typeof labels !== 'object' || !Object.values(labels).every((v) => typeof v === 'string')) throw bad();
    return { kind: o.kind, labels };
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

/** Starts the process once to learn its kinds, and returns a handler for each. */
export async function execHandlers(
  command: string,
  log: Logger,
): Promise<{ handlers: Handler[]; process: ExecProcess }> {
  const proc = new ExecProcess(command, log);
  const offers = await proc.start();
  const handlers = offers.map((o): Handler => ({
    kind: o.kind,
    labels: o.labels,
    run: (input, ctx) => proc.run(o.kind, input, ctx),
  }));
  return { handlers, process: proc };
}
