/**
 * Reads the V8 CPU profiles the hub writes under `--profile` (node --cpu-prof) and says where its
 * time went: the functions with the most self time, the Roost functions with the most total time
 * (self plus callees), and the time per area (SQLite, Fastify, JSON, GC, ...).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  /** Wall time covered by the profile, and the part of it not idle. */
  totalMs: number;
  busyMs: number;
  self: Entry[];
  roostTotal: Entry[];
  areas: Entry[];
}

function label(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  const at = f.url.replace(/^file:\/\//, '');
  const short = at.includes('/node_modules/')
    ? at.slice(at.lastIndexOf('/node_modules/') + 14)
    : at.includes('/dist/')
      ? at.slice(at.indexOf('/dist/') + 1)
      : at;
  return `${name} ${short}:${f.lineNumber + 1}`;
}

/** The area a frame belongs to, by where its code lives. */
function area(f: CallFrame): string {
  const url = f.url;
  if (!url) {
    if (f.functionName === '(garbage collector)') return 'GC';
    if (f.functionName === '(idle)') return 'idle';
    if (f.functionName === '(program)') return 'V8/native (program)';
    return `native: ${f.functionName || '(anonymous)'}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  if (url.includes('/dist/src/')) return `roost: ${url.slice(url.indexOf('/dist/src/') + 10)}`;
  return url;
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfById = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    selfById.set(id, (selfById.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const roostTotal = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of selfById) {
    const node = byId.get(id)!;
    totalMs += ms;
    if (node.callFrame.functionName === '(idle)') idleMs += ms;
    const l = label(node.callFrame);
    self.set(l, (self.get(l) ?? 0) + ms);
    const a = area(node.callFrame);
    areas.set(a, (areas.get(a) ?? 0) + ms);
    // Total time of Roost's own functions: every Roost frame on this sample's stack, once each.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (!f.url.includes('/dist/src/')) continue;
      const k = label(f);
      if (seen.has(k)) continue;
      seen.add(k);
      roostTotal.set(k, (roostTotal.get(k) ?? 0) + ms);
    }
  }
  const busyMs = totalMs - idleMs;
  const rank = (m: Map<string, number>, n: number): Entry[] =>
    [...m]
      .filter(([k]) => k !== '(idle)' && k !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms, pct: busyMs > 0 ? (100 * ms) / busyMs : 0 }));
  return { file, totalMs, busyMs, self: rank(self, top), roostTotal: rank(roostTotal, top), areas: rank(areas, top) };
}

/** Every .cpuprofile in the directory, summarized. */
export function summarizeProfiles(dir: string, top = 15): ProfileSummary[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => summarizeProfile(join(dir, f), top));
}

export function formatProfile(s: ProfileSummary): string {
  const rows = (title: string, entries: Entry[]) => [
    `  ${title}`,
    ...entries.map((e) => `    ${e.ms.toFixed(0).padStart(7)} ms ${e.pct.toFixed(1).padStart(5)}%  ${e.name}`),
  ];
  return [
    `${s.file}: ${(s.totalMs / 1000).toFixed(1)} s profiled, ${(s.busyMs / 1000).toFixed(1)} s busy (percentages are of busy time)`,
    ...rows('by area (self time):', s.areas),
    ...rows('top functions by self time:', s.self),
    ...rows('Roost functions by total time (self + callees):', s.roostTotal),
  ].join('\n');
}
