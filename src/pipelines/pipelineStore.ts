import { openPipelineStore as openStored } from '../store/pipelineStore.js';
import type * as Stored from '../store/pipelineStore.js';
import type { Store } from '../store/store.js';
import type { ResolvedPipeline } from './definition.js';

export type { RunState, StepRecord, StepResult, StepState } from '../store/pipelineStore.js';
/** A run as the engine keeps it: its definition the checked one it was started with. */
export type RunRecord = Stored.RunRecord<ResolvedPipeline>;
export type PipelineStore = Stored.PipelineStore<ResolvedPipeline>;

/** The pipeline tables; runs are written only by the engine, so their definitions are checked ones. */
export function openPipelineStore(store: Store): PipelineStore {
  return openStored(store) as unknown as PipelineStore;
}
