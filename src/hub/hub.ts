import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Broker } from '../broker/broker.js';
import type { Config } from '../config.js';
import { BotSupervisor } from '../bots/botSupervisor.js';
import { Sandbox } from '../platforms/sandbox/sandbox.js';
import { openBotStores, openPlatformStore } from '../store/openBotStores.js';
import { Accounts } from '../platforms/accounts.js';
import { platformBudgets } from '../platforms/budgets.js';
import { ProxyMetrics } from '../platforms/proxy/proxyMetrics.js';
import { PlatformProxy } from '../platforms/proxy/platformProxy.js';
import { SecretBox } from '../platforms/secretBox.js';
import { accountRoutes } from './routes/accounts.js';
import { openCluster, openStore } from '../store/openStore.js';
import { botRoutes } from './routes/bots.js';
import { sandboxRoutes } from './routes/sandbox.js';
import { HubMetrics } from './hubMetrics.js';
import { OverviewFeed } from './overviewFeed.js';
import { overviewRoutes } from './routes/overview.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { sessionRoutes } from './routes/session.js';
import { observeAll } from '../broker/observer.js';
import { RollupRecorder } from '../broker/rollupRecorder.js';
import { buildServer } from './server.js';
import { Tokens } from './tokens.js';
import { LogSink } from './logSink.js';
import { logRoutes } from './routes/logs.js';
import { openLogStore } from '../store/logStore.js';
import { openaiRoutes } from './routes/openai.js';
import { usageRoutes } from './routes/openaiUsage.js';
import { openUsageStore } from '../store/usageStore.js';
import { openChatStore } from '../store/chatStore.js';
import { ChatMemory } from '../broker/chatMemory.js';
import { BotChat } from '../bots/botChat.js';
import { openArtifacts } from '../artifacts/openArtifacts.js';
import type { Artifacts } from '../artifacts/artifacts.js';
import { artifactRoutes } from './routes/artifacts.js';
import { warnIfDataDirOpen } from './dataDirMode.js';
import { PipelineEngine } from '../pipelines/pipelineEngine.js';
import { openPipelineStore } from '../pipelines/pipelineStore.js';
import { pipelineRoutes } from './routes/pipelines.js';

export interface RunningHub {
  url: string;
  broker: Broker;
  tokens: Tokens;
  sandbox: Sandbox;
  /** The accounts bots act as, and their connectors. */
  accounts: Accounts;
  /** On several hubs sharing a PostgreSQL store, the bots run on the leader only. */
  bots: BotSupervisor;
  artifacts: Artifacts;
  pipelines: PipelineEngine;
  /** Stops the bots, answers open long-polls, finishes in-flight requests, closes the store. */
  close(): Promise<void>;
}

/**
 * The first start of a hub with no tokens creates an admin token and writes it to a file only the
 * owner can read. The file is written before the store records the token, so a failed write leaves
 * the store empty and the next start tries again (a PostgreSQL store keeps no file in the data
 * directory, so the directory may not exist yet). The token itself never reaches a log line.
 */
