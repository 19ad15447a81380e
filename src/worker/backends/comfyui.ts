import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { NonRetryableError, type Handler, type TaskContext } from '../handler.js';
import {
  callImageServer,
  IMAGE_KIND,
  imageInput,
  pause,
  storeImages,
  type ImageInput,
  type ImageServer,
} from './image.js';
import { DEFAULT_WORKFLOW, fillWorkflow, placeholdersOf, type Workflow } from './comfyuiWorkflow.js';

/**
 * `roost worker --comfyui URL [--workflow FILE] [--model CKPT]...`: image.generate served by
 * ComfyUI. A task fills the workflow's placeholders, queues it (`POST /prompt` with a client_id),
 * polls `GET /history/{prompt_id}` until its outputs appear (polling rather than the /ws
 * websocket: one code path, no extra dependency, and nothing lost when a socket drops), then
 * fetches each output image with `GET /view` and stores it at the hub as an artifact.
 */

export interface ComfyuiOptions {
  url: string;
  /** A workflow in ComfyUI's API format (Export (API) in the UI); default: a plain txt2img graph. */
  workflowFile?: string;
  models: string[];
  log: Logger;
}

/** Polls start fast (a small image takes well under a second) and slow down to this. */
const MAX_POLL_MS = 1000;
/** Every this many empty polls, /queue is asked whether the prompt is still there. */
const QUEUE_CHECK_EVERY = 5;

interface ImageFile {
  filename: string;
  subfolder: string;
  type: string;
}

interface HistoryEntry {
  outputs?: Record<string, { images?: ImageFile[] }>;
  status?: { status_str?: string; completed?: boolean; messages?: Array<[string, Record<string, unknown>]> };
}

export async function comfyuiHandlers(o: ComfyuiOptions): Promise<Handler[]> {
  const server: ImageServer = { name: 'ComfyUI', base: o.url.replace(/\/+$/, '') };
  const workflow = o.workflowFile ? readWorkflow(o.workflowFile) : DEFAULT_WORKFLOW;
  let models = o.models;
  if (models.length === 0 && placeholdersOf(workflow).has('model')) {
    // The workflow names a checkpoint: offer each one ComfyUI has.
    const res = await callImageServer(server, '/models/checkpoints', {}).catch((e: Error) => {
      throw new Error(`${e.message}; name the checkpoints with --model`);
    });
    models = (await res.json()) as string[];
    if (models.length === 0) throw new Error(`ComfyUI at ${server.base} has no checkpoint; name one with --model`);
  }
  o.log.info({ server: server.base, workflow: o.workflowFile ?? 'default txt2img', models }, 'serving ComfyUI');
  return [
    {
      kind: IMAGE_KIND,
      ...(models.length > 0 ? { offers: models.map((model) => ({ model })) } : {}),
      async run(input, ctx) {
        const i = imageInput(input, models);
        const images = await generate(server, fillWorkflow(workflow, values(i, ctx.seed)), ctx);
        return { ...(i.model !== undefined ? { model: i.model } : {}), seed: ctx.seed, images };
      },
    },
  ];
}

/** The placeholder values: the input, ComfyUI's defaults for what it leaves out, and the seed. */
function values(i: ImageInput, seed: number): Record<string, string | number> {
  return {
    prompt: i.prompt,
    negative_prompt: i.negative_prompt ?? '',
    seed,
    steps: i.steps ?? 20,
    width: i.width ?? 512,
    height: i.height ?? 512,
    cfg_scale: i.cfg_scale ?? 8,
    sampler_name: i.sampler_name ?? 'euler',
    batch_size: i.batch_size ?? 1,
    ...(i.model !== undefined ? { model: i.model } : {}),
  };
}

