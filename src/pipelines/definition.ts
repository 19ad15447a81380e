import { InputError } from '../errors.js';
import { isArtifactRef, isSha256, type ArtifactRef } from '../artifacts/ref.js';

/**
 * The pipeline model (docs/pipelines.md): named steps, each a job kind with parameters, inputs and
 * named outputs. An input is a file under the pipeline's folder (the CLI uploads it and sends its
 * reference), an artifact, or another step's output; an input from a step of the same cycle may
 * name the value its first round sees (`initial`, default null).
 */
export type InputSource =
  { file: string } | { artifact: ArtifactRef | string; file?: string } | { from: string; initial?: unknown };

export interface StepDef {
  kind: string;
  params?: Record<string, unknown>;
  inputs?: Record<string, InputSource>;
  outputs: string[];
  /** Paths (`output.field.sub`) whose value does not count as a change, e.g. a build timestamp. */
  ignore?: string[];
}

/** Outputs handed to bots: an item on a bot feed after each run in which one of them was made anew. */
export interface PublishDef {
  feed: string;
  /** `STEP.OUTPUT` names. */
  outputs: string[];
}

export interface PipelineDef {
  name: string;
  /** The most rounds a cycle may take to reach its fixed point (default 10). */
  maxRounds?: number;
  steps: Record<string, StepDef>;
  publish?: PublishDef;
}

/** A definition as the hub takes it: every file input already uploaded and named by its reference. */
export type ResolvedInput = { artifact: ArtifactRef; file?: string } | { from: string; initial?: unknown };
export interface ResolvedStep extends Omit<StepDef, 'inputs'> {
  inputs: Record<string, ResolvedInput>;
}
export interface ResolvedPipeline {
  name: string;
  maxRounds: number;
  steps: Record<string, ResolvedStep>;
  publish?: PublishDef;
}

export const DEFAULT_MAX_ROUNDS = 10;
const NAME = /^[A-Za-z_][\w-]{0,63}$/;
const KIND = /^[a-z0-9][a-z0-9._-]{0,127}$/i;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function check(ok: boolean, field: string, message: string): asserts ok {
  if (!ok) throw new InputError(field, `${field}: ${message}`);
}

function only(value: Record<string, unknown>, allowed: string[], field: string): void {
  for (const k of Object.keys(value))
    check(allowed.includes(k), `${field}.${k}`, `unknown property; expected one of ${allowed.join(', ')}`);
}

/** `step.output` split in two; the field names the input that holds it. */
export function splitFrom(from: string, field: string): { step: string; output: string } {
  const dot = from.indexOf('.');
  check(dot > 0 && dot < from.length - 1, field, `'${from}' must name a step's output as STEP.OUTPUT`);
  return { step: from.slice(0, dot), output: from.slice(dot + 1) };
}

function checkInput(raw: unknown, field: string): InputSource {
  check(isObject(raw), field, 'must be an object with one of file, artifact or from');
  if ('from' in raw) {
    only(raw, ['from', 'initial'], field);
    check(typeof raw.from === 'string', `${field}.from`, 'must be a string STEP.OUTPUT');
    splitFrom(raw.from, `${field}.from`);
    return raw as InputSource;
  }
  if ('artifact' in raw) {
    only(raw, ['artifact', 'file'], field);
    const a = raw.artifact;
    const hash = typeof a === 'string' ? a.replace(/^sha256:/, '') : '';
    check(
      isArtifactRef(a) || isSha256(hash),
      `${field}.artifact`,
      'must be sha256:<64 hex> or a { $artifact } reference',
    );
    check(raw.file === undefined || typeof raw.file === 'string', `${field}.file`, 'must be a path');
    return raw as InputSource;
  }
  only(raw, ['file'], field);
  check(
    typeof raw.file === 'string' && raw.file.length > 0,
    `${field}.file`,
    'must be a path relative to the pipeline file',
  );
  check(!raw.file.split(/[\\/]/).includes('..'), `${field}.file`, 'must stay under the pipeline folder (no ..)');
  return raw as InputSource;
}

