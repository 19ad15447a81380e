import type { Command } from 'commander';
import type { UsageRow } from '../store/usageStore.js';
import { integer } from './flags.js';
import { clientCommand, connect, out, printJson, table, type ClientFlags } from './shared.js';

/** `roost usage`: the OpenAI front door's requests and tokens per key, day and model. */
export function registerUsageCommands(program: Command): void {
  clientCommand(
    program,
    'usage',
    "The OpenAI front door's usage: requests, prompt and completion tokens per key, day and model (an admin token sees every key)",
  )
    .option('--days <n>', 'the last N days, today included', integer('--days', 1, 3660), 30)
    .action(async (f: ClientFlags & { days: number }) => {
      const reply = await connect(f).get<{ since: string; usage: UsageRow[] }>(`/v1/usage?days=${f.days}`);
      if (f.json) return printJson(reply);
      if (reply.usage.length === 0) return out(`No front-door usage since ${reply.since}.`);
      table(
        ['DAY', 'KEY', 'MODEL', 'REQUESTS', 'PROMPT', 'COMPLETION'],
        reply.usage.map((u) => [
          u.day,
          u.tokenId,
          u.model,
          String(u.requests),
          String(u.promptTokens),
          String(u.completionTokens),
        ]),
      );
    });
}
