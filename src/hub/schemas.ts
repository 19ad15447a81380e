import { BOT_NAME_PATTERN } from '../bots/botSupervisor.js';
import { Type, type Static } from '@sinclair/typebox';
import { KIND_PATTERN } from '../types/jobs.js';
import { MAX_DEPTH_KEYWORD, MAX_JSON_DEPTH } from './jsonDepth.js';

/** Request schemas of the HTTP API. Fastify compiles them; the OpenAPI document is built from them. */

const strict = { additionalProperties: false } as const;

/** PostgreSQL text cannot hold U+0000, so names and texts stored as such refuse it on every store alike. */
export const NUL_FREE = '^[^\\u0000]*$';

export const Kind = Type.String({
  pattern: KIND_PATTERN,
  maxLength: 100,
  description: 'Dotted lower-case name, e.g. text.markov',
});
export const LABEL_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';
/** Text that is valid Unicode (no lone surrogate, which no store or URL encoding can hold) and NUL-free. */
export const WELL_FORMED = '^[^\\u0000\\uD800-\\uDFFF]*$';
const LabelValue = Type.String({ maxLength: 200, pattern: WELL_FORMED });
export const Labels = Type.Record(Type.String({ pattern: LABEL_PATTERN }), LabelValue, {
  // patternProperties alone lets other names through: a job no worker could ever claim.
  propertyNames: { pattern: LABEL_PATTERN },
  additionalProperties: false,
  maxProperties: 32,
  description: 'Label names to values, e.g. {"model": "gpt2-xl"}',
});

/** Any JSON value, held to MAX_JSON_DEPTH levels of nesting. */
export const JsonValue = (description: string) =>
  Type.Unknown({
    description: `${description}; at most ${MAX_JSON_DEPTH} levels deep`,
    [MAX_DEPTH_KEYWORD]: MAX_JSON_DEPTH,
  });

export const BackoffBody = Type.Object(
  {
    type: Type.Optional(Type.Union([Type.Literal('exponential'), Type.Literal('fixed')])),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    jitter: Type.Optional(Type.Boolean()),
  },
  strict,
);

export const JobBody = Type.Object(
  {
    kind: Kind,
    input: JsonValue('Any JSON value; the handler of the kind defines it'),
    variants: Type.Optional(Type.Integer({ minimum: 1, description: 'Number of tasks; task i gets seed + i' })),
    priority: Type.Optional(
      Type.Integer({ minimum: -1000, maximum: 1000, description: 'Higher runs first (default 0)' }),
    ),
    runAt: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.String({ format: 'date-time' })], {
        description: 'Epoch ms or ISO 8601',
      }),
    ),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 * 86_400_000 })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    backoff: Type.Optional(BackoffBody),
    leaseMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Idempotency key' })),
    requires: Type.Optional(Labels),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    concurrencyKey: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Tasks sharing a key obey the limits set for it' }),
    ),
    cache: Type.Optional(
      Type.Union([Type.Boolean(), Type.Object({ ttlMs: Type.Integer({ minimum: 0 }) }, strict)], {
        description:
          'Reuse the results of an identical succeeded job (kind, input, seed, variants, requires); seed defaults to 0',
      }),
    ),
  },
  strict,
);
export type JobBody = Static<typeof JobBody>;

export const BatchBody = Type.Object({ jobs: Type.Array(JobBody, { minItems: 1, maxItems: 1000 }) }, strict);

const RateBody = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Starts allowed per interval' }),
    intervalMs: Type.Integer({ minimum: 1, maximum: 86_400_000 }),
  },
  strict,
);
export const LimitBody = Type.Object(
  {
    concurrency: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], {
        description: 'Most tasks of the key running at once',
      }),
    ),
    rate: Type.Optional(
      Type.Union([RateBody, Type.Null()], { description: 'A token bucket: count starts per intervalMs' }),
    ),
  },
  strict,
);
export const KeyParams = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 201, description: "A concurrency key, or a prefix ending in '*'" }) },
  strict,
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, strict);
export type IdParams = Static<typeof IdParams>;