function readWorkflow(file: string): Workflow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--workflow ${file}: not a readable JSON file (${(e as Error).message})`);
  }
  const nodes = Object.values((parsed ?? {}) as Record<string, { class_type?: unknown }>);
  if (typeof parsed !== 'object' || Array.isArray(parsed) || nodes.some((n) => typeof n?.class_type !== 'string'))
    throw new Error(`--workflow ${file}: not a workflow in API format (export it with "Export (API)")`);
  let names: Set<string>;
  try {
    names = placeholdersOf(parsed as Workflow);
  } catch (e) {
    throw new Error(`--workflow ${file}: ${(e as Error).message}`);
  }
  if (!names.has('prompt'))
    throw new Error(`--workflow ${file}: no "{{prompt}}" placeholder (docs/models.md lists them)`);
  return parsed as Workflow;
}

async function generate(server: ImageServer, prompt: Workflow, ctx: TaskContext) {
  const queued = await callImageServer(server, '/prompt', {
    body: { prompt, client_id: `roost-${randomUUID()}` },
    signal: ctx.signal,
  });
  const { prompt_id: id } = (await queued.json()) as { prompt_id: string };
  try {
    const entry = await finished(server, id, ctx.signal);
    const files = Object.values(entry.outputs ?? {}).flatMap((out) => out.images ?? []);
    // Previews are temporary files of preview nodes; the results are the saved outputs.
    const saved = files.filter((f) => f.type === 'output');
    if (saved.length === 0) throw new NonRetryableError('the ComfyUI workflow saved no image (add a SaveImage node)');
    const bytes: Buffer[] = [];
    for (const f of saved) {
      const q = new URLSearchParams({ filename: f.filename, subfolder: f.subfolder, type: f.type });
      const res = await callImageServer(server, `/view?${q}`, { signal: ctx.signal });
      bytes.push(Buffer.from(await res.arrayBuffer()));
    }
    return await storeImages(bytes, ctx);
  } catch (e) {
    // A cancelled task takes its prompt out of ComfyUI's queue (and stops it if it is running).
    if (ctx.signal.aborted) await cancel(server, id);
    throw e;
  }
}

/** Polls the prompt's history until it has finished; a failed run or a lost prompt throws. */
async function finished(server: ImageServer, id: string, signal: AbortSignal): Promise<HistoryEntry> {
  for (let polls = 1, wait = 50; ; polls++, wait = Math.min(wait * 2, MAX_POLL_MS)) {
    const entry = await historyOf(server, id, signal);
    if (entry) {
      if (entry.status?.status_str === 'error')
        throw new Error(`ComfyUI failed the workflow: ${executionError(entry)}`);
      if (entry.status?.completed !== false) return entry;
    } else if (polls % QUEUE_CHECK_EVERY === 0 && (await queued(server, id, signal)) === null) {
      // Finished between the two requests, or lost (ComfyUI restarted): the history tells.
      const last = await historyOf(server, id, signal);
      if (!last) throw new Error(`ComfyUI lost prompt ${id} (restarted?): it is neither queued nor in the history`);
      continue;
    }
    await pause(wait, signal);
  }
}

async function historyOf(server: ImageServer, id: string, signal: AbortSignal): Promise<HistoryEntry | undefined> {
  const res = await callImageServer(server, `/history/${encodeURIComponent(id)}`, { signal });
  return ((await res.json()) as Record<string, HistoryEntry>)[id];
}

/** Where the prompt is in ComfyUI's queue: running, pending, or not there (finished or lost). */
async function queued(server: ImageServer, id: string, signal: AbortSignal): Promise<'running' | 'pending' | null> {
  const res = await callImageServer(server, '/queue', { signal });
  const q = (await res.json()) as { queue_running?: unknown[][]; queue_pending?: unknown[][] };
  if ((q.queue_running ?? []).some((item) => item[1] === id)) return 'running';
  return (q.queue_pending ?? []).some((item) => item[1] === id) ? 'pending' : null;
}

function executionError(entry: HistoryEntry): string {
  const error = entry.status?.messages?.find(([event]) => event === 'execution_error')?.[1];
  if (!error) return 'no error message';
  return `${String(error.node_type)} (node ${String(error.node_id)}): ${String(error.exception_message)}`;
}

async function cancel(server: ImageServer, id: string): Promise<void> {
  const never = new AbortController().signal;
  await callImageServer(server, '/queue', { body: { delete: [id] } }).catch(() => undefined);
  // Interrupting stops whatever runs now, so only while it is ours (newer ComfyUI also reads the
  // prompt_id and interrupts nothing else).
  if ((await queued(server, id, never).catch(() => null)) === 'running')
    await callImageServer(server, '/interrupt', { body: { prompt_id: id } }).catch(() => undefined);
}