function checkStep(raw: unknown, field: string): StepDef {
  check(isObject(raw), field, 'must be an object with kind and outputs');
  only(raw, ['kind', 'params', 'inputs', 'outputs', 'ignore'], field);
  check(typeof raw.kind === 'string' && KIND.test(raw.kind), `${field}.kind`, 'must be a job kind such as doc.render');
  check(raw.params === undefined || isObject(raw.params), `${field}.params`, 'must be an object');
  const outputs = raw.outputs;
  check(Array.isArray(outputs) && outputs.length > 0, `${field}.outputs`, 'must list at least one output name');
  outputs.forEach((o, i) => check(typeof o === 'string' && NAME.test(o), `${field}.outputs.${i}`, 'must be a name'));
  check(new Set(outputs).size === outputs.length, `${field}.outputs`, 'names an output twice');
  const inputs: Record<string, InputSource> = {};
  if (raw.inputs !== undefined) {
    check(isObject(raw.inputs), `${field}.inputs`, 'must be an object of named inputs');
    for (const [name, src] of Object.entries(raw.inputs)) {
      check(NAME.test(name), `${field}.inputs.${name}`, 'input names are letters, digits, _ and -');
      inputs[name] = checkInput(src, `${field}.inputs.${name}`);
    }
  }
  const ignore = raw.ignore;
  check(ignore === undefined || Array.isArray(ignore), `${field}.ignore`, 'must list OUTPUT.path entries');
  ignore?.forEach((p, i) => {
    check(typeof p === 'string', `${field}.ignore.${i}`, 'must be OUTPUT or OUTPUT.path');
    check(outputs.includes(p.split('.')[0]), `${field}.ignore.${i}`, `'${p}' names no output of this step`);
  });
  return { ...(raw as unknown as StepDef), inputs };
}

/**
 * Checks a pipeline definition; an error names the field (`steps.tex.inputs.aux.from`). Every `from`
 * must name a declared output of a declared step; cycles are allowed (they run to a fixed point).
 */
export function validatePipeline(raw: unknown): PipelineDef {
  check(isObject(raw), 'pipeline', 'must be an object with name and steps');
  only(raw, ['name', 'maxRounds', 'steps', 'publish'], 'pipeline');
  check(typeof raw.name === 'string' && NAME.test(raw.name), 'name', 'must be a name (letters, digits, _ and -)');
  const max = raw.maxRounds;
  check(
    max === undefined || (Number.isInteger(max) && (max as number) >= 1 && (max as number) <= 100),
    'maxRounds',
    'must be an integer from 1 to 100',
  );
  check(isObject(raw.steps) && Object.keys(raw.steps).length > 0, 'steps', 'must be an object with at least one step');
  const steps: Record<string, StepDef> = {};
  for (const [name, step] of Object.entries(raw.steps)) {
    check(NAME.test(name), `steps.${name}`, 'step names are letters, digits, _ and -');
    steps[name] = checkStep(step, `steps.${name}`);
  }
  for (const [name, step] of Object.entries(steps))
    for (const [input, src] of Object.entries(step.inputs ?? {})) {
      if (!('from' in src)) continue;
      const field = `steps.${name}.inputs.${input}.from`;
      const { step: s, output } = splitFrom(src.from, field);
      check(steps[s] !== undefined, field, `no step named '${s}'`);
      check(steps[s].outputs.includes(output), field, `step '${s}' has no output '${output}'`);
    }
  const publish = raw.publish === undefined ? undefined : checkPublish(raw.publish, steps);
  return { name: raw.name, maxRounds: max as number | undefined, steps, ...(publish ? { publish } : {}) };
}

function checkPublish(raw: unknown, steps: Record<string, StepDef>): PublishDef {
  check(isObject(raw), 'publish', 'must be an object { feed, outputs }');
  only(raw, ['feed', 'outputs'], 'publish');
  // A bot feed's name, as the feeds API takes it.
  const feed = raw.feed;
  check(
    typeof feed === 'string' && feed.length >= 1 && feed.length <= 200 && !feed.includes('\0'),
    'publish.feed',
    'must be a feed name (1 to 200 characters)',
  );
  const outputs = raw.outputs;
  check(Array.isArray(outputs) && outputs.length > 0, 'publish.outputs', 'must list at least one STEP.OUTPUT');
  outputs.forEach((o, i) => {
    const field = `publish.outputs.${i}`;
    check(typeof o === 'string', field, 'must be STEP.OUTPUT');
    const { step, output } = splitFrom(o, field);
    check(steps[step]?.outputs.includes(output) === true, field, `no step '${step}' with an output '${output}'`);
  });
  return { feed, outputs: outputs as string[] };
}

/** Checks a definition whose file inputs must already be artifacts (what the hub accepts). */
export function validateResolved(raw: unknown): ResolvedPipeline {
  const def = validatePipeline(raw);
  for (const [name, step] of Object.entries(def.steps))
    for (const [input, src] of Object.entries(step.inputs ?? {}))
      check(
        !('file' in src) || 'artifact' in src,
        `steps.${name}.inputs.${input}`,
        'a file must be uploaded and sent as an artifact (roost pipeline run does so)',
      );
  return { ...def, maxRounds: def.maxRounds ?? DEFAULT_MAX_ROUNDS } as ResolvedPipeline;
}
