import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BOT_NAME_PATTERN, type BotSupervisor } from '../../bots/botSupervisor.js';
import { InputError, NotFoundError } from '../../errors.js';
import type { BotStore } from '../../store/botStore.js';
import { requireScope } from '../auth.js';
import { checkKnown, intParam, stringParam, type Query } from '../query.js';
import { JsonValue, NUL_FREE } from '../schemas.js';
import { SseStream } from '../sse.js';
import type { Tokens } from '../tokens.js';
import type { BotLogLine } from '../../types/bots.js';
import { checkBot, feedRefused, feedWriter } from '../botAccess.js';

const strict = { additionalProperties: false } as const;
const BotName = Type.String({ pattern: BOT_NAME_PATTERN, description: "Lower-case letters, digits, '_' and '-'" });
const NameParams = Type.Object({ name: BotName }, strict);
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: NUL_FREE });
const StateParams = Type.Object({ name: BotName, key: Name }, strict);
const FeedParams = Type.Object({ feed: Name }, strict);
export const CreateBotBody = Type.Object(
  {
    name: BotName,
    from: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'A bot module file on the hub machine; it is copied into botsDir',
    }),
  },
  strict,
);
const StateBody = Type.Object({ value: JsonValue('Any JSON value; null deletes the key') }, strict);
const PublishBody = Type.Object(
  { items: Type.Array(JsonValue('Any JSON value'), { minItems: 1, maxItems: 1000 }) },
  strict,
);
const AckBody = Type.Object({ consumer: Name, seq: Type.Integer({ minimum: 1 }) }, strict);

type NameParams = Static<typeof NameParams>;

/** What a log tail opens with: the last lines of the last hour. */
const TAIL_SINCE_MS = 3_600_000;
const TAIL_LINES = 200;
const PAGE = 1000;

async function tail(store: BotStore, bot: string): Promise<BotLogLine[]> {
  let lines: BotLogLine[] = [];
  let page = await store.readLogs(bot, { since: Date.now() - TAIL_SINCE_MS, limit: PAGE });
  for (;;) {
    lines = [...lines, ...page].slice(-TAIL_LINES);
    if (page.length < PAGE) return lines;
    page = await store.readLogs(bot, { afterId: page.at(-1)!.id, limit: PAGE });
  }
}

