/**
 * The connectors the contract suite runs against, one entry each (the sandbox first): how to
 * reach its platform here (a real server where one runs, else a documented-API fake), and how to
 * make the other side act. Adding a connector = its folder, a line in src/platforms/registry.ts
 * and an entry here.
 */
import type { Connector } from '../../../src/platforms/connector.js';
import { BlueskyNetwork } from '../../fixtures/blueskyNetwork.js';
import { DiscordFake } from '../../fixtures/discordFake.js';
import { FeedServer } from '../../fixtures/feedServer.js';
import { CHANNEL, NgircdServer } from '../../fixtures/ircServer.js';
import { MastodonFake } from '../../fixtures/mastodonFake.js';
import { MatrixFake } from '../../fixtures/matrixFake.js';
import { RedditFake } from '../../fixtures/redditServer.js';
import { TelegramTestServer } from '../../fixtures/telegramServer.js';
import { TumblrFake } from '../../fixtures/tumblrFake.js';
import type { TestHub } from '../../helpers/inProcessHub.js';

export interface Harness {
  /** The bot's account, connected afresh (as after a restart). */
  connect(): Promise<Connector>;
  /** The account with credentials the platform refuses; null where there are none (the sandbox). */
  badCredentials(): Promise<Connector> | null;
  /** Someone else makes something the account sees as an event (a mention, a feed item). */
  incoming(text: string): Promise<void>;
  /** Posts the account made with this text, as the platform has them. */
  sentWith(text: string): Promise<number>;
  /** The next request is answered 429 with Retry-After; null where the platform has no such answer (in-process; IRC). */
  rateLimitNext: (() => void) | null;
  close(): Promise<void>;
}

export interface ConnectorEntry {
  name: string;
  setup(t: TestHub): Promise<Harness>;
}

const ACCOUNT = 'contract-bot';

