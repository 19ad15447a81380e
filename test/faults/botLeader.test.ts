import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HubClient, type HubError } from '../../src/client/hubClient.js';
import type { SandboxPost } from '../../src/types.js';
import { allPosts, writeBot } from '../bots/botHelpers.js';
import { NO_DATABASE, type TestDatabase } from '../helpers/postgres.js';
import { cleanupProcesses, dumpOnFailure, makeTempDir, type HubProcess, type LogLine } from '../helpers/processes.js';
import { dropDatabases, pairDatabase, startHubPair } from './hubPair.js';
import { pollUntil } from './support.js';

// Two hub processes on one PostgreSQL schema sharing one bots folder. The bots must run on the
// leader only, hear what is posted through the other hub at once, and move to the other hub when
// the leader goes, without answering an ask twice. The bot signs each answer with the process id
// of the hub it runs in.

after(async () => {
  await cleanupProcesses();
  await dropDatabases();
});

const LEADS = 'this hub leads: it runs the bots';
const FOLLOWS = 'this hub does not lead: its bots run on the leading hub';
/** Far beyond every wait below: an answer within them came from a wake-up, never from a poll. */
const POLL_MS = 120_000;

interface Answered {
  asks: SandboxPost[];
  replies: SandboxPost[];
}

/** Both hubs on the schema with the `answerer` bot in their shared bots folder; A leads. */
async function botHubs(db: TestDatabase) {
  const dir = makeTempDir('roost-bot-leader-');
  const botsDir = join(dir, 'bots');
  writeBot(
    botsDir,
    'answerer',
    `{ name: 'answerer',
      async onAsk(event, ctx) {
        await ctx.reply(event.post, process.pid + ' answers ' + event.post.text, { key: 'ask:' + event.post.id });
      },
      async onSchedule(ctx) {
        await ctx.post(process.pid + ' ran ' + Date.now());
      } }`,
  );
  const config = join(dir, 'roost.config.json');
  writeFileSync(config, JSON.stringify({ botPollMs: POLL_MS }));
  const { a, b } = await startHubPair(db, { args: ['--bots', botsDir, '--config', config] });
  await a.handle.waitForLog(LEADS);
  await b.handle.waitForLog(FOLLOWS);
  const clientA = new HubClient(a.url, a.adminToken);
  const clientB = new HubClient(b.url, b.adminToken);
  const ask = (text: string) => clientB.post<SandboxPost>('/v1/sandbox/asks', { from: 'alice', to: 'answerer', text });
  /** The asks and the bot's replies to them, once every ask has one. */
  const answered = async (count: number, timeoutMs = 20_000): Promise<Answered> => {
    let seen: Answered = { asks: [], replies: [] };
    await pollUntil(
      `${count} asks answered`,
      async () => {
        const posts = await allPosts(clientB);
        const asks = posts.filter((p) => p.type === 'ask');
        const replies = posts.filter((p) => p.author === 'answerer' && p.replyTo !== null);
        seen = { asks, replies };
        return asks.length === count && asks.every((q) => replies.some((r) => r.replyTo === q.id));
      },
      timeoutMs,
      50,
    );
    return seen;
  };
  return { a, b, clientA, clientB, ask, answered };
}

const bot = (c: HubClient) => c.get<{ running: boolean; paused: boolean }>('/v1/bots/answerer');
const leads = async (c: HubClient) => (await c.get<{ leads: boolean }>('/v1/bots')).leads;
const signer = (p: SandboxPost) => Number(p.text.split(' ')[0]);

function assertOnce({ asks, replies }: Answered): void {
  for (const q of asks)
    assert.equal(replies.filter((r) => r.replyTo === q.id).length, 1, `ask '${q.text}' has exactly one answer`);
}

