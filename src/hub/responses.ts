import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Reply schemas of the HTTP API, for the OpenAPI document (and the clients generated from it).
 * Each named one is a component (`$id`), referred to by `$ref`. Replies are written with
 * JSON.stringify, not compiled from these (server.ts), so a field missing here is never dropped
 * from a reply; test/hub/openapi.test.ts checks the replies against them.
 */

/** Objects may gain fields: generated clients must accept them. */
const open = { additionalProperties: true } as const;
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Ms = (description = 'Epoch ms') => Type.Integer({ description });
const Strings = Type.Record(Type.String(), Type.String());

export const ErrorReply = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ description: 'For programs: invalid_request, unauthorized, not_found, ...' }),
        message: Type.String({ description: 'For people: what is wrong and how to fix it' }),
        field: Type.Optional(Type.String({ description: 'The input at fault, as a dotted path' })),
        leaseIds: Type.Optional(Type.Array(Type.String())),
      },
      open,
    ),
    results: Type.Optional(Type.Array(Type.Ref('CompleteOutcome'))),
  },
  { ...open, $id: 'Error' },
);

export const CompleteOutcome = Type.Object(
  {
    leaseId: Type.String(),
    status: Type.String({ description: 'ok, lease_lost, cancelled or invalid_output' }),
  },
  { ...open, $id: 'CompleteOutcome' },
);

const TaskCounts = Type.Object(
  {
    queued: Type.Integer(),
    leased: Type.Integer(),
    succeeded: Type.Integer(),
    dead: Type.Integer(),
    cancelled: Type.Integer(),
  },
  open,
);

const jobFields = {
  id: Type.String(),
  kind: Type.String(),
  input: Type.Unknown(),
  variants: Type.Integer(),
  priority: Type.Integer(),
  runAt: Ms(),
  maxAttempts: Type.Integer(),
  backoff: Type.Object(
    {
      type: Type.Union([Type.Literal('exponential'), Type.Literal('fixed')]),
      delayMs: Type.Integer(),
      maxDelayMs: Type.Integer(),
      jitter: Type.Boolean(),
    },
    open,
  ),
  leaseMs: Type.Integer(),
  key: Nullable(Type.String()),
  requires: Nullable(Strings),
  seed: Type.Integer(),
  createdAt: Ms(),
  concurrencyKey: Nullable(Type.String()),
  cacheKey: Nullable(Type.String()),
  state: Type.Union(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
  updatedAt: Ms(),
  finishedAt: Nullable(Ms()),
  counts: TaskCounts,
  cachedFrom: Nullable(Type.String()),
  createdBy: Nullable(Type.String({ description: 'The id of the token that submitted it; null: the hub itself' })),
  enough: Type.Boolean(),
  cached: Type.Boolean(),
  waitingForWorker: Type.Boolean(),
  blockedBy: Nullable(
    Type.Object(
      {
        reason: Type.Union([Type.Literal('concurrency'), Type.Literal('rate')]),
        key: Type.String(),
        until: Nullable(Ms()),
      },
      open,
    ),
  ),
};

export const Job = Type.Object(jobFields, { ...open, $id: 'Job' });

export const Result = Type.Object(
  {
    taskId: Type.String(),
    index: Type.Integer(),
    seed: Type.Integer(),
    output: Type.Unknown(),
    finishedAt: Ms(),
    seq: Type.Integer({ description: 'Completion order; results of a job sort by it' }),
  },
  { ...open, $id: 'Result' },
);

export const JobWithResults = Type.Object(
  { ...jobFields, results: Type.Array(Type.Ref(Result)) },
  { ...open, $id: 'JobWithResults' },
);

const taskFields = {
  id: Type.String(),
  jobId: Type.String(),
  index: Type.Integer(),
  kind: Type.String(),
  seed: Type.Integer(),
  state: Type.Union(['queued', 'leased', 'succeeded', 'dead', 'cancelled'].map((s) => Type.Literal(s))),
  attempt: Type.Integer(),
  maxAttempts: Type.Integer(),
  priority: Type.Integer(),
  runAt: Ms(),
  workerId: Nullable(Type.String()),
  leaseExpiresAt: Nullable(Ms()),
  progress: Type.Unknown(),
  error: Nullable(Type.String()),
  finishedAt: Nullable(Ms()),
};
export const Task = Type.Object(taskFields, { ...open, $id: 'Task' });
export const DeadTask = Type.Object(
  { ...taskFields, error: Type.String(), cursor: Type.String({ description: 'Pass as cursor for the next page' }) },
  { ...open, $id: 'DeadTask' },
);

export const ClaimedTask = Type.Object(
  {
    taskId: Type.String(),
    leaseId: Type.String(),
    jobId: Type.String(),
    kind: Type.String(),
    index: Type.Integer(),
    seed: Type.Integer(),
    attempt: Type.Integer(),
    input: Type.Unknown(),
    leaseMs: Type.Integer(),
    leaseExpiresAt: Ms(),
    readyAt: Ms('When the task became ready to claim'),
  },
  { ...open, $id: 'ClaimedTask' },
);

export const Worker = Type.Object(
  {
    workerId: Type.String(),
    name: Type.String(),
    capabilities: Type.Array(Type.Object({ kind: Type.String(), labels: Strings }, open)),
    concurrency: Type.Integer(),
    version: Type.String(),
    firstSeen: Ms(),
    lastSeen: Ms(),
    connected: Type.Boolean(),
    inFlight: Type.Integer(),
    claimedLast5m: Type.Integer(),
    claimedLastHour: Type.Integer(),
  },
  { ...open, $id: 'Worker' },
);

export const TokenInfo = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    scope: Type.Union(['admin', 'client', 'worker', 'bot'].map((s) => Type.Literal(s))),
    createdAt: Ms(),
    revokedAt: Nullable(Ms()),
    lastUsedAt: Nullable(Ms()),
    kinds: Nullable(Type.Array(Type.String(), { description: 'A worker token serves only these; null: any' })),
    ownJobs: Type.Boolean({ description: 'A client token that sees and changes only the jobs it created' }),
    bot: Nullable(Type.String({ description: 'A bot token that acts only for this bot; null: any' })),
  },
  { ...open, $id: 'TokenInfo' },
);

