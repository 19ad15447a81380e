/**
 * `npm run bench`: Roost against its peers on no-op jobs, on this machine, in one invocation.
 *
 *   npm run bench                      full run (tens of minutes: a 1,000,000-task backlog)
 *   npm run bench -- --quick           small sizes, under a minute
 *   npm run bench -- --profile [DIR]   hub processes run under node --cpu-prof; profiles summarized
 *   npm run bench -- --only roost,roost-pg,ceiling,bullmq,graphile,graphile-next,pgboss-next,front-door
 *   npm run bench -- --json FILE       also writes every figure as JSON
 *
 * Progress goes to stderr, the report to stdout. Every process, temp directory, Redis key and
 * PostgreSQL schema the bench makes is removed at the end, on error, and on Ctrl-C.
 *
 * The peers (bench/peerList.ts): BullMQ on this machine's Node (its newest releases run on Node
 * 20); the newest graphile-worker and pg-boss, which need Node 22, on the Node 22 binary that
 * bench/peers-next holds (installed by the first run that needs it: bench/peersNext.ts); and
 * graphile-worker 0.17 on this machine's Node 20. That last column costs no code (the same adapter)
 * and under a minute of a full run, and it ties this report to the earlier runs, all taken against
 * 0.17 on Node 20: a target verdict that moves can be told apart from a reference that moved. pg-boss
 * 10 is not kept: pg-boss is no target's reference, and its 10 and 12 differ in API and in how their
 * workers are woken, so it would take a second adapter to say nothing a reader needs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { FULL, QUICK, type Ctx } from './config.js';
import { CpuMeter, machine, type Machine } from './machine.js';
import { PEERS } from './peerList.js';
import { runPeer, type PeerFigures, type PeerResult } from './peers.js';
import { NEXT_DIR, nextNode, runNextPeer, type NextNode } from './peersNext.js';
import { freshRoostStore, postgresVersion } from './postgres.js';
import { frontDoor, frontDoorRows, frontDoorTargets, type FrontDoorFigures } from './frontDoor.js';
import { cleanupAll } from './processes.js';
import { formatProfile, summarizeProfiles } from './profile.js';
import { KIND, runRoost, runRoostPostgres, type RoostFigures, type Value } from './roost.js';
import type { Summary } from './stats.js';
import { storeCeiling, type Ceiling } from './storeCeiling.js';

const ALL = ['roost', 'roost-pg', 'ceiling', ...PEERS.map((p) => p.id), 'front-door'];

interface Flags {
  quick: boolean;
  profileDir: string | null;
  only: Set<string>;
  json: string | null;
}

function usage(): never {
  process.stderr.write(
    `usage: node dist/bench/main.js [--quick] [--profile [DIR]] [--only ${ALL.join(',')}] [--json FILE]\n`,
  );
  process.exit(2);
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { quick: false, profileDir: null, only: new Set(ALL), json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) usage();
      return v;
    };
    if (a === '--quick') f.quick = true;
    else if (a === '--profile')
      f.profileDir = resolve(argv[i + 1] && !argv[i + 1]!.startsWith('--') ? value() : 'bench-profiles');
    else if (a === '--json') f.json = resolve(value());
    else if (a === '--only') {
      const parts = value().split(',');
      for (const p of parts) if (!ALL.includes(p)) usage();
      f.only = new Set(parts);
    } else usage();
  }
  return f;
}

// ---- Formatting ----

function fmtRate(v: Value | undefined): string {
  if (v === undefined) return '-';
  if (typeof v === 'string') return v;
  return Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-';
}

function fmtMs(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
}

function fmtRatio(r: number | null): string {
  return r === null || !Number.isFinite(r) ? '-' : `${r.toFixed(2)}x`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    '| ' + cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join(' | ') + ' |';
  return [
    line(head),
    '|' + widths.map((w, c) => (c === 0 ? ':' : '') + '-'.repeat(w + 1) + (c === 0 ? '' : ':')).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}

const num = (v: Value | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const lat = (s: Summary | string | undefined, p: 'p50' | 'p95' | 'p99'): number | null =>
  s && typeof s !== 'string' ? s[p] : null;
const latCell = (s: Summary | string | undefined, p: 'p50' | 'p95' | 'p99'): string =>
  s === undefined ? '-' : typeof s === 'string' ? s : fmtMs(s[p]);
const MB = (mib: number) => (mib * 2 ** 20) / 1e6;

// ---- The report ----

interface Results {
  date: string;
  command: string;
  mode: 'full' | 'quick';
  machine: Machine;
  /**
   * Other work on the machine: the 1-minute load average at the start, and the CPU time taken
   * during the run by processes that are neither the bench's nor PostgreSQL or Redis.
   */
  load: { start: number; otherCpuSec: number; otherShare: number };
  roost: RoostFigures | string | null;
  /** Roost with its hub on the local PostgreSQL, or why not. */
  roostPg: PeerFigures | string | null;
  ceiling: Ceiling | string | null;
  peers: PeerResult[];
  /** The OpenAI front door against the --gguf backend called directly, or why not. */
  frontDoor: FrontDoorFigures | string | null;
}

