import { splitFrom, type ResolvedPipeline } from './definition.js';

/** A group of steps run together: one step, or the steps of a cycle (in declaration order). */
export interface Component {
  steps: string[];
  cyclic: boolean;
  /** Indexes of the components whose outputs it reads. */
  after: number[];
}

/** The steps each step reads outputs of. */
export function dependencies(p: ResolvedPipeline): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>();
  for (const [name, step] of Object.entries(p.steps)) {
    const mine = new Set<string>();
    for (const src of Object.values(step.inputs)) if ('from' in src) mine.add(splitFrom(src.from, 'from').step);
    deps.set(name, mine);
  }
  return deps;
}

/**
 * The strongly connected components of the step graph (Tarjan), dependencies first: running them in
 * this order runs every step after the steps it reads, and the steps of a cycle together.
 */
export function components(p: ResolvedPipeline): Component[] {
  const deps = dependencies(p);
  const order = Object.keys(p.steps);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of deps.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      group.push(w);
      if (w === v) break;
    }
    groups.push(group.sort((a, b) => order.indexOf(a) - order.indexOf(b)));
  };
  for (const v of order) if (!index.has(v)) visit(v);
  // Tarjan emits a component after every component it reaches, i.e. dependencies first.
  const of = new Map<string, number>();
  groups.forEach((g, i) => g.forEach((s) => of.set(s, i)));
  return groups.map((g, i) => {
    const after = new Set<number>();
    for (const s of g) for (const d of deps.get(s)!) if (of.get(d) !== i) after.add(of.get(d)!);
    return { steps: g, cyclic: g.length > 1 || deps.get(g[0]!)!.has(g[0]!), after: [...after] };
  });
}
