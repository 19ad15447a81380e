import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULTS, type Config } from '../config.js';
import type { RunningHub } from '../hub/hub.js';
import type { WorkerAgent } from '../worker/workerAgent.js';
import { choice, configOption, dataOption, integer, list, logLevelOption, storeOption } from './flags.js';
import { out, readConfig, stopOnSignals } from './shared.js';
import { startExamples } from './upExamples.js';

/** The hub must be gone within 5 s of SIGTERM; this leaves room for the process to exit. */
const FORCE_EXIT_MS = 4500;
/** How long `roost up` lets the local worker finish running tasks before releasing them. */
const LOCAL_WORKER_GRACE_MS = 3000;

interface HubFlags {
  host?: string;
  port?: number;
  data?: string;
  config?: string;
  kind?: string[];
  sync?: 'normal' | 'full';
  store?: string;
  logLevel?: string;
  bots?: string;
}

function addHubOptions(cmd: Command): Command {
  return cmd
    .option(
      '--host <host>',
      'address to bind (config "host", env ROOST_HOST; default 127.0.0.1; 0.0.0.0 for all interfaces)',
    )
    .option(
      '--port <n>',
      'port to listen on, 0 for any free port (config "port", env ROOST_PORT; default 7070)',
      integer('--port', 0, 65535),
    )
    .addOption(dataOption('the database and the token files'))
    .addOption(configOption())
    .addOption(storeOption('where jobs and everything else are kept; PostgreSQL lets several hubs share one database'))
    .option('--kind <kind>', 'accept jobs of this kind before any worker offers it; repeatable (config "kinds")', list)
    .addOption(
      new Option(
        '--sync <mode>',
        'SQLite durability: normal survives a hub crash, full also a power loss (config "synchronous"; default normal)',
      ).argParser(choice('--sync', ['normal', 'full'] as const)),
    )
    .option('--bots <dir>', 'the folder of bot modules to load (config "botsDir", env ROOST_BOTS; default ./bots)')
    .addOption(logLevelOption())
    .allowExcessArguments(false);
}

function hubConfig(f: HubFlags): Config {
  return readConfig({
    configFile: f.config,
    flags: {
      host: f.host,
      port: f.port,
      dataDir: f.data,
      store: f.store,
      kinds: f.kind,
      synchronous: f.sync,
      logLevel: f.logLevel,
      botsDir: f.bots,
    },
  });
}

/** The one human line saying where the hub is. Names the admin token file, never the token. */
function hubLine(hub: RunningHub, config: Config): string {
  const tokenFile = resolve(join(config.dataDir, 'admin.token'));
  const tokenPart = existsSync(tokenFile) ? ` — admin token file: ${tokenFile}` : '';
  return `Roost hub on ${hub.url} — dashboard: ${hub.url}/ — API: ${hub.url}/v1/openapi.json${tokenPart}`;
}

/** Reuses `<dataDir>/worker.token` while the hub still accepts it as a worker token; else makes a new one. */
async function localWorkerToken(hub: RunningHub, dataDir: string): Promise<string> {
  const file = join(dataDir, 'worker.token');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if ((await hub.tokens.verify(saved))?.scope === 'worker') return saved;
  }
  const { token } = await hub.tokens.create('local worker', 'worker');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

/** The hub and worker modules (Fastify, SQLite) load only for the commands that run them. */
async function load() {
  const [{ startHub }, { createLogger }, { WorkerAgent }, { loadHandlers }, { LogSink }] = await Promise.all([
    import('../hub/hub.js'),
    import('../log.js'),
    import('../worker/workerAgent.js'),
    import('../worker/registry.js'),
    import('../hub/logSink.js'),
  ]);
  return { startHub, createLogger, WorkerAgent, loadHandlers, LogSink };
}

async function runHub(f: HubFlags): Promise<number> {
  const config = hubConfig(f);
  const { startHub, createLogger, LogSink } = await load();
  const logs = new LogSink();
  const hub = await startHub(config, createLogger(config.logLevel, 'roost', logs), logs);
  const service = stopOnSignals(() => hub.close(), FORCE_EXIT_MS);
  out(hubLine(hub, config));
  return service.done;
}

/** The hub plus an in-process worker serving the built-in handlers: one command to try Roost. */
async function runUp(f: HubFlags & { concurrency: number; examples?: boolean }): Promise<number> {
  const config = hubConfig(f);
  const { startHub, createLogger, WorkerAgent, loadHandlers, LogSink } = await load();
  const handlers = await loadHandlers({ builtins: true, modules: [] });
  const kinds = handlers.map((h) => h.kind);
  // Accept the built-in kinds at once, before the local worker's first claim reaches the hub.
  config.kinds = [...new Set([...config.kinds, ...kinds])];
  const logs = new LogSink();
  const log = createLogger(config.logLevel, 'roost', logs);
  const hub = await startHub(config, log, logs);
  let agent: WorkerAgent;
  try {
    const token = await localWorkerToken(hub, config.dataDir);
    agent = new WorkerAgent({
      hub: hub.url,
      token,
      handlers,
      concurrency: f.concurrency,
      name: 'local',
      graceMs: LOCAL_WORKER_GRACE_MS,
      log: log.child({ component: 'worker' }),
    });
  } catch (e) {
    await hub.close();
    throw e;
  }
  const service = stopOnSignals(async () => {
    await agent.stop();
    await hub.close();
  }, FORCE_EXIT_MS);
  agent.start().catch((e: unknown) => service.fail(e));
  const extra =
    (hub.url !== config.hub ? ` --hub ${hub.url}` : '') +
    (config.dataDir !== DEFAULTS.dataDir ? ` --data ${config.dataDir}` : '');
  out(hubLine(hub, config));
  out(`Local worker serving: ${kinds.join(', ')}`);
  out(`Try: npx roost job submit text.markov '{"prompt":"the sea","maxWords":30}' --variants 5 --wait${extra}`);
  if (f.examples) await startExamples(hub).catch((e: unknown) => service.fail(e));
  return service.done;
}

export function registerHubCommands(program: Command): void {
  addHubOptions(program.command('up'))
    .description('Start a hub and a local worker with the built-in handlers: the quickest way to try Roost')
    .option('--concurrency <n>', 'tasks the local worker runs at once', integer('--concurrency', 1, 10_000), 4)
    .option('--examples', 'also run the example bots of examples/bots against the sandbox (npm start does)')
    .action(async (f: HubFlags & { concurrency: number; examples?: boolean }) => {
      process.exitCode = await runUp(f);
    });

  addHubOptions(program.command('hub'))
    .description('Start a hub: the HTTP API, the store and the broker (workers connect to it)')
    .action(async (f: HubFlags) => {
      process.exitCode = await runHub(f);
    });
}