/** `name`'s figures beside each peer's, with ours/theirs ratios. */
function comparison(name: string, figures: PeerFigures | string | null, peers: PeerResult[], s: typeof FULL): string {
  const roost = typeof figures === 'object' && figures !== null ? figures : null;
  const head = ['no-op jobs', name, ...peers.map((p) => p.name), ...peers.map((p) => `${name} vs ${p.name}`)];
  type Row = {
    label: string;
    ours: () => string;
    theirs: (p: PeerResult) => string;
    ratio: (p: PeerResult) => number | null;
  };
  const figs = (p: PeerResult) => (typeof p.figures === 'string' ? null : p.figures);
  const skipped = (p: PeerResult) => (typeof p.figures === 'string' ? p.figures : null);
  const rateRow = (
    label: string,
    key: 'enqueueOne' | 'enqueueParallel' | 'enqueueBatch' | 'endToEnd1' | 'endToEnd4' | 'endToEnd1Single',
  ): Row => ({
    label,
    ours: () => (roost ? fmtRate(roost[key]) : typeof figures === 'string' ? figures : 'not run'),
    theirs: (p) => skipped(p) ?? fmtRate(figs(p)![key]),
    ratio: (p) => {
      const a = roost ? num(roost[key]) : null;
      const b = figs(p) ? num(figs(p)![key]) : null;
      return a !== null && b !== null && b > 0 ? a / b : null;
    },
  });
  const latRow = (label: string, q: 'p50' | 'p95' | 'p99'): Row => ({
    label,
    ours: () => (roost ? latCell(roost.latency, q) : '-'),
    theirs: (p) => skipped(p) ?? latCell(figs(p)!.latency, q),
    // Latency ratios are theirs / ours: above 1 means Roost dispatches faster.
    ratio: (p) => {
      const a = roost ? lat(roost.latency, q) : null;
      const b = figs(p) ? lat(figs(p)!.latency, q) : null;
      return a !== null && b !== null && a > 0 ? b / a : null;
    },
  });
  const rows: Row[] = [
    rateRow('enqueue, one request at a time (jobs/s)', 'enqueueOne'),
    rateRow(`enqueue, ${s.inFlight} requests in flight (jobs/s)`, 'enqueueParallel'),
    rateRow(`enqueue, batches of ${s.batchSize} (jobs/s)`, 'enqueueBatch'),
    rateRow(`end-to-end, 1 worker process, producer batches of ${s.producerBatch} (jobs/s)`, 'endToEnd1'),
    rateRow(`end-to-end, 4 worker processes, producer batches of ${s.producerBatch} (jobs/s)`, 'endToEnd4'),
    rateRow('end-to-end, 1 worker process, producer one job per call (jobs/s)', 'endToEnd1Single'),
    latRow(`dispatch latency p50 at ${s.latencyPerSec}/s (ms)`, 'p50'),
    latRow(`dispatch latency p95 at ${s.latencyPerSec}/s (ms)`, 'p95'),
    latRow(`dispatch latency p99 at ${s.latencyPerSec}/s (ms)`, 'p99'),
  ];
  return table(
    head,
    rows.map((row) => [row.label, row.ours(), ...peers.map(row.theirs), ...peers.map((p) => fmtRatio(row.ratio(p)))]),
  );
}

