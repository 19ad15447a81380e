import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

/**
 * Module resolution hooks (node:module register) for handler modules kept outside the Roost
 * checkout: `import ... from 'roost/worker'` finds no node_modules/roost above such a file, so a
 * `roost` specifier that fails to resolve is resolved again as Roost resolves its own name (a
 * package may import itself by name through its "exports"). Anything else is left to Node.
 */

const SELF = pathToFileURL(join(packageRoot, 'package.json')).href;

interface ResolveContext {
  parentURL?: string | undefined;
  conditions: string[];
  importAttributes: Record<string, string>;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<unknown>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<unknown> {
  try {
    return await next(specifier, context);
  } catch (e) {
    const ours = specifier === 'roost' || specifier.startsWith('roost/');
    if (!ours || (e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    return next(specifier, { ...context, parentURL: SELF });
  }
}