export const Capability = Type.Object({ kind: Kind, labels: Type.Optional(Labels) }, strict);

export const ClaimBody = Type.Object(
  {
    workerId: Type.String({ minLength: 1, maxLength: 100, description: 'Stable id of the worker process' }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    capabilities: Type.Array(Capability, { minItems: 1, maxItems: 200 }),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    version: Type.Optional(Type.String({ maxLength: 50 })),
    max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Most tasks to lease (default 1)' })),
    holds: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), {
        maxItems: 1000,
        description: 'Artifact hashes the worker holds in its cache (pipelines place steps by them)',
      }),
    ),
    waitMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 60_000,
        description: 'How long to hold the request open when nothing is ready',
      }),
    ),
  },
  strict,
);
export type ClaimBody = Static<typeof ClaimBody>;

const LeaseId = Type.String({ minLength: 1, maxLength: 100 });
const LeaseIds = Type.Array(LeaseId, { maxItems: 10_000 });

export const HeartbeatBody = Type.Object(
  {
    workerId: Type.Optional(Type.String({ maxLength: 100 })),
    leaseIds: LeaseIds,
    waitMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 60_000,
        description: 'Hold the request open until one of jobIds changes state, at most this long',
      }),
    ),
    jobIds: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 10_000,
        description: 'The jobs of the leases, for waitMs',
      }),
    ),
  },
  strict,
);
export const ProgressBody = Type.Object(
  {
    leaseId: LeaseId,
    progress: Type.Number({ minimum: 0, maximum: 1, description: 'Fraction done' }),
    partial: Type.Optional(JsonValue('A partial output streamed to watchers, not stored')),
  },
  strict,
);
export const CompleteBody = Type.Object(
  {
    results: Type.Array(Type.Object({ leaseId: LeaseId, output: Type.Unknown() }, strict), {
      minItems: 1,
      maxItems: 1000,
    }),
  },
  strict,
);
export const FailBody = Type.Object(
  {
    leaseId: LeaseId,
    error: Type.String({ maxLength: 10_000 }),
    retryable: Type.Optional(Type.Boolean({ description: 'false sends the task straight to dead (default true)' })),
  },
  strict,
);
export const ReleaseBody = Type.Object({ leaseIds: LeaseIds }, strict);

export const TokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scope: Type.Union([Type.Literal('admin'), Type.Literal('client'), Type.Literal('worker'), Type.Literal('bot')]),
    kinds: Type.Optional(
      Type.Array(Kind, { minItems: 1, maxItems: 100, description: 'A worker token serves only these kinds' }),
    ),
    ownJobs: Type.Optional(
      Type.Boolean({ description: 'A client token that sees and changes only the jobs it created' }),
    ),
    bot: Type.Optional(
      Type.String({
        pattern: BOT_NAME_PATTERN,
        description: 'A bot token that acts only for this bot: its state, its feeds',
      }),
    ),
  },
  strict,
);

/**
 * Query parameters, described for the OpenAPI document only: every value is text, and routes
 * parse and check them (query.ts), since the schema compiler may not coerce "5" into 5.
 */
const param = (description: string) => Type.Optional(Type.String({ description }));

export const JobListQuery = Type.Object({
  state: param('queued, running, succeeded, failed or cancelled'),
  kind: param('A kind, e.g. text.markov'),
  bot: param("A bot's name: the jobs it submitted (concurrency key bot:NAME)"),
  since: param('Epoch ms: jobs created at or after it'),
  until: param('Epoch ms: jobs created before it'),
  cursor: param('The nextCursor of the previous page'),
  limit: param('1 to 500 (default 50)'),
});

export const MinutesQuery = Type.Object({
  since: param('Epoch ms (default an hour ago; at most 24 hours ago)'),
  until: param('Epoch ms (default now)'),
});
