import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import { packageRoot } from '../paths.js';

/**
 * Where bot modules live in botsDir: a file `NAME.js` (or `.mjs`), or a folder `NAME/` with its
 * `index.js` (or `index.mjs`) for a bot spread over several files. The bot's name is NAME.
 */

export const BOT_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const BOT_NAME = new RegExp(BOT_NAME_PATTERN);
const MODULE_EXTENSIONS = ['.js', '.mjs'];
const INDEX_FILES = MODULE_EXTENSIONS.map((e) => `index${e}`);

/** A module path given to `create`: the file, or FILE.js, or FOLDER/index.js. */
export function findModule(from: string): string {
  const candidates = [from, ...MODULE_EXTENSIONS.map((e) => from + e), ...INDEX_FILES.map((i) => join(from, i))];
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return resolve(candidate);
  }
  throw new InputError('from', `no bot module at ${resolve(from)} (tried .js, .mjs and index.js too)`);
}

/** Whether the module is the index of a folder bot, whose other files sit beside it. */
function isFolderModule(module: string): boolean {
  return INDEX_FILES.includes(basename(module));
}

/**
 * Copies a bot's module into botsDir as bot `name` and answers where it now is. A folder bot's
 * whole folder is copied (its index imports the files beside it); a single file is copied alone.
 */
export function installModule(source: string, botsDir: string, name: string): string {
  if (!isFolderModule(source)) {
    const target = resolve(join(botsDir, `${name}${extname(source) || '.js'}`));
    if (source !== target) copyFileSync(source, target);
    return target;
  }
  const folder = resolve(join(botsDir, name));
  const target = join(folder, basename(source));
  if (dirname(source) === folder) return target;
  // A folder left by a bot of this name destroyed by hand would mix old files with the new.
  rmSync(folder, { recursive: true, force: true });
  cpSync(dirname(source), folder, { recursive: true });
  return target;
}

/** The bot modules in botsDir, by name: `NAME.js`/`NAME.mjs` files and `NAME/index.js` folders. */
export function modulesIn(botsDir: string): Array<{ name: string; module: string }> {
  const found: Array<{ name: string; module: string }> = [];
  for (const entry of readdirSync(botsDir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      // node_modules holds the link to Roost itself (see linkRoostPackage), never a bot.
      if (entry.name === 'node_modules' || !BOT_NAME.test(entry.name)) continue;
      const index = INDEX_FILES.map((i) => join(botsDir, entry.name, i)).find((f) => existsSync(f));
      if (index) found.push({ name: entry.name, module: resolve(index) });
      continue;
    }
    const name = basename(entry.name, extname(entry.name));
    if (MODULE_EXTENSIONS.includes(extname(entry.name)) && BOT_NAME.test(name))
      found.push({ name, module: resolve(join(botsDir, entry.name)) });
  }
  return found;
}

/** Deletes a bot's module when it lies in botsDir (a folder bot's whole folder); modules elsewhere stay. */
export function removeModule(module: string, botsDir: string): void {
  const path = relative(resolve(botsDir), resolve(module));
  if (path.startsWith('..') || path === '') return;
  const folder = isFolderModule(module) && path.includes(sep) ? dirname(resolve(module)) : null;
  rmSync(folder ?? module, { recursive: true, force: true });
}

/**
 * Bot modules import 'roost/bots'. Linking the package into botsDir/node_modules lets that
 * resolve wherever botsDir is, with no install step.
 */
export function linkRoostPackage(botsDir: string): void {
  const link = join(botsDir, 'node_modules', 'roost');
  if (existsSync(link)) return;
  mkdirSync(join(botsDir, 'node_modules'), { recursive: true });
  symlinkSync(packageRoot, link, 'dir');
}