const Rate = Type.Object({ count: Type.Integer(), intervalMs: Type.Integer() }, open);
export const Limit = Type.Object(
  { key: Type.String(), concurrency: Nullable(Type.Integer()), rate: Nullable(Rate) },
  { ...open, $id: 'Limit' },
);

export const StoreStats = Type.Object(
  {
    tasks: Type.Array(Type.Object({ kind: Type.String(), state: Type.String(), count: Type.Integer() }, open)),
    jobs: Type.Record(Type.String(), Type.Integer(), { description: 'Jobs per state' }),
  },
  { ...open, $id: 'StoreStats' },
);

export const MinutePoint = Type.Object(
  {
    minute: Ms("The minute's start"),
    jobsCreated: Type.Integer(),
    jobsSucceeded: Type.Integer(),
    jobsFailed: Type.Integer(),
    claims: Type.Integer(),
    claimsByKind: Type.Record(Type.String(), Type.Integer()),
    dispatchP50Ms: Nullable(Type.Number()),
    dispatchP99Ms: Nullable(Type.Number()),
  },
  { ...open, $id: 'MinutePoint' },
);

export const Session = Type.Object(
  {
    tokenId: Type.String(),
    scope: Type.String(),
    csrf: Type.String({ description: 'Send back in X-Roost-CSRF on requests that change something' }),
    expiresAt: Ms(),
  },
  { ...open, $id: 'Session' },
);

export const Bot = Type.Object(
  {
    name: Type.String(),
    module: Type.String(),
    paused: Type.Boolean(),
    running: Type.Boolean(),
    createdAt: Ms(),
    starts: Type.Integer(),
    restarts: Type.Integer(),
    runs: Type.Integer(),
    errors: Type.Integer(),
    lastError: Nullable(Type.String()),
  },
  { ...open, $id: 'Bot' },
);

export const BotLogLine = Type.Object(
  { id: Type.Integer(), bot: Type.String(), at: Ms(), level: Type.String(), msg: Type.String(), data: Type.Unknown() },
  { ...open, $id: 'BotLogLine' },
);

export const FeedItem = Type.Object(
  { feed: Type.String(), seq: Type.Integer(), item: Type.Unknown(), createdAt: Ms() },
  { ...open, $id: 'FeedItem' },
);

export const SandboxPost = Type.Object(
  {
    id: Type.Integer(),
    type: Type.Union([Type.Literal('post'), Type.Literal('ask')]),
    author: Type.String(),
    recipient: Nullable(Type.String()),
    replyTo: Nullable(Type.Integer()),
    text: Type.String(),
    mentions: Type.Array(Type.String()),
    likes: Type.Array(Type.String()),
    key: Nullable(Type.String()),
    createdAt: Ms(),
  },
  { ...open, $id: 'SandboxPost' },
);

/** Every component, registered with the server so the document lists them under components.schemas. */
export const COMPONENTS: TSchema[] = [
  ErrorReply,
  CompleteOutcome,
  Job,
  Result,
  JobWithResults,
  Task,
  DeadTask,
  ClaimedTask,
  Worker,
  TokenInfo,
  Limit,
  StoreStats,
  MinutePoint,
  Session,
  Bot,
  BotLogLine,
  FeedItem,
  SandboxPost,
];
