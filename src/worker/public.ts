/**
 * `roost/worker` (package.json "exports"): what handler modules import. Its declarations are built
 * by tsconfig.types.json, so handlers written in TypeScript get the types too.
 */
export { NonRetryableError } from './handler.js';
export type { Handler, TaskContext } from './handler.js';
