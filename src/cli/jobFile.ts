import type { JobView } from '../broker/jobViews.js';
import { MAX_TASKS_PER_REQUEST } from '../broker/defaults.js';
import { HubError } from '../client/hubClient.js';
import { UsageError } from './flags.js';
import { parseJson, readSource } from './input.js';
import { connect, out, printJson, type ClientFlags } from './shared.js';

/** The most jobs POST /v1/jobs/batch takes at once. */
const BATCH_SIZE = 1000;

interface Batch {
  jobs: JobView[];
  created: boolean[];
}

interface Line {
  /** 1-based line number in the file. */
  at: number;
  job: Record<string, unknown>;
}

/** The jobs of a JSON Lines file: one job object per line, blank lines skipped. */
export function parseJobLines(text: string, name: string): Line[] {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `--file line ${i + 1} of ${name}`;
    const job = parseJson(line, where);
    if (typeof job !== 'object' || job === null || Array.isArray(job)) {
      throw new UsageError(
        `${where} is not a JSON object (one job per line, e.g. {"kind": "text.markov", "input": {}})`,
      );
    }
    lines.push({ at: i + 1, job: job as Record<string, unknown> });
  });
  if (lines.length === 0) throw new UsageError(`--file ${name} has no jobs (one JSON object per line)`);
  return lines;
}

/** A hub error about `jobs.N...` of a chunk, restated with the line of the file it came from. */
function atLine(e: unknown, chunk: Line[], name: string, submitted: number): unknown {
  if (!(e instanceof HubError)) return e;
  const m = /^jobs\.(\d+)(?:\.(.+))?$/.exec(e.field ?? '');
  const line = m ? chunk[Number(m[1])] : undefined;
  const where = line ? `line ${line.at} of ${name}: ` : '';
  const before = submitted > 0 ? ` (${submitted} jobs from earlier lines were submitted already)` : '';
  if (!where && !before) return e;
  const message = where + e.message.replace(/^jobs\[\d+\]: /, '') + before;
  return new HubError(e.status, e.code, message, line ? m![2] : e.field, e.body);
}

/**
 * Submits the jobs of a JSON Lines file (`-`: stdin) through /v1/jobs/batch, in chunks of 1000
 * jobs and at most MAX_TASKS_PER_REQUEST tasks (each chunk all or none). `defaults` (from the
 * flags) fill in what a line does not set.
 */
export async function submitFile(file: string, defaults: Record<string, unknown>, f: ClientFlags): Promise<void> {
  const name = file === '-' ? 'stdin' : file;
  const lines = parseJobLines(await readSource(file, '--file'), name);
  const client = connect(f);
  const all: Batch = { jobs: [], created: [] };
  for (let start = 0; start < lines.length;) {
    let end = start;
    for (let tasks = 0; end < lines.length && end - start < BATCH_SIZE; end++) {
      const variants = { ...defaults, ...lines[end]!.job }.variants;
      tasks += typeof variants === 'number' ? variants : 1;
      if (end > start && tasks > MAX_TASKS_PER_REQUEST) break;
    }
    const chunk = lines.slice(start, end);
    let reply: Batch;
    try {
      reply = await client.post<Batch>(
        '/v1/jobs/batch',
        { jobs: chunk.map((l) => ({ ...defaults, ...l.job })) },
        { timeoutMs: 120_000 },
      );
    } catch (e) {
      throw atLine(e, chunk, name, start);
    }
    start = end;
    all.jobs.push(...reply.jobs);
    all.created.push(...reply.created);
  }
  if (f.json) return printJson(all);
  const created = all.created.filter(Boolean).length;
  out(`Submitted ${all.jobs.length} jobs (${created} created, ${all.jobs.length - created} existing)`);
  const cached = all.jobs.filter((j) => j.cached).length;
  if (cached > 0) out(`${cached} of them cached: results reused from identical jobs, nothing ran`);
  const waiting = all.jobs.filter((j) => j.waitingForWorker).length;
  if (waiting > 0)
    out(
      `warning: no connected worker serves the kind (with the requires) of ${waiting} of them; they wait until one connects`,
    );
}