function roostOnly(r: Results, s: typeof FULL): string {
  const roost = typeof r.roost === 'object' && r.roost !== null ? r.roost : null;
  const rows: string[][] = [];
  if (r.ceiling !== null) {
    const c = r.ceiling;
    rows.push([
      'store ceiling: claim (max 100) + complete, in process (tasks/s)',
      typeof c === 'string' ? c : fmtRate(c.claimCompletePerSec),
    ]);
    rows.push([
      'store: createJob in process, 1000 per commit (jobs/s)',
      typeof c === 'string' ? c : fmtRate(c.enqueuePerSec),
    ]);
    const e2e = roost ? num(roost.endToEnd1) : null;
    if (typeof c !== 'string' && e2e !== null)
      rows.push(['end-to-end (1 worker) / store ceiling', `${((100 * e2e) / c.claimCompletePerSec).toFixed(0)}%`]);
  }
  if (roost) {
    for (const [w, c] of [
      [1, roost.cpu1],
      [4, roost.cpu4],
    ] as const) {
      if (!c) continue;
      rows.push([
        `end-to-end, ${w} worker process${w > 1 ? 'es' : ''}: CPU per job, hub / workers / bench (us); hub busy`,
        `${c.hubUsPerJob.toFixed(0)} / ${c.workersUsPerJob.toFixed(0)} / ${c.benchUsPerJob.toFixed(0)}; ${(100 * c.hubBusy).toFixed(0)}%`,
      ]);
    }
    const empty = num(roost.rssEmptyMiB);
    rows.push([
      'hub RSS, just started, empty store (MB)',
      empty === null ? String(roost.rssEmptyMiB) : MB(empty).toFixed(0),
    ]);
    for (const b of roost.backlog) {
      const q = b.queued.toLocaleString('en-US');
      rows.push([
        `backlog ${q}: built via`,
        `${b.via}${Number.isFinite(b.buildSec) ? `, ${b.buildSec.toFixed(1)} s` : ''}`,
      ]);
      const mb = (v: number) => (Number.isFinite(v) ? MB(v).toFixed(0) : '-');
      if (Number.isFinite(b.rssAfterIngestMiB))
        rows.push([
          `backlog ${q}: RSS of the hub that took it in: idle / after claims / peak (MB)`,
          [b.rssAfterIngestMiB, b.rssAfterClaimsMiB, b.peakRssMiB].map(mb).join(' / '),
        ]);
      else
        rows.push([
          `backlog ${q}: RSS of a hub started on it: idle / after claims / peak (MB)`,
          [b.rssRestartedMiB, b.rssAfterClaimsMiB, b.peakRssMiB].map(mb).join(' / '),
        ]);
      if (Number.isFinite(b.rssAfterIngestMiB) && Number.isFinite(b.rssRestartedMiB))
        rows.push([`backlog ${q}: RSS of the hub restarted on it, idle (MB)`, mb(b.rssRestartedMiB)]);
      rows.push([`backlog ${q}: claims/s (max 1, ${s.claimsInFlight} in flight)`, fmtRate(b.claimsPerSec)]);
    }
    const [small, large] = roost.backlog;
    const a = small ? num(small.claimsPerSec) : null;
    const b = large ? num(large.claimsPerSec) : null;
    if (a !== null && b !== null)
      rows.push([
        `claims/s at ${large!.queued.toLocaleString('en-US')} / at ${small!.queued.toLocaleString('en-US')}`,
        `${((100 * b) / a).toFixed(0)}%`,
      ]);
    for (const lp of roost.longPoll) {
      const l = lp.latency;
      rows.push([
        `dispatch latency p50 / p95 / p99, ${lp.pollers} worker(s) long-polling (ms)`,
        typeof l === 'string' ? l : `${fmtMs(l.p50)} / ${fmtMs(l.p95)} / ${fmtMs(l.p99)}`,
      ]);
    }
  } else if (r.roost !== null) rows.push(['Roost', typeof r.roost === 'string' ? r.roost : 'not run']);
  return table(['Roost only', 'value'], rows);
}

