import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Artifacts } from '../../artifacts/artifacts.js';
import { hashOf, toRef } from '../../artifacts/ref.js';
import { InputError, NotFoundError } from '../../errors.js';
import { validateResolved, type ResolvedPipeline } from '../../pipelines/definition.js';
import type { PipelineEngine } from '../../pipelines/pipelineEngine.js';
import type { PipelineStore } from '../../pipelines/pipelineStore.js';
import { requireScope } from '../auth.js';
import { checkKnown, intParam, patternParam, type Query } from '../query.js';
import { IdParams } from '../schemas.js';
import type { Tokens } from '../tokens.js';

// The shape only; validateResolved checks the rest (step references, outputs) and names the field.
const Json = Type.Unknown();
const Input = Type.Object(
  {
    from: Type.Optional(Type.String()),
    initial: Type.Optional(Json),
    artifact: Type.Optional(Json),
    file: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export const PipelineBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    maxRounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    steps: Type.Record(
      Type.String(),
      Type.Object(
        {
          kind: Type.String(),
          params: Type.Optional(Type.Record(Type.String(), Json)),
          inputs: Type.Optional(Type.Record(Type.String(), Input)),
          outputs: Type.Array(Type.String(), { minItems: 1 }),
          ignore: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    publish: Type.Optional(
      Type.Object(
        { feed: Type.String(), outputs: Type.Array(Type.String(), { minItems: 1 }) },
        {
          additionalProperties: false,
          description: 'outputs handed to bots: an item on this feed when one is made anew',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Every artifact input made a full reference of an artifact the hub holds (400 naming it if not). */
async function resolveArtifacts(def: ResolvedPipeline, artifacts: Artifacts): Promise<void> {
  for (const [name, step] of Object.entries(def.steps))
    for (const [input, src] of Object.entries(step.inputs)) {
      if (!('artifact' in src)) continue;
      const field = `steps.${name}.inputs.${input}.artifact`;
      const meta = await artifacts.get(hashOf(src.artifact));
      if (!meta)
        throw new InputError(field, `${field}: the hub holds no artifact ${hashOf(src.artifact)}; upload it first`);
      src.artifact = toRef(meta);
    }
}

/** Pipelines (docs/pipelines.md): start a run, list runs, read one with its steps, cancel one. */
export function pipelineRoutes(
  app: FastifyInstance,
  deps: { engine: PipelineEngine; store: PipelineStore; artifacts: Artifacts; tokens: Tokens },
): void {
  const client = { onRequest: requireScope(deps.tokens, 'client') };
  const tags = ['pipelines'];
  const runOf = async (id: string) => {
    const got = await deps.store.getRun(id);
    if (!got) throw new NotFoundError(`no pipeline run with id '${id}'`);
    return { ...got.run, steps: got.steps };
  };

  app.post(
    '/v1/pipelines',
    {
      ...client,
      schema: { tags, summary: 'Run a pipeline (files already uploaded as artifacts)', body: PipelineBody },
    },
    async (req, reply) => {
      const def = validateResolved(req.body as Static<typeof PipelineBody>);
      await resolveArtifacts(def, deps.artifacts);
      const run = await deps.engine.start(def, req.token!.id);
      return reply.code(201).send(await runOf(run.id));
    },
  );

  app.get(
    '/v1/pipelines',
    { ...client, schema: { tags, summary: 'List pipeline runs, newest first' } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['limit', 'cursor']);
      const limit = intParam(q, 'limit', 1, 500) ?? 50;
      const cursor = patternParam(q, 'cursor', /^run_[0-9a-z]{1,40}$/, 'the nextCursor of the previous page');
      const runs = (await deps.store.listRuns(limit, cursor ?? null)).map(({ definition, ...r }) => ({
        ...r,
        steps: Object.keys(definition.steps).length,
      }));
      return { runs, nextCursor: runs.length === limit ? runs.at(-1)!.id : null };
    },
  );

  app.get(
    '/v1/pipelines/:id',
    { ...client, schema: { tags, summary: 'A pipeline run with its steps', params: IdParams } },
    async (req) => runOf((req.params as IdParams).id),
  );

  app.post(
    '/v1/pipelines/:id/cancel',
    { ...client, schema: { tags, summary: 'Cancel a run and the jobs it has in flight', params: IdParams } },
    async (req) => {
      const id = (req.params as IdParams).id;
      await deps.engine.cancel(id);
      return runOf(id);
    },
  );
}
