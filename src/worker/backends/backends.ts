import type { Logger } from 'pino';
import type { Handler } from '../handler.js';

/** What `roost worker` asks of its backends: which to start, from its flags. */
export interface BackendFlags {
  exec: string[];
  openai?: string;
  model: string[];
  apiKeyFile?: string;
}

/** The handlers of every backend named by the flags, and how to stop what they started. */
export async function startBackends(
  f: BackendFlags,
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
  } catch (e) {
    await Promise.all(stops.map((s) => s()));
    throw e;
  }
  return { handlers, stop: async () => void (await Promise.all(stops.map((s) => s()))) };
}
