// The CLI's commands and flags, built without running them (main.ts runs them; tests read their help).
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
import { registerTaskCommands } from './taskCommands.js';
import { registerTokenCommands } from './tokenCommands.js';
import { registerWorkerCommand } from './workerCommand.js';
import { registerUsageCommands } from './usageCommands.js';

/** The `roost` program: every command and flag, ready to parse (commander's errors are thrown, not exited on). */
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
