/**
 * The soak of issue 15: a producer submitting at full speed with idempotency keys (single creates
 * and batches, several requests in flight) while the hub is killed with -9 and restarted, round
 * after round, and a worker is killed with -9 and replaced in each round. It records every job the
 * hub acknowledged; soakChecks.ts then holds the hub to each of them.
 */
import assert from 'node:assert/strict';
import {
  createToken,
  startHubProcess,
  startWorkerProcess,
  withTimeout,
  type HubProcess,
  type WorkerProcess,
} from '../helpers/processes.js';
import { JsonHttp, type HttpReply } from './support.js';

const SOAK_KIND = 'test.stamp';

export interface SoakOptions {
  dataDir: string;
  port: number;
  /** The hub's environment (ROOST_DATABASE_URL for PostgreSQL). */
  env?: Record<string, string>;
  rounds: number;
  /** Acknowledged jobs per round: a worker kill, then a hub kill, at random counts inside it. */
  segment: number;
  /** Requests in flight. */
  lanes: number;
}

/** What the producer sent for one key, and the job the hub acknowledged for it. */
export interface Acked {
  id: string;
  spec: { kind: string; input: { n: number }; key: string; variants: number; leaseMs: number; maxAttempts: number };
}

export interface Soak {
  /** The hub now running (the last restart), its client token and a client on it. */
  hub: HubProcess;
  http: JsonHttp;
  workers: WorkerProcess[];
  /** key -> acknowledged job, for every 2xx the producer received. */
  acked: Map<string, Acked>;
  /** One line for the test's output. */
  summary: string;
}

/** A request: one POST /v1/jobs or one batch. */
interface Unit {
  single: boolean;
  /** Over 250 tasks: SQLite writes it in chunks ('staged' rows), sealed at the end. */
  large: boolean;
  specs: Acked['spec'][];
}

/** A cut-off request is sent again after each restart; it can be cut off by the next kill too. */
const MAX_TRIES = 4;
const randInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));

