import { hostname } from 'node:os';
import { Option, type Command } from 'commander';
import { duration, httpUrl, integer, list, logLevelOption, text, UsageError } from './flags.js';
import { addClientOptions, clientConfig, out, resolveToken, stopOnSignals, type ClientFlags } from './shared.js';

/** Past the grace period, releasing tasks and delivering results may take this much longer. */
const STOP_MARGIN_MS = 5000;
/** The hub holds a claim open at most this long. */
const MAX_CLAIM_WAIT_MS = 60_000;

interface WorkerFlags extends ClientFlags {
  handlers: string[];
  builtins: boolean;
  concurrency: number;
  name?: string;
  id?: string;
  grace: number;
  wait: number;
  logLevel?: string;
  exec: string[];
  openai?: string;
  model: string[];
  apiKeyFile?: string;
  gguf?: string;
  sdWebui?: string;
  comfyui?: string;
  workflow?: string;
  threads?: number;
  gpu: boolean;
}

async function runWorker(f: WorkerFlags): Promise<number> {
  if (!f.openai && f.apiKeyFile) throw new UsageError('--api-key-file goes with --openai URL');
  if (!f.comfyui && f.workflow) throw new UsageError('--workflow goes with --comfyui URL');
  // --model names models of one server; a worker for several servers is several workers.
  const servers = [f.openai && '--openai', f.sdWebui && '--sd-webui', f.comfyui && '--comfyui'].filter(Boolean);
  if (f.model.length > 0 && servers.length !== 1)
    throw new UsageError(
      servers.length === 0
        ? '--model goes with --openai, --sd-webui or --comfyui URL'
        : `--model names the models of one server, but ${servers.join(' and ')} are given: run a worker for each`,
    );
  const config = clientConfig(f, { logLevel: f.logLevel });
  // A worker prefers the worker token `roost up` keeps over the admin token.
  const token = resolveToken(config, ['worker.token', 'admin.token']);
  // Loaded here so that the other commands start without the worker's modules.
  const [{ createLogger }, { WorkerAgent }, { loadHandlers }, { LogShipper }, { HubClient }, { startBackends }] =
    await Promise.all([
      import('../log.js'),
      import('../worker/workerAgent.js'),
      import('../worker/registry.js'),
      import('../worker/logShipper.js'),
      import('../client/hubClient.js'),
      import('../worker/backends/backends.js'),
    ]);
  // Warn and error lines also go to the hub's kept log (roost logs).
  const shipper = new LogShipper(f.name ?? hostname());
  shipper.start(new HubClient(config.hub, token));
  const log = createLogger(config.logLevel, 'roost-worker', shipper);
  const backends = await startBackends(f, { dataDir: config.dataDir, llamaModules: config.llamaModules }, log);
  let handlers;
  try {
    handlers = await loadHandlers({ builtins: f.builtins, modules: f.handlers, extra: backends.handlers });
  } catch (e) {
    await backends.stop();
    await shipper.close();
    throw e;
  }
  const agent = new WorkerAgent({
    hub: config.hub,
    token,
    handlers,
    concurrency: f.concurrency,
    name: f.name,
    workerId: f.id,
    waitMs: f.wait,
    graceMs: f.grace,
    artifactCacheDir: config.artifactCacheDir,
    artifactCacheBytes: config.artifactCacheBytes,
    log,
  });
  const service = stopOnSignals(async () => {
    await agent.stop().finally(() => backends.stop());
    await shipper.close();
  }, f.grace + STOP_MARGIN_MS);
  // start() returns once stop() has been called, and throws when the hub refuses the token.
  agent.start().catch((e: unknown) => service.fail(e));
  out(`Worker ${agent.workerId} pulling from ${config.hub}, serving: ${handlers.map((h) => h.kind).join(', ')}`);
  return service.done;
}

export function registerWorkerCommand(program: Command): void {
  addClientOptions(program.command('worker'))
    .description('Run a worker: pull tasks from the hub and run them with the built-in and your handlers')
    .option('--handlers <file>', 'a module exporting handlers (default export or `handlers`); repeatable', list, [])
    .option(
      '--exec <command>',
      "a kept subprocess speaking JSON Lines on stdin/stdout, e.g. 'python3 handler.py' (docs/python-handlers.md); repeatable",
      list,
      [],
    )
    .option(
      '--openai <url>',
      'serve llm.chat (and llm.complete, llm.embed) from an OpenAI-compatible server: its base URL, e.g. http://127.0.0.1:8080/v1',
      httpUrl('--openai'),
    )
    .option(
      '--sd-webui <url>',
      'serve image.generate from a Stable Diffusion WebUI (AUTOMATIC1111, Forge) started with --api, e.g. http://127.0.0.1:7860',
      httpUrl('--sd-webui'),
    )
    .option(
      '--comfyui <url>',
      'serve image.generate from a ComfyUI server, e.g. http://127.0.0.1:8188',
      httpUrl('--comfyui'),
    )
    .option(
      '--workflow <file>',
      'with --comfyui: a workflow in API format with {{prompt}}, {{seed}}... placeholders (default: plain txt2img)',
      text('--workflow', 4096),
    )
    .option(
      '--model <name>',
      'with --openai, --sd-webui or --comfyui: a model (checkpoint) to offer (default: --openai and --comfyui all they list, --sd-webui the loaded one); repeatable',
      list,
      [],
    )
    .option('--api-key-file <file>', 'with --openai: a file holding the API key to send', text('--api-key-file', 4096))
    .option(
      '--gguf <file>',
      'serve llm.chat, llm.complete and llm.embed from a GGUF model file run in process by llama.cpp (node-llama-cpp, installed on first use)',
      text('--gguf', 4096),
    )
    .option('--threads <n>', 'with --gguf: CPU threads (default: llama.cpp chooses)', integer('--threads', 1, 1024))
    .option('--no-gpu', 'with --gguf: run on the CPU even when a GPU is present')
    .option('--no-builtins', 'do not serve the built-in handlers (text.markov)')
    .option('--concurrency <n>', 'tasks run at once', integer('--concurrency', 1, 10_000), 4)
    .option('--name <name>', 'name shown in `roost workers` (default: the host name)', text('--name', 200))
    .option('--id <workerId>', 'stable worker id (default: the host name plus a random suffix)', text('--id', 100))
    .addOption(
      new Option('--grace <duration>', 'on SIGTERM/SIGINT, how long running tasks may finish before they are released')
        .argParser(duration('--grace'))
        .default(10_000, '10s'),
    )
    .addOption(
      new Option('--wait <duration>', 'how long each claim long-polls the hub for work (at most 60s)')
        .argParser(duration('--wait', MAX_CLAIM_WAIT_MS))
        .default(25_000, '25s'),
    )
    .addOption(logLevelOption())
    .allowExcessArguments(false)
    .action(async (f: WorkerFlags) => {
      process.exitCode = await runWorker(f);
    });
}