type Verdict = 'met' | 'missed' | 'not measured';

/** The graphile-worker the targets are judged against: the newest (on Node 22). */
const GRAPHILE = PEERS.find((p) => p.id === 'graphile-next')!;

function targets(r: Results): Array<{ target: string; value: string; verdict: Verdict }> {
  const roost = typeof r.roost === 'object' && r.roost !== null ? r.roost : null;
  const peer = (id: string) => {
    const p = r.peers.find((x) => x.id === id);
    return p && typeof p.figures !== 'string' ? p.figures : null;
  };
  const out: Array<{ target: string; value: string; verdict: Verdict }> = [];
  const judge = (target: string, value: number | null, ok: (v: number) => boolean, show: (v: number) => string) =>
    out.push({
      target,
      value: value === null ? '-' : show(value),
      verdict: value === null ? 'not measured' : ok(value) ? 'met' : 'missed',
    });
  const ours = roost ? num(roost.endToEnd1) : null;
  const ratioTo = (id: string) => {
    const theirs = peer(id) ? num(peer(id)!.endToEnd1) : null;
    return ours !== null && theirs !== null ? ours / theirs : null;
  };
  judge(
    `end-to-end (1 worker) >= 1.5x ${GRAPHILE.name}`,
    ratioTo(GRAPHILE.id),
    (v) => v >= 1.5,
    (v) => `${v.toFixed(2)}x`,
  );
  judge(
    'end-to-end (1 worker) >= 3x BullMQ',
    ratioTo('bullmq'),
    (v) => v >= 3,
    (v) => `${v.toFixed(2)}x`,
  );
  const ourP99 = roost ? lat(roost.latency, 'p99') : null;
  const bullP99 = peer('bullmq') ? lat(peer('bullmq')!.latency, 'p99') : null;
  judge(
    'light-load dispatch p99 <= BullMQ p99',
    ourP99 !== null && bullP99 !== null ? ourP99 - bullP99 : null,
    (v) => v <= 0,
    () => `${fmtMs(ourP99!)} ms vs ${fmtMs(bullP99!)} ms`,
  );
  const ceiling = r.ceiling && typeof r.ceiling !== 'string' ? r.ceiling.claimCompletePerSec : null;
  judge(
    'end-to-end (1 worker) >= 50% of the store ceiling',
    ours !== null && ceiling !== null ? ours / ceiling : null,
    (v) => v >= 0.5,
    (v) => `${(100 * v).toFixed(0)}%`,
  );
  const large = roost?.backlog.find((b) => b.queued === FULL.backlogLarge) ?? null;
  // The worst steady figure: the hub that took the backlog in, or a restarted one, idle or after claims.
  const rss = large
    ? Math.max(...[large.rssAfterIngestMiB, large.rssRestartedMiB, large.rssAfterClaimsMiB].filter(Number.isFinite))
    : null;
  judge(
    'hub RSS <= 200 MB with 1,000,000 queued',
    rss !== null && Number.isFinite(rss) ? MB(rss) : null,
    (v) => v <= 200,
    (v) => `${v.toFixed(0)} MB`,
  );
  const small = roost?.backlog.find((b) => b.queued === FULL.backlogSmall) ?? null;
  const a = small ? num(small.claimsPerSec) : null;
  const b = large ? num(large.claimsPerSec) : null;
  judge(
    'claims/s at 1,000,000 queued within 20% of at 10,000',
    a !== null && b !== null ? b / a : null,
    (v) => v >= 0.8,
    (v) => `${(100 * v).toFixed(0)}%`,
  );
  const pg = typeof r.roostPg === 'object' && r.roostPg !== null ? r.roostPg : null;
  const graphileFigs = peer(GRAPHILE.id);
  const pgE2e = pg ? num(pg.endToEnd1) : null;
  const gE2e = graphileFigs ? num(graphileFigs.endToEnd1) : null;
  judge(
    `on PostgreSQL: end-to-end (1 worker) >= ${GRAPHILE.name}`,
    pgE2e !== null && gE2e !== null ? pgE2e / gE2e : null,
    (v) => v >= 1,
    (v) => `${v.toFixed(2)}x`,
  );
  const pgP99 = pg ? lat(pg.latency, 'p99') : null;
  const gP99 = graphileFigs ? lat(graphileFigs.latency, 'p99') : null;
  judge(
    `on PostgreSQL: dispatch p99 < ${GRAPHILE.name} p99`,
    pgP99 !== null && gP99 !== null ? pgP99 - gP99 : null,
    (v) => v < 0,
    () => `${fmtMs(pgP99!)} ms vs ${fmtMs(gP99!)} ms`,
  );
  const door = typeof r.frontDoor === 'object' ? r.frontDoor : null;
  for (const t of frontDoorTargets(door)) judge(t.target, t.value, t.ok, t.show);
  return out;
}