export const CONNECTORS: ConnectorEntry[] = [
  {
    name: 'sandbox (built in)',
    async setup(t) {
      const sb = t.hub.sandbox;
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => null,
        incoming: async (text) => void (await sb.post({ author: 'someone', text: `@${ACCOUNT} ${text}` })),
        sentWith: async (text) =>
          (await sb.store.postsAfter(0, 10_000)).filter((p) => p.author === ACCOUNT && p.text === text).length,
        rateLimitNext: null,
        close: async () => undefined,
      };
    },
  },
  {
    name: 'mastodon (documented-API fake, test/fixtures/mastodonFake.ts)',
    async setup(t) {
      const fake = await new MastodonFake().start();
      fake.addAccount('roostbot', 'good-token');
      fake.addAccount('someone', 'other-token');
      await t.hub.accounts.add({
        name: ACCOUNT,
        platform: 'mastodon',
        instance: fake.url,
        credentials: { accessToken: 'good-token' },
      });
      await t.hub.accounts.add({
        name: 'contract-bad',
        platform: 'mastodon',
        instance: fake.url,
        credentials: { accessToken: 'revoked' },
        test: false,
      });
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => t.hub.accounts.connector('contract-bad'),
        incoming: async (text) => void fake.post('someone', `@roostbot ${text}`),
        sentWith: async (text) =>
          fake.statuses.filter((s) => s.account.username === 'roostbot' && s.text === text).length,
        rateLimitNext: () => fake.failNext(429),
        close: () => fake.close(),
      };
    },
  },
  {
    name: 'telegram (telegram-test-api, a local Bot API server; test/fixtures/telegramServer.ts)',
    async setup(t) {
      const tg = await new TelegramTestServer().start();
      tg.addBot('111:good');
      await t.hub.accounts.add({
        name: ACCOUNT,
        platform: 'telegram',
        instance: tg.url,
        credentials: { token: '111:good', chat: '42' },
      });
      await t.hub.accounts.add({
        name: 'contract-bad',
        platform: 'telegram',
        instance: tg.url,
        credentials: { token: '222:revoked' },
        test: false,
      });
      const person = tg.client('111:good');
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => t.hub.accounts.connector('contract-bad'),
        incoming: async (text) => void (await person.sendMessage(person.makeMessage(text))),
        sentWith: async (text) => tg.sent('111:good').filter((m) => m.text === text).length,
        rateLimitNext: () => tg.failNext429(1),
        close: () => tg.close(),
      };
    },
  },
  {
    name: 'irc (a real ngircd; test/fixtures/ircServer.ts)',
    async setup(t) {
      const server = await new NgircdServer('letmein').start();
      const base = { platform: 'irc', instance: server.url };
      await t.hub.accounts.add({
        ...base,
        name: ACCOUNT,
        credentials: { nick: ACCOUNT, channels: CHANNEL, password: 'letmein' },
      });
      await t.hub.accounts.add({
        ...base,
        name: 'contract-bad',
        credentials: { nick: 'contract-bad', password: 'wrong' },
        test: false,
      });
      const person = await server.person('someone');
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => t.hub.accounts.connector('contract-bad'),
        incoming: (text) => person.say(CHANNEL, `${ACCOUNT}: ${text}`),
        // A reply in a channel is addressed to whom it answers ("someone: ...").
        sentWith: async (text) =>
          (await person.from(ACCOUNT)).filter((l) => l.text.replace(/^someone: /, '') === text).length,
        rateLimitNext: null,
        close: () => server.close(),
      };
    },
  },
  {
    name: 'bluesky (a real PDS and AppView from @atproto/dev-env; test/fixtures/blueskyNetwork.ts)',
    async setup(t) {
      const net = await new BlueskyNetwork().start();
      const bot = await net.createUser('roostbot');
      const someone = await net.createUser('someone');
      await t.hub.accounts.add({
        name: ACCOUNT,
        platform: 'bluesky',
        instance: net.url,
        credentials: { identifier: bot.handle, appPassword: await net.appPassword(bot) },
      });
      await t.hub.accounts.add({
        name: 'contract-bad',
        platform: 'bluesky',
        instance: net.url,
        credentials: { identifier: bot.handle, appPassword: 'aaaa-bbbb-cccc-dddd' },
        test: false,
      });
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => t.hub.accounts.connector('contract-bad'),
        incoming: async (text) => void (await net.post(someone, `@${bot.handle} ${text}`)),
        sentWith: async (text) => (await net.postsOf(bot)).filter((r) => r.value.text === text).length,
        rateLimitNext: () => net.failNext429(),
        close: () => net.close(),
      };
    },
  },
  {
    name: 'reddit (documented-API fake, test/fixtures/redditServer.ts)',
    async setup(t) {
      const fake = await new RedditFake().start();
      fake.addApp('app-id', 'app-secret');
      fake.addUser('roostbot', 'pw');
      fake.addUser('someone', 'pw2');
      const thread = fake.submit('someone', 'roost', 'a thread', 'talk here');
      const app = { clientId: 'app-id', clientSecret: 'app-secret' };
      await t.hub.accounts.add({
        name: ACCOUNT,
        platform: 'reddit',
        instance: fake.url,
        credentials: { ...app, username: 'roostbot', password: 'pw', subreddit: 'roost' },
      });
      await t.hub.accounts.add({
        name: 'contract-bad',
        platform: 'reddit',
        instance: fake.url,
        credentials: { ...app, username: 'roostbot', password: 'wrong' },
        test: false,
      });
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => t.hub.accounts.connector('contract-bad'),
        incoming: async (text) => void fake.comment('someone', thread.data.name, `u/roostbot ${text}`),
        sentWith: async (text) =>
          fake.things.filter((x) => x.data.author === 'roostbot' && (x.data.body ?? x.data.selftext) === text).length,
        rateLimitNext: () => fake.failNext(429),
        close: () => fake.close(),
      };
    },
  },
  {
    name: 'matrix (documented-API fake, test/fixtures/matrixFake.ts)',
    async setup(t) {
      const fake = await new MatrixFake().start();
      const bot = fake.addUser('roostbot', 'good-token', 'Roost Bot');
      const someone = fake.addUser('someone', 'other-token');
      const room = fake.room(someone, { alias: 'roost' });
      const base = { platform: 'matrix', instance: fake.url };
      await t.hub.accounts.add({
        ...base,
        name: ACCOUNT,
        credentials: { accessToken: 'good-token', rooms: '#roost:roost.test' },
      });
      await t.hub.accounts.add({ ...base, name: 'contract-bad', credentials: { accessToken: 'revoked' }, test: false });
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => t.hub.accounts.connector('contract-bad'),
        incoming: async (text) => void fake.say(someone, room, `Roost Bot: ${text}`, { mentions: [bot] }),
        sentWith: async (text) => fake.sentBy(bot).filter((e) => e.content.body === text).length,
        rateLimitNext: () => fake.rateLimitNext(1000),
        close: () => fake.close(),
      };
    },
  },
  {
    name: 'tumblr (documented-API fake, test/fixtures/tumblrFake.ts)',
    async setup(t) {
      const fake = await new TumblrFake().start();
      fake.addApp('consumer', 'consumer-secret');
      fake.addUser('roostbot', 'token', 'token-secret');
      const keys = { consumerKey: 'consumer', consumerSecret: 'consumer-secret', token: 'token' };
      const base = { platform: 'tumblr', instance: fake.url };
      await t.hub.accounts.add({ ...base, name: ACCOUNT, credentials: { ...keys, tokenSecret: 'token-secret' } });
      await t.hub.accounts.add({
        ...base,
        name: 'contract-bad',
        credentials: { ...keys, tokenSecret: 'revoked' },
        test: false,
      });
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => t.hub.accounts.connector('contract-bad'),
        incoming: async (text) => void fake.ask('someone', 'roostbot', text),
        sentWith: async (text) =>
          fake.posts.filter((p) => p.blog === 'roostbot' && p.state === 'published' && fake.ownText(p) === text).length,
        rateLimitNext: () => fake.failNext(429),
        close: () => fake.close(),
      };
    },
  },
  {
    name: 'discord (documented-API fake, REST and gateway: test/fixtures/discordFake.ts)',
    async setup(t) {
      const fake = await new DiscordFake().start('good-token');
      const channel = fake.snowflake();
      const base = { platform: 'discord', instance: fake.url };
      const creds = { applicationId: fake.applicationId, channels: channel };
      await t.hub.accounts.add({ ...base, name: ACCOUNT, credentials: { ...creds, token: 'good-token' } });
      await t.hub.accounts.add({
        ...base,
        name: 'contract-bad',
        credentials: { ...creds, token: 'revoked' },
        test: false,
      });
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => t.hub.accounts.connector('contract-bad'),
        incoming: async (text) => void fake.say('someone', channel, `<@${fake.bot.id}> ${text}`),
        sentWith: async (text) => fake.messages.filter((m) => m.author.id === fake.bot.id && m.content === text).length,
        rateLimitNext: () => fake.limits.failNext(1),
        close: () => fake.close(),
      };
    },
  },
  ...(['rss', 'atom'] as const).map((format): ConnectorEntry => ({
    name: `rss (a real ${format === 'rss' ? 'RSS 2.0' : 'Atom 1.0'} document from a local HTTP server)`,
    async setup(t) {
      const feed = await new FeedServer(format).start();
      feed.add('an old line');
      await t.hub.accounts.add({ name: ACCOUNT, platform: 'rss', instance: feed.url });
      await t.hub.accounts.add({
        name: 'contract-bad',
        platform: 'rss',
        instance: feed.url.replace('/feed.xml', '/gone.xml'),
        test: false,
      });
      return {
        connect: () => t.hub.accounts.connector(ACCOUNT),
        badCredentials: () => t.hub.accounts.connector('contract-bad'),
        incoming: async (text) => void feed.add(text),
        sentWith: async () => 0,
        rateLimitNext: () => feed.failNext(429),
        close: () => feed.close(),
      };
    },
  })),
];