/** Bots: managed by admins; read by client tokens; state and feeds also open to bot tokens (bots in any language). */
export function botRoutes(app: FastifyInstance, bots: BotSupervisor, store: BotStore, tokens: Tokens): void {
  const admin = { onRequest: requireScope(tokens) };
  const reader = { onRequest: requireScope(tokens, 'client', 'bot') };
  const bot = { onRequest: requireScope(tokens, 'bot') };
  const tags = ['bots'];

  app.get(
    '/v1/bots',
    { ...reader, schema: { tags, summary: 'Bots with their stats, and whether this hub is the one running them' } },
    async () => ({
      bots: await bots.list(),
      leads: bots.leads,
    }),
  );
  app.get('/v1/bots/:name', { ...reader, schema: { tags, summary: 'One bot', params: NameParams } }, async (req) =>
    bots.get((req.params as NameParams).name),
  );
  app.post(
    '/v1/bots',
    { ...admin, schema: { tags, summary: 'Create a bot from a module and start it', body: CreateBotBody } },
    async (req, reply) => {
      const b = req.body as Static<typeof CreateBotBody>;
      return reply.code(201).send(await bots.create(b.name, b.from));
    },
  );
  app.post(
    '/v1/bots/:name/pause',
    { ...admin, schema: { tags, summary: 'Stop a bot until resumed', params: NameParams } },
    async (req) => bots.pause((req.params as NameParams).name),
  );
  app.post(
    '/v1/bots/:name/resume',
    { ...admin, schema: { tags, summary: 'Start a paused bot', params: NameParams } },
    async (req) => bots.resume((req.params as NameParams).name),
  );
  app.post(
    '/v1/bots/:name/run',
    { ...admin, schema: { tags, summary: "Run a bot's onSchedule once, now", params: NameParams } },
    async (req) => {
      const { name } = req.params as NameParams;
      await bots.runOnce(name);
      return bots.get(name);
    },
  );
  app.delete(
    '/v1/bots/:name',
    {
      ...admin,
      schema: { tags, summary: 'Destroy a bot with its state, owned feeds, ledger and log', params: NameParams },
    },
    async (req) => {
      const { name } = req.params as NameParams;
      await bots.destroy(name);
      return { destroyed: name };
    },
  );

  app.get(
    '/v1/bots/:name/logs',
    { ...reader, schema: { tags, summary: "A bot's stored log lines, oldest first", params: NameParams } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['since', 'after', 'limit']);
      const { name } = await bots.get((req.params as NameParams).name);
      const lines = await store.readLogs(name, {
        since: intParam(q, 'since', 0, Number.MAX_SAFE_INTEGER),
        afterId: intParam(q, 'after', 0, Number.MAX_SAFE_INTEGER),
        limit: intParam(q, 'limit', 1, 1000) ?? 200,
      });
      return { lines };
    },
  );

  app.get(
    '/v1/bots/:name/logs/events',
    {
      ...reader,
      schema: {
        tags,
        summary: "Server-Sent Events: a bot's last log lines (of the last hour, at most 200), then each new one",
        params: NameParams,
      },
    },
    async (req, reply) => {
      checkKnown(req.query as Query, []);
      const { name } = await bots.get((req.params as NameParams).name);
      let lastId = 0;
      const send = (lines: BotLogLine[]) => {
        for (const l of lines) stream.send('log', l, l.id);
        lastId = lines.at(-1)?.id ?? lastId;
      };
      // Reads run one after another, each from the last line sent: none is sent twice or skipped.
      const failed = () => stream.end();
      let reading = tail(store, name).then(send).catch(failed);
      const onLog = (bot: string) => {
        if (bot === name)
          reading = reading
            .then(async () => send(await store.readLogs(name, { afterId: lastId, limit: PAGE })))
            .catch(failed);
      };
      const stream = new SseStream(reply, () => bots.logged.off('log', onLog));
      bots.logged.on('log', onLog);
      await reading;
    },
  );

  app.get(
    '/v1/bots/:name/state',
    { ...bot, schema: { tags, summary: "A bot's state, every key", params: NameParams } },
    async (req) => {
      checkBot(req.token!, (req.params as NameParams).name, 'name');
      const { name } = await bots.get((req.params as NameParams).name);
      return { state: await store.listState(name) };
    },
  );
  app.put(
    '/v1/bots/:name/state/:key',
    { ...bot, schema: { tags, summary: 'Set a state key (null deletes it)', params: StateParams, body: StateBody } },
    async (req) => {
      const { name, key } = req.params as Static<typeof StateParams>;
      checkBot(req.token!, name, 'name');
      await bots.get(name);
      const { value } = req.body as Static<typeof StateBody>;
      await store.setState(name, key, value === null ? undefined : value, Date.now());
      return { key, value };
    },
  );

  app.post(
    '/v1/feeds/:feed/items',
    { ...bot, schema: { tags, summary: 'Publish items to a feed', params: FeedParams, body: PublishBody } },
    async (req) => {
      const { feed } = req.params as Static<typeof FeedParams>;
      const { items } = req.body as Static<typeof PublishBody>;
      const writer = feedWriter(req.token!);
      // The feed it creates is its bot's (destroyed with it), so the bot must exist.
      if (writer !== null) await bots.get(writer);
      const seqs = await store.publish(feed, writer, items, Date.now(), writer !== null);
      if (!seqs) throw feedRefused(req.token!, feed);
      return { seqs };
    },
  );
  app.get(
    '/v1/feeds/:feed/items',
    { ...bot, schema: { tags, summary: "Items after a consumer's last ack", params: FeedParams } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['consumer', 'limit']);
      const consumer = stringParam(q, 'consumer');
      if (!consumer) throw new InputError('consumer', 'consumer is required: the name whose cursor to read from');
      if (consumer.includes('\u0000')) throw new InputError('consumer', 'consumer may not contain the NUL character');
      return {
        items: await store.readFeed(
          (req.params as Static<typeof FeedParams>).feed,
          consumer,
          intParam(q, 'limit', 1, 1000) ?? 100,
        ),
      };
    },
  );
  app.post(
    '/v1/feeds/:feed/ack',
    { ...bot, schema: { tags, summary: "Move a consumer's cursor to seq", params: FeedParams, body: AckBody } },
    async (req) => {
      const { feed } = req.params as Static<typeof FeedParams>;
      const { consumer, seq } = req.body as Static<typeof AckBody>;
      checkBot(req.token!, consumer, 'consumer');
      if (!(await store.ack(feed, consumer, seq))) throw new NotFoundError(`feed '${feed}' has no item ${seq}`);
      return { feed, consumer, acked: seq };
    },
  );
}
