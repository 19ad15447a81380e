import type { Logger } from 'pino';
import type { Handler } from '../handler.js';

/** What `roost worker` asks of its backends: which to start, from its flags. */
export interface BackendFlags {
  exec: string[];
  openai?: string;
  model: string[];
  apiKeyFile?: string;
  gguf?: string;
  sdWebui?: string;
  comfyui?: string;
  workflow?: string;
  threads?: number;
  /** commander's --no-gpu */
  gpu: boolean;
  concurrency: number;
}

/** Where the backends keep and find things (config). */
export interface BackendPlaces {
  dataDir: string;
  llamaModules?: string;
}

/** The handlers of every backend named by the flags, and how to stop what they started. */
export async function startBackends(
  f: BackendFlags,
  places: BackendPlaces,
  log: Logger,
): Promise<{ handlers: Handler[]; stop(): Promise<void> }> {
  const handlers: Handler[] = [];
  const stops: Array<() => Promise<void>> = [];
  try {
    if (f.exec.length > 0) {
      const { execHandlers } = await import('./exec.js');
      for (const command of f.exec) {
        const started = await execHandlers(command, log.child({ exec: command }));
        handlers.push(...started.handlers);
        stops.push(() => started.process.stop());
      }
    }
    if (f.openai) {
      const { openaiHandlers } = await import('./openai.js');
      handlers.push(...(await openaiHandlers({ url: f.openai, models: f.model, apiKeyFile: f.apiKeyFile, log })));
    }
    if (f.gguf) {
      const { ggufHandlers } = await import('./gguf.js');
      handlers.push(
        ...(await ggufHandlers({
          file: f.gguf,
          concurrency: f.concurrency,
          threads: f.threads,
          gpu: f.gpu,
          modulesDir: places.llamaModules,
          dataDir: places.dataDir,
          log,
        })),
      );
    }
    if (f.sdWebui) {
      const { sdWebuiHandlers } = await import('./sdWebui.js');
      handlers.push(...sdWebuiHandlers({ url: f.sdWebui, models: f.model, log }));
    }
    if (f.comfyui) {
      const { comfyuiHandlers } = await import('./comfyui.js');
      handlers.push(...(await comfyuiHandlers({ url: f.comfyui, workflowFile: f.workflow, models: f.model, log })));
    }
  } catch (e) {
    await Promise.all(stops.map((s) => s()));
    throw e;
  }
  return { handlers, stop: async () => void (await Promise.all(stops.map((s) => s()))) };
}
