/** What the figures were measured on: the machine, Node, and the Roost build. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { packageRoot } from '../src/paths.js';
import { VERSION } from '../src/version.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  roost: string;
}

/** The commit checked out, and whether the work tree differs from it (read-only git calls). */
function commit(): string {
  try {
    // GIT_OPTIONAL_LOCKS=0: `git status` must not refresh the index (no writes to the repository).
    const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
    const opts = {
      cwd: packageRoot,
      env,
      encoding: 'utf8' as const,
      stdio: ['ignore', 'pipe', 'ignore'] as Array<'ignore' | 'pipe'>,
    };
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== '';
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown commit';
  }
}

export function machine(): Machine {
  const cpu =
    cpus()[0]?.model ?? readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown';
  return {
    cpu,
    cores: availableParallelism(),
    memoryGiB: totalmem() / 2 ** 30,
    kernel: `Linux ${release()}`,
    node: process.version,
    roost: `${VERSION} (${commit()})`,
  };
}

// ---- Other work on the machine ----

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface ProcTimes {
  comm: string;
  /** utime + stime, and cutime + cstime (waited-for children), in ticks. */
  own: number;
  children: number;
}

function readProcs(): Map<number, ProcTimes> {
  const out = new Map<number, ProcTimes>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the name: state ppid ... utime (index 11) stime cutime cstime.
      out.set(Number(name), { comm, own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) });
    } catch {
      // The process ended while we read.
    }
  }
  return out;
}

function busyTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return total - (f[3] ?? 0) - (f[4] ?? 0); // minus idle and iowait
}

/** The servers the peers use: their CPU is the peers' work, not other work. */
const SERVICES = new Set(['postgres', 'redis-server']);

/**
 * Measures the CPU time that other work on the machine took during the run: all busy CPU time,
 * less this process and the children it waited for (hubs, workers), less PostgreSQL and Redis.
 */
export class CpuMeter {
  private readonly startMs = Date.now();
  private readonly startBusy = busyTicks();
  private readonly startProcs = readProcs();

  /** Seconds of CPU used by other work since the start, and that as a share of the machine. */
  other(): { seconds: number; share: number } {
    const procs = readProcs();
    let mine = 0;
    let services = 0;
    for (const [pid, p] of procs) {
      const before = this.startProcs.get(pid);
      const delta = p.own + p.children - (before && before.comm === p.comm ? before.own + before.children : 0);
      if (pid === process.pid) mine += delta;
      else if (SERVICES.has(p.comm)) services += delta;
    }
    const seconds = Math.max(0, ((busyTicks() - this.startBusy - mine - services) * TICK_MS) / 1000);
    const capacity = ((Date.now() - this.startMs) / 1000) * availableParallelism();
    return { seconds, share: capacity > 0 ? seconds / capacity : 0 };
  }
}
