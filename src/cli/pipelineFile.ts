import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArtifactRef } from '../artifacts/ref.js';
import type { HubClient } from '../client/hubClient.js';
import {
  DEFAULT_MAX_ROUNDS,
  validatePipeline,
  type PipelineDef,
  type ResolvedPipeline,
} from '../pipelines/definition.js';
import { resolveRoostAnywhere } from '../worker/registry.js';
import { UsageError } from './flags.js';

/** Media types guessed from a file's extension (anything else is sent as bytes). */
const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.tex': 'text/x-tex',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
};

/**
 * Reads a pipeline file: JSON (`.json`), or a module (`.js`, `.mjs`) whose default export (or
 * `pipeline` export) is the definition, usually `definePipeline({...})`. YAML is not read: Roost
 * has no YAML parser among its dependencies, and JSON or a module says the same.
 */
export async function readPipelineFile(file: string): Promise<PipelineDef> {
  const ext = extname(file).toLowerCase();
  let raw: unknown;
  if (ext === '.json') {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new UsageError(`${file}: ${(e as Error).message}`);
    }
  } else if (ext === '.js' || ext === '.mjs') {
    resolveRoostAnywhere();
    const mod = (await import(pathToFileURL(resolve(file)).href + `?t=${Date.now()}`)) as Record<string, unknown>;
    raw = mod.default ?? mod.pipeline;
  } else
    throw new UsageError(`FILE must be a .json file or a .js/.mjs module exporting definePipeline(...), got '${file}'`);
  return validatePipeline(raw);
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Uploads every file input (paths are relative to the pipeline file) and names it by reference;
 * an upload of bytes the hub holds costs nothing. Returns the definition the hub takes and the
 * files it read (what `--watch` watches).
 */
export async function resolveFiles(
  def: PipelineDef,
  file: string,
  client: HubClient,
): Promise<{ def: ResolvedPipeline; files: string[] }> {
  const dir = dirname(resolve(file));
  const files = new Set<string>();
  const steps: ResolvedPipeline['steps'] = {};
  for (const [name, step] of Object.entries(def.steps)) {
    const inputs: ResolvedPipeline['steps'][string]['inputs'] = {};
    for (const [input, src] of Object.entries(step.inputs ?? {})) {
      if (!('file' in src) || 'artifact' in src) {
        inputs[input] = src as ResolvedPipeline['steps'][string]['inputs'][string];
        continue;
      }
      const path = resolve(dir, src.file);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        throw new UsageError(`steps.${name}.inputs.${input}.file: no file ${path}`);
      }
      const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
      const up = await client.upload<{ ref: ArtifactRef }>(
        `/v1/artifacts?sha256=${await fileHash(path)}`,
        createReadStream(path),
        type,
        size,
      );
      files.add(path);
      inputs[input] = { artifact: up.body.ref, file: src.file };
    }
    steps[name] = { ...step, inputs };
  }
  return {
    def: {
      name: def.name,
      maxRounds: def.maxRounds ?? DEFAULT_MAX_ROUNDS,
      steps,
      ...(def.publish ? { publish: def.publish } : {}),
    },
    files: [...files],
  };
}
