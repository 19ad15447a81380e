import type { Broker } from '../broker/broker.js';
import type { PlatformClient } from '../platforms/platformClient.js';
import type { BotStore } from '../store/botStore.js';
import type { BotLogLevel, Result } from '../types.js';
import { TERMINAL_JOB_STATES } from '../types.js';
import { sendOnce } from './ledger.js';

export interface HostDeps {
  bots: BotStore;
  broker: Broker;
  now: () => number;
}

/**
 * The hub's side of one bot's context: each call from the bot's thread lands here, on the hub's
 * store, broker and platform clients.
 */
export class BotHost {
  constructor(
    private readonly deps: HostDeps,
    readonly bot: string,
    readonly clients: Map<string, PlatformClient>,
    private readonly log: (level: BotLogLevel, msg: string, data?: unknown) => void,
  ) {}

  private client(platform: string | null): PlatformClient {
    const c = platform === null ? this.clients.values().next().value : this.clients.get(platform);
    if (!c) throw new Error(`bot ${this.bot} has no platform '${platform}'; list it in the bot's platforms`);
    return c;
  }

  /** Runs a call from the bot's thread; `onResult` streams a running job's results back to it. */
  async call(method: string, args: any[], onResult: (jobId: string, r: Result) => void): Promise<unknown> {
    const { bots, now } = this.deps;
    switch (method) {
      case 'log':
        return this.log(args[0], args[1], args[2]);
      case 'state.get':
        return bots.getState(this.bot, args[0]);
      case 'state.set':
        return bots.setState(this.bot, String(args[0]), args[1], now());
      case 'feeds.publish':
        return bots.publish(String(args[0]), this.bot, args[1], now());
      case 'feeds.read':
        return bots.readFeed(String(args[0]), this.bot, Number(args[1]));
      case 'feeds.ack':
        if (!(await bots.ack(String(args[0]), this.bot, Number(args[1]))))
          throw new Error(`feed '${args[0]}' has no item ${args[1]} to acknowledge`);
        return undefined;
      case 'post':
        return sendOnce(
          bots,
          this.bot,
          this.client(args[0]),
          { kind: args[1] === null ? 'post' : 'reply', target: args[1], text: String(args[2]), key: args[3] },
          now,
        );
      case 'ask':
        return sendOnce(
          bots,
          this.bot,
          this.client(args[0]),
          { kind: 'ask', target: String(args[1]), text: String(args[2]), key: args[3] },
          now,
        );
      case 'like': {
        const c = this.client(args[0]);
        if (!c.like) throw new Error(`${c.platform} has no likes`);
        return c.like(String(args[1]));
      }
      case 'likesOf': {
        const c = this.client(args[0]);
        return Object.fromEntries((await c.likesOf?.(args[1])) ?? []);
      }
      case 'jobs.run':
        return this.runJob(String(args[0]), args[1], args[2] ?? {}, onResult);
      case 'jobs.enough':
        await this.deps.broker.enough(String(args[0]));
        return undefined;
      case 'jobs.submit': {
        const { job } = await this.deps.broker.submit({
          kind: String(args[0]),
          input: args[1],
          concurrencyKey: `bot:${this.bot}`,
          ...args[2],
        });
        return job.id;
      }
      default:
        throw new Error(`unknown bot call '${method}'`);
    }
  }

  /** Submits a job and streams each result as it lands, until the job is finished. */
  private async runJob(
    kind: string,
    input: unknown,
    o: { variants?: number; seed?: number },
    onResult: (jobId: string, r: Result) => void,
  ) {
    const { broker } = this.deps;
    const { job } = await broker.submit({
      kind,
      input,
      variants: o.variants,
      seed: o.seed,
      concurrencyKey: `bot:${this.bot}`,
    });
    const seen = new Set<number>();
    const forward = (r: Result) => {
      if (seen.has(r.seq)) return;
      seen.add(r.seq);
      onResult(job.id, r);
    };
    return new Promise<{ jobId: string; state: string; results: Result[] }>((resolve, reject) => {
      const finish = async () => {
        unsubscribe();
        const results = await broker.store.getResults(job.id);
        resolve({ jobId: job.id, state: (await broker.get(job.id)).state, results });
      };
      const unsubscribe = broker.events.subscribe(job.id, {
        event: (e) => {
          if (e.type === 'result') forward(e.result);
          if (e.type === 'state' && TERMINAL_JOB_STATES.has(e.state)) finish().catch(reject);
        },
        close: () => {
          unsubscribe();
          reject(new Error('the hub is shutting down'));
        },
      });
      // Results (or the end) may have landed before the subscription: read them once.
      void broker
        .get(job.id)
        .then(async (now) => {
          for (const r of await broker.store.getResults(job.id)) forward(r);
          if (TERMINAL_JOB_STATES.has(now.state)) await finish();
        })
        .catch(reject);
    });
  }
}
