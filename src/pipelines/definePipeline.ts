import type { PipelineDef } from './definition.js';

export type { InputSource, PipelineDef, StepDef } from './definition.js';

/**
 * The `roost/pipelines` entry: a pipeline module's default export, `export default
 * definePipeline({ name, steps })`. It returns the definition as it is; it is there for the types
 * (an editor checks the steps as they are written). `roost pipeline run` checks it like a JSON file.
 */
export function definePipeline(def: PipelineDef): PipelineDef {
  return def;
}
