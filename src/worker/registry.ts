import nodeModule from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KIND_PATTERN } from '../types/jobs.js';
import type { Handler } from './handler.js';
import { markovHandler } from './handlers/markov.js';

/** Handlers that ship with Roost, by kind. */
export const BUILTIN_HANDLERS: readonly Handler[] = [markovHandler];

function isHandler(value: unknown): value is Handler {
  const h = value as Handler;
  return typeof h === 'object' && h !== null && typeof h.kind === 'string' && typeof h.run === 'function';
}

let hooked = false;

/** Lets `import 'roost/...'` resolve in user modules anywhere (see resolveRoost.ts): handlers, pipelines. */
export function resolveRoostAnywhere(): void {
  if (hooked) return;
  hooked = true;
  // Node 20.6 added register(); on older releases such modules need node_modules/roost, as before.
  if (typeof nodeModule.register === 'function') nodeModule.register(new URL('./resolveRoost.js', import.meta.url));
}

/**
 * Loads user handler modules. A module exports handlers as its default export or as `handlers`,
 * each either an array of handlers or an object mapping kind to a handler or to a bare function.
 */
export async function loadHandlerModule(path: string): Promise<Handler[]> {
  resolveRoostAnywhere();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`cannot load handler module ${path}: ${(e as Error).message}`);
  }
  const exported = mod.handlers ?? mod.default;
  const list: Handler[] = [];
  if (Array.isArray(exported)) list.push(...(exported as Handler[]));
  else if (exported && typeof exported === 'object') {
    for (const [kind, h] of Object.entries(exported)) {
      list.push(
        typeof h === 'function' ? { kind, run: h as Handler['run'] } : { kind, ...(h as Omit<Handler, 'kind'>) },
      );
    }
  }
  if (list.length === 0 || !list.every(isHandler)) {
    throw new Error(
      `handler module ${path} must export handlers (default or "handlers"): an array of { kind, run } or an object { "kind.name": run }`,
    );
  }
  return list;
}

/** Built-ins (unless turned off), the user modules and backends' handlers; a kind given twice is an error. */
export async function loadHandlers(opts: {
  builtins: boolean;
  modules: string[];
  extra?: Handler[];
}): Promise<Handler[]> {
  const all = opts.builtins ? [...BUILTIN_HANDLERS] : [];
  for (const path of opts.modules) all.push(...(await loadHandlerModule(path)));
  all.push(...(opts.extra ?? []));
  const seen = new Set<string>();
  const valid = new RegExp(KIND_PATTERN);
  for (const h of all) {
    if (!valid.test(h.kind) || h.kind.length > 100) {
      throw new Error(
        `handler kind '${h.kind}' is not a valid kind name: use dotted lower-case words such as 'text.markov'`,
      );
    }
    if (seen.has(h.kind))
      throw new Error(`two handlers for kind '${h.kind}'; each kind may be handled once per worker`);
    seen.add(h.kind);
  }
  if (all.length === 0)
    throw new Error(
      'no handlers: pass --handlers FILE, a backend (--exec, --openai, --gguf) or leave the built-in handlers on',
    );
  return all;
}