export async function runSoak(opts: SoakOptions): Promise<Soak> {
  const { dataDir, port, env } = opts;
  const kinds = [SOAK_KIND];
  let hub = await startHubProcess({ dataDir, port, kinds, env, name: 'hub' });
  const url = hub.url;
  const { token: workerToken } = await createToken(url, hub.adminToken, 'worker');
  const { token: clientToken } = await createToken(url, hub.adminToken, 'client');
  const startWorker = (slot: number, life: number) =>
    startWorkerProcess({ url, token: workerToken, concurrency: 8, name: `worker-${slot}.${life}` });
  const workers = await Promise.all([startWorker(0, 0), startWorker(1, 0)]);
  const http = new JsonHttp(url, clientToken);

  const acked = new Map<string, Acked>();
  const ids = new Set<string>();
  // Bumped when a kill of the hub is issued: a request that fails is excused only by a kill issued
  // after it was sent, and is sent again once hubUp (the restart) resolves. While `down`, nothing
  // is sent.
  let generation = 0;
  let down = false;
  let hubUp: Promise<void> = Promise.resolve();
  let stopping = false;
  // The first error of the producer or of the kills: everything stops, then runSoak throws it.
  let failure: Error | null = null;
  let jobs = 0;
  let requests = 0;
  let cutOff = 0;
  let committedUnanswered = 0;
  let large = 0;
  let largeCut = 0;
  const failureKinds = new Map<string, number>();
  const kills: string[] = [];

  const nextUnit = (): Unit => {
    const roll = Math.random();
    const [single, count, maxVariants] =
      roll < 0.5 ? [true, 1, 3] : roll < 0.95 ? [false, randInt(2, 40), 2] : [false, randInt(130, 180), 2];
    const specs = Array.from({ length: count }, () => {
      const n = jobs++;
      // Short leases so the tasks a killed worker held run again soon; attempts to spare, since a
      // task may lose a lease to a hub kill and to a worker kill: this soak is about loss, not retries.
      return {
        kind: SOAK_KIND,
        input: { n },
        key: `soak-${n}`,
        variants: randInt(1, maxVariants),
        leaseMs: 2000,
        maxAttempts: 10,
      };
    });
    const unit = { single, specs, large: specs.reduce((t, s) => t + s.variants, 0) > 250 };
    if (unit.large) large++;
    return unit;
  };

  // Waiters on the count of acknowledged jobs: the kills are placed by counts, not by the clock.
  let waiters: Array<{ at: number; resolve: () => void; reject: (e: unknown) => void }> = [];
  const ackedReach = (at: number) =>
    withTimeout(
      new Promise<void>((resolve, reject) => {
        waiters.push({ at, resolve, reject });
        wake();
      }),
      60_000,
      () => `the producer did not reach ${at} acknowledged jobs within 60 s (it has ${acked.size})`,
    );
  const fail = (e: unknown) => {
    failure ??= e instanceof Error ? e : new Error(`thrown: ${String(e)}`);
    stopping = true;
    for (const w of waiters.splice(0)) w.reject(failure);
  };
  const wake = () => {
    if (failure) return fail(failure);
    for (const w of waiters.filter((x) => acked.size >= x.at)) w.resolve();
    waiters = waiters.filter((x) => acked.size < x.at);
  };

  const record = (unit: Unit, reply: HttpReply, tries: number) => {
    const what = `${unit.single ? 'POST /v1/jobs' : `POST /v1/jobs/batch of ${unit.specs.length}`} (try ${tries})`;
    const ok = unit.single ? reply.status === 201 || (tries > 1 && reply.status === 200) : reply.status === 200;
    assert.ok(ok, `${what}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    const answered: any[] = unit.single ? [reply.body] : reply.body.jobs;
    const created: boolean[] = unit.single ? [reply.status === 201] : reply.body.created;
    assert.equal(answered.length, unit.specs.length, what);
    // Fresh keys: a first try creates every job. A retry finds all of them (the cut-off request had
    // been committed) or none: a request is one transaction, never half of one.
    assert.ok(
      tries > 1 ? created.every((c) => c === created[0]) : created.every(Boolean),
      `${what}: created ${created.join(',')}`,
    );
    if (!created[0]) committedUnanswered++;
    unit.specs.forEach((spec, i) => {
      const job = answered[i];
      assert.equal(job.key, spec.key, what);
      assert.equal(job.variants, spec.variants, `${what}: ${spec.key}`);
      assert.ok(!acked.has(spec.key), `${spec.key} acknowledged twice`);
      assert.ok(!ids.has(job.id), `${spec.key} answered with ${job.id}, the job of another key`);
      ids.add(job.id);
      acked.set(spec.key, { id: job.id, spec });
    });
    wake();
  };

  const send = async (unit: Unit) => {
    for (let tries = 1; !failure; tries++) {
      while (down) await hubUp;
      const sentIn = generation;
      let reply: HttpReply;
      try {
        requests++;
        reply = unit.single
          ? await http.request('POST', '/v1/jobs', unit.specs[0])
          : await http.request('POST', '/v1/jobs/batch', { jobs: unit.specs });
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        if (sentIn === generation)
          throw new Error(`a request failed with no kill of the hub since it was sent: ${why}`);
        if (tries >= MAX_TRIES) throw new Error(`a request was cut off ${tries} times; last: ${why}`);
        cutOff++;
        if (unit.large) largeCut++;
        failureKinds.set(why, (failureKinds.get(why) ?? 0) + 1);
        continue;
      }
      record(unit, reply, tries);
      return;
    }
  };

  const lane = async () => {
    try {
      while (!stopping) await send(nextUnit());
    } catch (e) {
      fail(e);
    }
  };

  const killHub = (round: number) => {
    generation++;
    down = true;
    const cutBefore = cutOff;
    hubUp = (async () => {
      assert.ok(hub.kill('SIGKILL'));
      assert.equal((await hub.handle.waitForExit(10_000)).signal, 'SIGKILL');
      hub = await startHubProcess({ dataDir, port, kinds, env, name: `hub.${round}` });
      assert.equal(hub.url, url, 'the restarted hub listens where the first one did');
      down = false;
    })();
    return hubUp.then(() => cutOff - cutBefore);
  };

  const killWorker = async (round: number) => {
    const slot = round % 2;
    assert.ok(workers[slot]!.kill('SIGKILL'));
    assert.equal((await workers[slot]!.handle.waitForExit(10_000)).signal, 'SIGKILL');
    workers[slot] = await startWorker(slot, round);
  };

  // Worker replacements under way: the rounds go on meanwhile, the controller ends after them.
  const replacing: Promise<void>[] = [];
  const controller = async () => {
    try {
      await rounds();
    } catch (e) {
      fail(e);
    }
    for (const r of await Promise.allSettled(replacing)) if (r.status === 'rejected') fail(r.reason);
  };
  const rounds = async () => {
    for (let round = 1; round <= opts.rounds; round++) {
      const base = acked.size;
      const workerAt = base + randInt(opts.segment * 0.1, opts.segment * 0.4);
      const hubAt = base + randInt(opts.segment * 0.5, opts.segment);
      await ackedReach(workerAt);
      const workerKilledAt = acked.size;
      replacing.push(killWorker(round));
      await ackedReach(hubAt);
      const hubKilledAt = acked.size;
      const cut = await killHub(round);
      kills.push(`worker@${workerKilledAt} hub@${hubKilledAt} (cut ${cut})`);
    }
    // Kills with nothing in flight would test nothing. One may land between answers (the hub had
    // answered every request it held); on average each cuts off several.
    assert.ok(cutOff >= opts.rounds, `the ${opts.rounds} hub kills cut off only ${cutOff} requests`);
    // The last hub takes work too before the producer stops.
    await ackedReach(acked.size + opts.segment / 2);
    stopping = true;
  };

  // Every part ends (on success or on the first failure) before runSoak returns or throws, so no
  // kill or restart runs on after the test, into its cleanup.
  await Promise.all([controller(), ...Array.from({ length: opts.lanes }, lane)]);
  // Set inside the closures above, which TypeScript's narrowing does not see.
  const failed = failure as Error | null;
  if (failed) {
    http.close();
    throw failed;
  }
  const summary =
    `${acked.size} jobs acknowledged (${requests} requests, ${large} large batches, ${largeCut} of them cut off); ` +
    `${opts.rounds} hub kills and ${opts.rounds} worker kills: ${kills.join(', ')}; ` +
    `${cutOff} requests cut off (${JSON.stringify(Object.fromEntries(failureKinds))}), ` +
    `${committedUnanswered} of them committed before the kill`;
  return { hub, http, workers, acked, summary };
}
