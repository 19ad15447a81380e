import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === 'roost') return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json named "roost" above ${start}`);
  }
}

// Walk up rather than use a fixed `../..`: this file runs from src/ under tsx and from dist/src/ once built.
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
