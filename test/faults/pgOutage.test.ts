import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { DEFAULTS } from '../../src/config.js';
import { startHub, type RunningHub } from '../../src/hub/hub.js';
import { PgCluster } from '../../src/store/postgres/pgCluster.js';
import { isConnectionError } from '../../src/store/outage.js';
import { NO_DATABASE, PG_URL, testDatabase, type TestDatabase } from '../helpers/postgres.js';
import { TcpProxy } from '../helpers/tcpProxy.js';
import { pollUntil } from './support.js';

// The database goes away for one hub only: its connections run through a TCP relay that the test
// cuts (refusing new connections, resetting open ones, as a server that went down) and restores.

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** A logger that keeps every line it writes, parsed. */
function capturingLog(level = 'info') {
  const lines: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level }, sink), lines };
}

async function setup(t: { skip(why: string): void }): Promise<{ db: TestDatabase; proxy: TcpProxy } | null> {
  const db = await testDatabase();
  if (!db) {
    t.skip(NO_DATABASE);
    return null;
  }
  cleanups.push(() => db.drop());
  const proxy = await new TcpProxy('127.0.0.1', 5432).start();
  cleanups.push(() => proxy.close());
  return { db, proxy };
}

test(
  'a database outage answers 503 with Retry-After and is logged once, with its end',
  { timeout: 60_000 },
  async (t) => {
    const env = await setup(t);
    if (!env) return;
    const { db, proxy } = env;
    const dataDir = mkdtempSync(join(tmpdir(), 'roost-outage-'));
    const { log, lines } = capturingLog();
    const hub: RunningHub = await startHub(
      { ...DEFAULTS, port: 0, dataDir, botsDir: join(dataDir, 'bots'), kinds: ['test.echo'], store: proxy.url(db.url) },
      log,
    );
    cleanups.push(async () => {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const { token } = await hub.tokens.create('outage client', 'client');
    const submit = (i: number) =>
      fetch(`${hub.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'test.echo', input: { i }, key: `k${i}` }),
      });
    const first = await submit(0);
    assert.equal(first.status, 201);
    const { id } = (await first.json()) as { id: string };
    const errorsBefore = lines.filter((l) => l.level >= 50).length;

    await proxy.cut();
    // Requests keep coming for a while, as they would from clients and workers during a real outage.
    let sent = 0;
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      const r = await submit(++sent);
      const body = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(r.status, 503, `POST /v1/jobs during the outage answered ${r.status}: ${JSON.stringify(body)}`);
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(body.error.code, 'unavailable');
      assert.match(body.error.message, /database/);
      const read = await fetch(`${hub.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${admin}` } });
      assert.equal(read.status, 503);
      await read.arrayBuffer();
      await delay(25); // paces the load; nothing waits on it
    }
    assert.ok(sent >= 3, `requests sent during the outage: ${sent}`);

    await proxy.restore();
    await pollUntil('the hub accepts jobs again', async () => (await submit(++sent)).status === 201, 10_000, 50);
    const errors = lines.filter((l) => l.level >= 50).slice(errorsBefore);
    assert.equal(
      errors.length,
      1,
      `error lines during the outage: ${errors.length}\n${errors.map((l) => l.msg).join('\n')}`,
    );
    assert.match(errors[0]!.msg, /lost the connection to the database/);
    const back = lines.filter((l) => l.msg === 'the database answers again');
    assert.equal(back.length, 1);
    assert.ok((back[0]!.outageMs as number) >= 2000, `outageMs: ${String(back[0]!.outageMs)}`);
  },
);

test('after an outage the notice listener and the leader are back within a second', { timeout: 60_000 }, async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { db, proxy } = env;
  const { log } = capturingLog();
  const cluster = await PgCluster.connect(proxy.url(db.url), DEFAULTS.reapIntervalMs, log);
  cleanups.push(() => cluster.close());
  assert.equal(cluster.isLeader, true);
  let leaderAt = 0;
  let heardAt = 0;
  cluster.onLeadership((leader) => {
    if (leader) leaderAt = Date.now();
  });
  cluster.onNotice(async (n) => {
    if (!n.resync && n.routes.includes('from-outside')) heardAt ||= Date.now();
  });

  await proxy.cut();
  await pollUntil('the hub notices that it lost leadership', async () => !cluster.isLeader, 10_000, 20);
  // Long enough for reconnection attempts to back off as far as they go.
  await delay(6000);
  const sender = new pg.Client({ connectionString: PG_URL });
  await sender.connect();
  cleanups.push(() => sender.end());
  await proxy.restore();
  const restoredAt = Date.now();
  const envelope = JSON.stringify({
    h: 'another hub',
    n: { routes: ['from-outside'], jobs: [], results: [], nextRunAt: null, limits: [] },
  });
  await pollUntil(
    'the hub leads and hears the other hubs again',
    async () => {
      await sender.query('SELECT pg_notify($1, $2)', [`roost_${db.schema}`, envelope]);
      return leaderAt > 0 && heardAt > 0;
    },
    10_000,
    20,
  );
  t.diagnostic(`leader again after ${leaderAt - restoredAt} ms, listening after ${heardAt - restoredAt} ms`);
  assert.ok(leaderAt - restoredAt < 1000, `leader again ${leaderAt - restoredAt} ms after the database returned`);
  assert.ok(heardAt - restoredAt < 1000, `listening again ${heardAt - restoredAt} ms after the database returned`);
});

test('connection failures are told apart from faults of a statement', () => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  for (const e of [
    coded('ECONNREFUSED'),
    coded('ECONNRESET'),
    coded('57P01', 'terminating connection due to administrator command'),
    coded('57P03', 'the database system is starting up'),
    coded('08006'),
    new Error('Connection terminated unexpectedly'),
    new AggregateError([coded('ECONNREFUSED')], ''),
  ])
    assert.equal(isConnectionError(e), true, String(e));
  for (const e of [coded('23505'), coded('40P01'), new Error('syntax error'), 'a string'])
    assert.equal(isConnectionError(e), false, String(e));
});