function frontDoorSection(f: FrontDoorFigures | string): string {
  if (typeof f === 'string') return table(['front door', 'value'], [['front door vs direct', f]]);
  const head = `front door vs direct: tiny GGUF, 1 CPU thread, ${f.tokens} tokens, median of ${f.runs}`;
  return table([head, 'value'], frontDoorRows(f));
}

function report(r: Results, s: typeof FULL): string {
  const m = r.machine;
  const lines = [
    `# Roost benchmark (${r.mode}) — ${r.date}`,
    '',
    `command: ${r.command}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.kernel}`,
    `node ${m.node}; roost ${m.roost}`,
    `other work on the machine: load average ${r.load.start.toFixed(2)} at the start; ${r.load.otherCpuSec.toFixed(0)} CPU s during the run ` +
      `(${(100 * r.load.otherShare).toFixed(0)}% of the machine)` +
      (r.load.otherShare > 0.05
        ? ' — other processes competed for the CPU: figures are lower and noisier than on an idle machine'
        : ''),
    ...r.peers.map((p) => `${p.name}: ${p.versions}; node ${p.node}; server ${p.server}; ${p.settings}`),
    `jobs: no-op handler (bench/fixtures/noop.js), kind ${KIND}; worker concurrency ${s.workerConcurrency}; ` +
      `end-to-end: ${s.endToEnd.toLocaleString('en-US')} jobs, the producer sending batches of ${s.producerBatch} (${s.producerBatchesInFlight} calls in flight) ` +
      `or one job per call (${s.inFlight} in flight); latency: ${s.latencyJobs} jobs at ${s.latencyPerSec}/s, one at a time, enqueue call start to handler start`,
    '',
    comparison('Roost', r.roost, r.peers, s),
    '',
    'Ratio columns: throughput rows are Roost / peer, latency rows are peer / Roost; above 1x, Roost is better.',
    ...(r.roostPg === null
      ? []
      : [
          '',
          'With the hub on the same PostgreSQL as graphile-worker and pg-boss:',
          '',
          comparison(
            'Roost on PostgreSQL',
            r.roostPg,
            r.peers.filter((p) => p.id !== 'bullmq'),
            s,
          ),
        ]),
    '',
    roostOnly(r, s),
    ...(r.frontDoor === null ? [] : ['', frontDoorSection(r.frontDoor)]),
    '',
    table(
      ['target', 'measured', 'verdict'],
      targets(r).map((t) => [t.target, t.value, t.verdict]),
    ),
  ];
  if (r.mode === 'quick')
    lines.push(
      '',
      'Quick mode: smaller runs, and a backlog of 100,000 instead of 1,000,000 (the RSS and backlog targets are judged by a full run).',
    );
  return lines.join('\n');
}

