import type { ArtifactRef } from '../../artifacts/ref.js';
import { NonRetryableError, type TaskContext } from '../handler.js';

/**
 * The kind image backends offer, its input, and what they share: calling the image server with
 * the error kinds every image backend uses, and storing the images as artifacts.
 *
 *   image.generate { prompt, negative_prompt?, steps?, width?, height?, cfg_scale?, sampler_name?,
 *                    batch_size?, model? }
 *                  -> { model?, seed, images: [{ $artifact, size, type }] }
 *
 * The seed is the task's (the job's seed plus the variant index), always sent to the server.
 */
export const IMAGE_KIND = 'image.generate';

export interface ImageInput {
  prompt: string;
  negative_prompt?: string;
  steps?: number;
  width?: number;
  height?: number;
  cfg_scale?: number;
  sampler_name?: string;
  batch_size?: number;
  /** The checkpoint asked for: one of the worker's models, or undefined when it offers none. */
  model?: string;
}

function fail(field: string, what: string): never {
  throw new NonRetryableError(`input.${field} must be ${what}`);
}

function int(i: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const v = i[field];
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max)
    fail(field, `an integer from ${min} to ${max}`);
  return v as number;
}

/** Checks an image.generate input; `models` are the checkpoints the worker offers (none: the server's own). */
export function imageInput(input: unknown, models: string[]): ImageInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new NonRetryableError('input must be an object');
  const i = input as Record<string, unknown>;
  if (typeof i.prompt !== 'string' || i.prompt.trim() === '') fail('prompt', 'a non-empty string');
  const out: ImageInput = { prompt: i.prompt };
  if (i.negative_prompt !== undefined && i.negative_prompt !== null) {
    if (typeof i.negative_prompt !== 'string') fail('negative_prompt', 'a string');
    out.negative_prompt = i.negative_prompt;
  }
  if (i.sampler_name !== undefined && i.sampler_name !== null) {
    if (typeof i.sampler_name !== 'string' || i.sampler_name === '') fail('sampler_name', 'a non-empty string');
    out.sampler_name = i.sampler_name;
  }
  if (i.cfg_scale !== undefined && i.cfg_scale !== null) {
    if (typeof i.cfg_scale !== 'number' || i.cfg_scale < 0 || i.cfg_scale > 100)
      fail('cfg_scale', 'a number from 0 to 100');
    out.cfg_scale = i.cfg_scale;
  }
  const numbers = {
    steps: int(i, 'steps', 1, 1000),
    width: int(i, 'width', 8, 8192),
    height: int(i, 'height', 8, 8192),
  };
  const batch = int(i, 'batch_size', 1, 64);
  for (const [k, v] of Object.entries(numbers)) if (v !== undefined) out[k as 'steps'] = v;
  if (batch !== undefined) out.batch_size = batch;
  if (models.length === 0) {
    if (i.model !== undefined) fail('model', 'left out: this worker uses the model its image server has loaded');
  } else if (i.model === undefined) {
    if (models.length > 1) fail('model', `one of ${models.join(', ')}`);
    out.model = models[0];
  } else {
    if (typeof i.model !== 'string' || !models.includes(i.model)) fail('model', `one of ${models.join(', ')}`);
    out.model = i.model;
  }
  return out;
}

/** What an image server is called: its name in messages, and its base URL. */
export interface ImageServer {
  name: string;
  base: string;
}

/**
 * Calls the image server. A 4xx (but 408 and 429) fails the task for good, since sending the same
 * request again cannot help; 5xx, 408, 429 and connection errors fail it retryably (the hub retries
 * with backoff, maybe on another worker).
 */
export async function callImageServer(
  server: ImageServer,
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal },
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(server.base + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (e) {
    if (init.signal?.aborted) throw e;
    throw new Error(`${server.name} at ${server.base} is not reachable: ${(e as Error).message}`);
  }
  if (res.ok) return res;
  const what = `${server.name} answered HTTP ${res.status} to ${path.split('?')[0]}: ${await errorText(res)}`;
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
    throw new NonRetryableError(what);
  throw new Error(what);
}

/**
 * The message in an error body: ComfyUI's `{error: {type, message, details}, node_errors}`,
 * AUTOMATIC1111's `{error, detail, errors}`, FastAPI's `{detail: [{loc, msg}]}`, or the text.
 */
async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const b = JSON.parse(text) as Record<string, any>;
    if (b.error && typeof b.error === 'object') {
      const e = b.error as { message?: unknown; details?: unknown };
      return [e.message, e.details, b.node_errors && JSON.stringify(b.node_errors)]
        .filter((s) => s && s !== '{}' && s !== '[]')
        .join('; ');
    }
    if (Array.isArray(b.detail))
      return b.detail.map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).join('.')}: ${d.msg}`).join('; ');
    const parts = [b.error, b.detail, b.errors].filter((s) => typeof s === 'string' && s !== '');
    if (parts.length > 0) return parts.join(': ');
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 300) || res.statusText;
}

/** The image type from its first bytes (servers can be set to JPEG or WebP); PNG unless known otherwise. */
export function imageType(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'RIFF' &&
    Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WEBP'
  )
    return 'image/webp';
  return 'image/png';
}

/** Stores each image at the hub; the references, in order, go in the output. */
export async function storeImages(images: Uint8Array[], ctx: TaskContext): Promise<ArtifactRef[]> {
  const refs: ArtifactRef[] = [];
  for (const bytes of images) refs.push(await ctx.artifacts.put(bytes, { type: imageType(bytes) }));
  return refs;
}

/** Waits, unless the task is cancelled first. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => (clearTimeout(t), reject(signal.reason as Error));
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
