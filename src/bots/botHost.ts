import type { JobBroker as Broker } from '../broker/jobBroker.js';
import { withArtifactImages, type ArtifactReader } from './artifactImages.js';
import type { BotCall } from './botCalls.js';
import type { BotChat } from './botChat.js';
import type { Accounts } from '../platforms/accounts.js';
import type { Connector, PostDraft } from '../platforms/connector.js';
import { AuthError, PlatformRefusal } from '../platforms/errors.js';
import type { BotStore } from '../store/botStore.js';
import type { BotLogLevel, Result } from '../types.js';
import { TERMINAL_JOB_STATES } from '../types.js';
import type { JobOutcome } from './defineBot.js';
import { sendOnce } from './ledger.js';
import type { BotMeta } from './messages.js';

export interface HostDeps {
  bots: BotStore;
  broker: Broker;
  chat: BotChat;
  /** Where `{ artifact }` images are read from; null: the hub keeps none. */
  artifacts: ArtifactReader | null;
  now: () => number;
}

/** The connectors of the accounts a bot names; one that cannot be made stops the bot (a person must fix it). */
export async function accountConnectors(accounts: Accounts, meta: BotMeta): Promise<Map<string, Connector>> {
  const out = new Map<string, Connector>();
  for (const account of new Set([meta.account, ...meta.reads])) {
    try {
      out.set(account, await accounts.connector(account));
    } catch (e) {
      throw new AuthError(account, (e as Error).message);
    }
  }
  return out;
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
  async call(call: BotCall, onResult: (jobId: string, r: Result) => void): Promise<unknown> {
    const { bots, now } = this.deps;
    // Bot modules are plain JavaScript: String() and Number() keep what reaches the store its type.
    switch (call.method) {
      case 'log':
        return this.log(call.level, call.msg, call.data);
      case 'state.get':
        return bots.getState(this.bot, call.key);
      case 'state.set':
        return bots.setState(this.bot, String(call.key), call.value, now());
      case 'feeds.publish':
        return bots.publish(String(call.feed), this.bot, call.items, now());
      case 'feeds.read':
        return bots.readFeed(String(call.feed), this.bot, Number(call.limit));
      case 'feeds.ack':
        if (!(await bots.ack(String(call.feed), this.bot, Number(call.seq))))
          throw new Error(`feed '${call.feed}' has no item ${call.seq} to acknowledge`);
        return undefined;
      case 'post': {
        const c = this.replier(call.account, call.readBy);
        return sendOnce(
          bots,
          this.bot,
          c,
          { kind: 'post', to: null, draft: call.draft, key: call.key, prepare: this.images(c) },
          now,
        );
      }
      case 'ask': {
        const c = this.connector(call.account);
        return sendOnce(
          bots,
          this.bot,
          c,
          { kind: 'ask', to: String(call.to), draft: call.draft, key: call.key, prepare: this.images(c) },
          now,
        );
      }
      case 'like': {
        const c = this.connector(call.account);
        if (!c.like) throw new PlatformRefusal('like', `${c.platform} has no likes`);
        return c.like(String(call.postId));
      }
      case 'boost': {
        const c = this.connector(call.account);
        if (!c.boost) throw new PlatformRefusal('boost', `${c.platform} has no boosts`);
        return c.boost(String(call.postId));
      }
      case 'likesOf': {
        const c = this.connector(call.account);
        return Object.fromEntries((await c.likesOf?.(call.postIds)) ?? []);
      }
      case 'chat.say':
        return this.deps.chat.say(this.bot, call.counterpart, call.text, call.options ?? {});
      case 'chat.available':
        return this.deps.chat.available(call.model ?? undefined);
      case 'jobs.run':
        return this.runJob(String(call.kind), call.input, call, onResult);
      case 'jobs.enough':
        await this.deps.broker.enough(String(call.jobId));
        return undefined;
      case 'jobs.submit': {
        const { job } = await this.deps.broker.submit({
          kind: String(call.kind),
          input: call.input,
          concurrencyKey: `bot:${this.bot}`,
          ...call.options,
        });
        return job.id;
      }
      default: {
        // A call added to BotCall without a case here does not compile.
        const unhandled: never = call;
        throw new Error(`unknown bot call '${(unhandled as BotCall).method}'`);
      }
    }
  }

  /** Submits a job and streams each result as it lands, until the job is finished. */
  private async runJob(
    kind: string,
    input: unknown,
    options: { variants?: number; seed?: number },
    onResult: (jobId: string, r: Result) => void,
  ): Promise<JobOutcome> {
    const { broker } = this.deps;
    const { job } = await broker.submit({
      kind,
      input,
      variants: options.variants,
      seed: options.seed,
      concurrencyKey: `bot:${this.bot}`,
    });
    const seen = new Set<number>();
    const forward = (r: Result) => {
      if (seen.has(r.seq)) return;
      seen.add(r.seq);
      onResult(job.id, r);
    };
    return new Promise<JobOutcome>((resolve, reject) => {
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