test(
  'two hubs: the bot runs on the leader only; asks, pause, resume and run sent to the other hub reach it at once; kill -9 of the leader: the other takes over, no ask answered twice',
  { timeout: 120_000 },
  async (t) => {
    const db = await pairDatabase();
    if (!db) return t.skip(NO_DATABASE);
    await dumpOnFailure(async () => {
      const { a, b, clientA, clientB, ask, answered } = await botHubs(db);
      assert.deepEqual([await leads(clientA), await leads(clientB)], [true, false], 'A runs the bots, B does not');

      await ask('first?');
      let seen = await answered(1, 10_000);
      assert.deepEqual(seen.replies.map(signer), [a.pid], 'answered by the bot on A, woken by the ask made on B');
      await pollUntil('B knows the bot runs on A', async () => (await bot(clientB)).running);

      const paused = await clientB.post<{ paused: boolean; running: boolean }>('/v1/bots/answerer/pause');
      assert.deepEqual([paused.paused, paused.running], [true, false]);
      assert.equal((await bot(clientA)).running, false, 'A stopped the bot before B answered the pause');
      await ask('while paused?');
      await assert.rejects(
        clientB.post('/v1/bots/answerer/run'),
        (e: HubError) => e.status === 409 && e.code === 'paused',
        "B answers with the leader's refusal",
      );
      const resumed = await clientB.post<{ paused: boolean; running: boolean }>('/v1/bots/answerer/resume');
      assert.deepEqual(
        [resumed.paused, resumed.running],
        [false, true],
        'B answers the resume once A runs the bot again',
      );
      seen = await answered(2, 10_000);
      assert.deepEqual(seen.replies.map(signer), [a.pid, a.pid]);

      await clientB.post('/v1/bots/answerer/run', undefined, { timeoutMs: 60_000 });
      const ran = (await allPosts(clientB)).filter((p) => / ran /.test(p.text));
      assert.deepEqual(ran.map(signer), [a.pid], 'a run asked of B ran on A, and had finished when B answered');

      // Asks keep coming through B while A is killed; the kill lands a few answers in.
      const total = 30;
      let sent = 2;
      const sending = (async () => {
        while (sent < total) await ask(`burst ${sent++}?`);
      })();
      await pollUntil(
        'five answers to the burst',
        async () =>
          (await allPosts(clientB)).filter((p) => p.author === 'answerer' && / answers burst/.test(p.text)).length >= 5,
        20_000,
        20,
      );
      assert.ok(a.kill('SIGKILL'));
      assert.equal((await a.exited).signal, 'SIGKILL');
      await b.handle.waitForLog(LEADS, 15_000);
      await sending;

      seen = await answered(total, 30_000);
      assertOnce(seen);
      const signers = seen.replies.sort((x, y) => x.id - y.id).map(signer);
      assert.ok(signers.every((s) => s === a.pid || s === b.pid));
      const firstOfB = signers.indexOf(b.pid);
      assert.ok(firstOfB > 0, `B answered after the takeover: ${JSON.stringify(signers)}`);
      assert.ok(
        signers.slice(firstOfB).every((s) => s === b.pid),
        `never both at once: ${JSON.stringify(signers)}`,
      );
      assert.deepEqual([await leads(clientB), (await bot(clientB)).running], [true, true]);
    });
  },
);

test(
  'a leader that loses its lock without dying stops its bots; the hub that leads next runs them, and no ask is answered twice',
  { timeout: 90_000 },
  async (t) => {
    const db = await pairDatabase();
    if (!db) return t.skip(NO_DATABASE);
    await dumpOnFailure(async () => {
      const { a, b, ask, answered } = await botHubs(db);
      await ask('before?');
      await answered(1, 10_000);
      // The leader's lock lives in a session of its own; ending it ends A's leadership. B may take
      // the lead before A has logged that it lost it: leading again is looked for from the cut on.
      const cut = Date.now();
      const { rowCount } = await db.query(
        `SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.objid = (hashtext($1)::bigint & 4294967295)::oid`,
        [`roost leader ${db.schema}`],
      );
      assert.equal(rowCount, 1, 'one session holds the leader lock');
      await a.handle.waitForLog((l: LogLine) => l.msg === FOLLOWS && Number(l.time) >= cut, 10_000);
      const leadsAgain = (h: HubProcess) =>
        h.handle.waitForLog((l: LogLine) => l.msg === LEADS && Number(l.time) >= cut, 15_000);
      const next = await Promise.any([leadsAgain(a).then(() => a), leadsAgain(b).then(() => b)]);
      for (let i = 0; i < 5; i++) await ask(`after ${i}?`);
      const seen = await answered(6, 20_000);
      assertOnce(seen);
      assert.equal(
        signer(seen.replies.sort((x, y) => x.id - y.id).at(-1)!),
        next.pid,
        'the hub that leads now answers',
      );
    });
  },
);
