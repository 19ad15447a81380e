import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerAccountCommands } from './accountCommands.js';
import { registerAdminCommands } from './adminCommands.js';
import { registerArchiveCommands } from './archiveCommands.js';
import { registerArtifactCommands } from './artifactCommands.js';
import { registerPipelineCommands } from './pipelineCommands.js';
import { registerBotCommands } from './botCommands.js';
import { registerCallsCommands } from './callsCommands.js';
import { registerHubCommands } from './hubCommands.js';
import { registerJobCommands } from './jobCommands.js';
import { registerLimitCommands } from './limitCommands.js';
import { registerLogsCommand } from './logsCommand.js';
import { registerSandboxCommands } from './sandboxCommands.js';
import { reportError } from './shared.js';
import { registerTaskCommands } from './taskCommands.js';
import { registerTokenCommands } from './tokenCommands.js';
import { registerWorkerCommand } from './workerCommand.js';
import { registerUsageCommands } from './usageCommands.js';

/** Exit codes: 0 done, 1 failed (hub error, job failed, unreachable), 2 bad flag or argument. */
export function buildProgram(): Command {
  // Settings made here before any .command() call are inherited by every subcommand.
  const program = new Command('roost')
    .description('Roost: a hub that dispatches jobs to workers that pull. Start with `roost up`.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for the command')
    .helpCommand('help [command]', 'show help for a command')
    .allowExcessArguments(false)
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ outputError: (message, write) => write(`roost: ${message}`) })
    .exitOverride();
  registerHubCommands(program);
  registerWorkerCommand(program);
  registerJobCommands(program);
  registerTaskCommands(program);
  registerLimitCommands(program);
  registerTokenCommands(program);
  registerAdminCommands(program);
  registerSandboxCommands(program);
  registerBotCommands(program);
  registerArchiveCommands(program);
  registerLogsCommand(program);
  registerUsageCommands(program);
  registerArtifactCommands(program);
  registerPipelineCommands(program);
  registerAccountCommands(program);
  registerCallsCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  let code: number;
  try {
    await buildProgram().parseAsync(argv);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    code = reportError(e);
  }
  // Exit once output is flushed; if something still holds the event loop open, exit anyway.
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}

// A reader that stops early (`roost sandbox timeline | head`) closes the pipe: end quietly with
// status 0, as Unix tools do, instead of crashing on the write that finds it closed.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(0);
});

await main(process.argv);
