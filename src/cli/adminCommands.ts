import type { Command } from 'commander';
import type { StoreStats } from '../store/store.js';
import type { WorkerInfo } from '../types.js';
import { clientCommand, connect, iso, out, printJson, table, type ClientFlags } from './shared.js';

type WorkerRow = WorkerInfo & { connected: boolean; inFlight: number };
type Stats = StoreStats & { workersConnected: number; waitingClaims: number; version: string };

const TASK_STATES = ['queued', 'leased', 'succeeded', 'dead', 'cancelled'];

function printStats(s: Stats): void {
  const kinds = [...new Set(s.tasks.map((t) => t.kind))].sort();
  const count = (kind: string, state: string) =>
    String(s.tasks.find((t) => t.kind === kind && t.state === state)?.count ?? 0);
  if (kinds.length === 0) out('No tasks.');
  else
    table(
      ['KIND', ...TASK_STATES.map((st) => st.toUpperCase())],
      kinds.map((k) => [k, ...TASK_STATES.map((st) => count(k, st))]),
    );
  out('');
  out(
    `Jobs: ${
      Object.entries(s.jobs)
        .map(([state, n]) => `${state} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  out(`Workers connected: ${s.workersConnected}`);
}

export function registerAdminCommands(program: Command): void {
  clientCommand(
    program,
    'workers',
    'List workers: kinds, connected, tasks in flight, last seen (needs an admin token)',
  ).action(async (f: ClientFlags) => {
    const { workers } = await connect(f).get<{ workers: WorkerRow[] }>('/v1/workers');
    if (f.json) return printJson({ workers });
    if (workers.length === 0) return out('No workers have connected yet.');
    table(
      ['WORKER', 'NAME', 'KINDS', 'CONNECTED', 'IN FLIGHT', 'LAST SEEN'],
      workers.map((w) => [
        w.workerId,
        w.name,
        w.capabilities.map((c) => c.kind).join(','),
        w.connected ? 'yes' : 'no',
        String(w.inFlight),
        iso(w.lastSeen),
      ]),
    );
  });

  clientCommand(
    program,
    'stats',
    'Queue statistics: tasks per kind and state, jobs per state, workers connected',
  ).action(async (f: ClientFlags) => {
    const stats = await connect(f).get<Stats>('/v1/stats');
    if (f.json) printJson(stats);
    else printStats(stats);
  });
}