// ---- Orchestration ----

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const sizes = flags.quick ? QUICK : FULL;
  const started = Date.now();
  let quiet = false; // once aborting, the steps still unwinding have nothing useful to say
  const log = (line: string) =>
    void (quiet || process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`));
  if (flags.profileDir) mkdirSync(flags.profileDir, { recursive: true });
  const ctx: Ctx = { quick: flags.quick, sizes, profileDir: flags.profileDir, log };
  const peers = PEERS.filter((p) => flags.only.has(p.id));
  // A first run installs bench/peers-next: before the load is read and the CPU meter and clock start.
  const node22: NextNode = peers.some((p) => p.from === NEXT_DIR) ? await nextNode(log) : { skipped: 'not run' };

  const results: Results = {
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    mode: flags.quick ? 'quick' : 'full',
    machine: machine(),
    load: { start: loadavg()[0]!, otherCpuSec: Number.NaN, otherShare: Number.NaN },
    roost: null,
    roostPg: null,
    ceiling: null,
    peers: [],
    frontDoor: null,
  };
  const meter = new CpuMeter();
  // Interrupted or out of time: clean up, print what was measured so far, exit with an error.
  let stopping = false;
  const abort = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: cleaning up`);
    quiet = true;
    await cleanupAll(log);
    const other = meter.other();
    results.load.otherCpuSec = other.seconds;
    results.load.otherShare = other.share;
    process.stdout.write(report(results, sizes) + `\n\nINCOMPLETE: ${why}.\n`);
    process.exit(code);
  };
  process.on('SIGINT', () => void abort('interrupted', 130));
  process.on('SIGTERM', () => void abort('terminated', 143));
  const watchdog = setTimeout(
    () => void abort(`the run took longer than ${sizes.totalTimeoutMs / 1000} s`, 1),
    sizes.totalTimeoutMs,
  );
  log(`${results.mode} run on ${results.machine.cpu} (${results.machine.cores} cores), node ${results.machine.node}`);
  try {
    if (flags.only.has('roost'))
      results.roost = await runRoost(ctx).catch((e: unknown) => `failed (${(e as Error).message})`);
    if (flags.only.has('roost-pg')) {
      results.roostPg = await postgresVersion()
        .then(() => runRoostPostgres(ctx, freshRoostStore))
        .catch((e: unknown) => `skipped (${(e as Error).message})`);
    }
    if (flags.only.has('ceiling')) {
      log('store ceiling');
      results.ceiling = await storeCeiling(ctx, KIND).catch((e: unknown) => `failed (${(e as Error).message})`);
    }
    for (const p of peers)
      results.peers.push(
        p.from === NEXT_DIR ? await runNextPeer(ctx, p, node22) : await runPeer(ctx, await p.adapter(sizes.inFlight)),
      );
    if (flags.only.has('front-door')) {
      log('front door vs direct (tiny GGUF)');
      results.frontDoor = await frontDoor(sizes.frontDoorRuns).catch(
        (e: unknown) => `skipped (${(e as Error).message.split('\n')[0]})`,
      );
    }
  } finally {
    clearTimeout(watchdog);
    if (stopping) await new Promise(() => undefined); // abort() prints and exits
    await cleanupAll(log);
    const other = meter.other();
    results.load.otherCpuSec = other.seconds;
    results.load.otherShare = other.share;
  }
  process.stdout.write(report(results, sizes) + '\n');
  if (flags.profileDir) {
    process.stdout.write(`\nCPU profiles of the hub processes (${flags.profileDir}):\n`);
    for (const p of summarizeProfiles(flags.profileDir)) process.stdout.write('\n' + formatProfile(p) + '\n');
  }
  if (flags.json)
    writeFileSync(flags.json, JSON.stringify({ ...results, sizes, targets: targets(results) }, null, 2) + '\n');
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  async (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
    await cleanupAll();
    process.exit(1);
  },
);