async function ensureAdminToken(tokens: Tokens, dataDir: string, log: Logger): Promise<void> {
  if ((await tokens.list()).length > 0) return;
  const file = resolve(join(dataDir, 'admin.token'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // A stale file left from an older store would keep its own mode: the mode below applies to new files only.
  rmSync(file, { force: true });
  await tokens.create('admin (first start)', 'admin', {
    keep: (token) => writeFileSync(file, token + '\n', { mode: 0o600 }),
  });
  log.info({ file }, 'created an admin token; it is in this file (readable by you only)');
}

/** How long close() lets open requests finish before it cuts their connections. */
const CLOSE_GRACE_MS = 3000;

/**
 * `logs` is the tap on `log` (createLogger) whose warn and error lines the hub keeps in its store;
 * without one, only the requests answered 4xx/5xx and the workers' lines are kept.
 */
export async function startHub(config: Config, log: Logger, logs = new LogSink()): Promise<RunningHub> {
  const store = await openStore(config, log);
  const logStore = openLogStore(store);
  logs.attach(logStore, config.logRetentionMs);
  const cluster = await openCluster(config, log);
  const metrics = new HubMetrics();
  const rollups = new RollupRecorder(store, log);
  const broker = new Broker(store, config, log, cluster, observeAll(metrics, rollups));
  await broker.start();
  await rollups.start();
  const overview = new OverviewFeed(broker.work, rollups, log);
  const tokens = new Tokens(store);
  await ensureAdminToken(tokens, config.dataDir, log);
  warnIfDataDirOpen(config.dataDir, log);
  const botStores = openBotStores(store);
  const sandbox = new Sandbox(botStores.sandbox);
  const platformStore = openPlatformStore(store);
  const proxy = new PlatformProxy({
    store: platformStore,
    budgets: platformBudgets(config.platformBudgets),
    retentionMs: config.platformCallRetentionMs,
    log: log.child({ component: 'platforms' }),
    observer: new ProxyMetrics(metrics.registry),
  });
  proxy.start();
  const accounts = new Accounts({
    store: platformStore,
    box: new SecretBox(config),
    proxy,
    sandbox,
    now: Date.now,
  });
  const artifacts = await openArtifacts(config, store, cluster, log.child({ component: 'artifacts' }));
  // One chat memory for the front door's conversations and the bots' (ctx.chat).
  const memory = new ChatMemory(openChatStore(store));
  const bots = new BotSupervisor({
    bots: botStores.bots,
    accounts,
    platformStore,
    broker: broker.jobs,
    chat: new BotChat(broker.jobs, memory),
    artifacts,
    botsDir: config.botsDir,
    hangMs: config.botHangMs,
    pollMs: config.botPollMs,
    log: log.child({ component: 'bots' }),
    cluster,
  });
  const usage = openUsageStore(store);
  const pipelineStore = openPipelineStore(store);
  const pipelines = new PipelineEngine({
    store: pipelineStore,
    broker: broker.jobs,
    // An output naming bytes the hub never got holds nothing (the FK would refuse it).
    hold: async (sha256, owner) =>
      void ((await artifacts.get(sha256)) && (await artifacts.meta.hold(sha256, owner, Date.now()))),
    log: log.child({ component: 'pipelines' }),
    cluster,
    // A feed nobody owns, as an admin's publish makes: any bot may read it.
    publish: async (feed, item) => void (await botStores.bots.publish(feed, null, [item], Date.now())),
  });
  const routes = [
    (a: FastifyInstance) => artifactRoutes(a, artifacts, tokens),
    (a: FastifyInstance) => pipelineRoutes(a, { engine: pipelines, store: pipelineStore, artifacts, tokens }),
    (a: FastifyInstance) => sandboxRoutes(a, sandbox, tokens),
    (a: FastifyInstance) => botRoutes(a, bots, botStores.bots, tokens),
    (a: FastifyInstance) => openaiRoutes(a, { broker: broker.jobs, tokens, usage, memory, log }),
    (a: FastifyInstance) => usageRoutes(a, usage, tokens),
    (a: FastifyInstance) => accountRoutes(a, accounts, platformStore, tokens),
  ];
  metrics.watch(broker.work, bots);
  const app = await buildServer({
    broker,
    tokens,
    log,
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    logs,
    routes: [
      (a) => logRoutes(a, logStore, logs, tokens),
      (a) => metrics.attach(a, tokens),
      (a) => overviewRoutes(a, overview, broker.jobs, tokens),
      (a) => sessionRoutes(a, tokens),
      (a) => dashboardRoutes(a, log),
      ...routes,
    ],
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  await bots.start();
  await pipelines.resume();
  log.info(
    {
      url,
      api: `${url}/v1/openapi.json`,
      data: resolve(config.dataDir),
      tokenFile: existsSync(join(config.dataDir, 'admin.token'))
        ? resolve(join(config.dataDir, 'admin.token'))
        : undefined,
    },
    'hub listening',
  );
  let closing: Promise<void> | null = null;
  return {
    url,
    broker,
    tokens,
    sandbox,
    accounts,
    bots,
    artifacts,
    pipelines,
    close: () =>
      (closing ??= (async () => {
        await bots.close();
        // Runs stop where they are, still running in the store: the next start resumes them.
        await pipelines.close();
        await accounts.close();
        proxy.close();
        await broker.close();
        // Long-polls are answered by now; whatever a client still holds open after the grace is cut.
        const force = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        await app.close();
        overview.stop();
        clearTimeout(force);
        await artifacts.close();
        // After the last request, so the minute in progress is written whole.
        await rollups.close();
        await logs.close();
        await cluster.close();
        await store.close();
      })()),
  };
}
