import type { JobBroker as Broker } from '../broker/jobBroker.js';
import { withArtifactImages, type ArtifactReader } from './artifactImages.js';
import type { BotChat } from './botChat.js';
import type { Connector, PostDraft } from '../platforms/connector.js';
import { PlatformRefusal } from '../platforms/errors.js';
import type { BotStore } from '../store/botStore.js';
import type { BotLogLevel, Result } from '../types.js';
import { TERMINAL_JOB_STATES } from '../types.js';
import { sendOnce } from './ledger.js';

export interface HostDeps {
  bots: BotStore;
  broker: Broker;
  chat: BotChat;
  /** Where `{ artifact }` images are read from; null: the hub keeps none. */
  artifacts: ArtifactReader | null;
  now: () => number;
}

/**
 * The hub's side of one bot's context: each call from the bot's thread lands here, on the hub's
 * store, broker and the connectors of the bot's accounts.
 */
export class BotHost {
  constructor(
    private readonly deps: HostDeps,
    readonly bot: string,
    /** By account name: the one it posts with and those it reads. */
    readonly connectors: Map<string, Connector>,
    /** The account it posts with unless told otherwise. */
    private readonly account: string,
    private readonly log: (level: BotLogLevel, msg: string, data?: unknown) => void,
  ) {}

  private connector(account: string | null): Connector {
    const c = this.connectors.get(account ?? this.account);
    if (!c)
      throw new PlatformRefusal(
        'account',
        `bot ${this.bot} has no account '${account}'; it has ${[...this.connectors.keys()].join(', ')} (name it in account or reads)`,
      );
    return c;
  }

  /** For a reply: the account that read the post if it can answer, else the bot's own. */
  private replier(account: string | null, readBy: string | null): Connector {
    if (account !== null || readBy === null) return this.connector(account);
    const reader = this.connectors.get(readBy);
    return reader?.capabilities.reply ? reader : this.connector(null);
  }

  private images(c: Connector): (d: PostDraft) => Promise<PostDraft> {
    return (d) => withArtifactImages(d, this.deps.artifacts, c.platform, c.capabilities);
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
      case 'post': {
        const c = this.replier(args[0], args[3] ?? null);
        const draft = args[1] as PostDraft;
        return sendOnce(
          bots,
          this.bot,
          c,
          { kind: 'post', to: null, draft, key: args[2], prepare: this.images(c) },
          now,
        );
      }
      case 'ask': {
        const c = this.connector(args[0]);
        const draft = args[2] as PostDraft;
        return sendOnce(
          bots,
          this.bot,
          c,
          { kind: 'ask', to: String(args[1]), draft, key: args[3], prepare: this.images(c) },
          now,
        );
      }
      case 'like': {
        const c = this.connector(args[0]);
        if (!c.like) throw new PlatformRefusal('like', `${c.platform} has no likes`);
        return c.like(String(args[1]));
      }
      case 'boost': {
        const c = this.connector(args[0]);
        if (!c.boost) throw new PlatformRefusal('boost', `${c.platform} has no boosts`);
        return c.boost(String(args[1]));
      }
      case 'likesOf': {
        const c = this.connector(args[0]);
        return Object.fromEntries((await c.likesOf?.(args[1])) ?? []);
      }
      case 'chat.say':
        return this.deps.chat.say(this.bot, args[0], args[1], args[2] ?? {});
      case 'chat.available':
        return this.deps.chat.available(args[0] ?? undefined);
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
