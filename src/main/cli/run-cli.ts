import { Command, CommanderError } from 'commander';
import { AppError } from '../../shared/errors';
import { APP_VERSION } from '../core/app-info';
import { CliContext } from './cli-context';
import { printError, processIO, type CliIO } from './cli-output';
import { registerBundleCommands } from './commands/bundle-commands';
import { registerBenchCommands } from './commands/bench-command';
import { registerCollectionCommands } from './commands/collection-commands';
import { registerConfigureCommand } from './commands/configure-command';
import { registerHubCommands } from './commands/hub-commands';
import { registerDetectCommands } from './commands/detect-command';
import { registerVoskCommands } from './commands/vosk-command';
import { registerEnsureCommand } from './commands/ensure-command';
import { registerInferenceCommands } from './commands/inference-command';
import { registerInventoryCommands } from './commands/inventory-command';
import { registerJobsCommands } from './commands/jobs-command';
import { registerGateCommands } from './commands/gate-commands';
import { registerMigrateCommands } from './commands/migrate-commands';
import { registerRegistryCommands } from './commands/registry-command';
import { registerServeCommand } from './commands/serve-command';
import { registerStatusCommand } from './commands/status-command';
import { registerTokenCommand } from './commands/token-command';
import { registerUpstreamCommands } from './commands/upstream-command';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('model-center')
    .description('Model Center: download, verify, run, version and migrate local AI models.')
    .version(APP_VERSION, '-V, --version')
    .option('--json', 'print machine-readable JSON (every command)')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => ctx.io.out(s.trimEnd()), writeErr: (s) => ctx.io.err(s.trimEnd()) });
  registerStatusCommand(program, ctx);
  registerServeCommand(program, ctx);
  registerJobsCommands(program, ctx);
  registerHubCommands(program, ctx);
  registerConfigureCommand(program, ctx);
  registerRegistryCommands(program, ctx);
  registerTokenCommand(program, ctx);
  registerDetectCommands(program, ctx);
  registerVoskCommands(program, ctx);
  registerEnsureCommand(program, ctx);
  registerBundleCommands(program, ctx);
  registerInferenceCommands(program, ctx);
  registerUpstreamCommands(program, ctx);
  registerInventoryCommands(program, ctx);
  registerBenchCommands(program, ctx);
  registerCollectionCommands(program, ctx);
  registerMigrateCommands(program, ctx);
  registerGateCommands(program, ctx);
  // Sub-commands too (`jobs show`, `collection import`): a usage error there must also exit 2, not end the process.
  const override = (cmd: Command): void => {
    cmd.exitOverride().configureOutput(program.configureOutput());
    cmd.commands.forEach(override);
  };
  program.commands.forEach(override);
  return program.exitOverride();
}

/** Runs one CLI invocation; returns the exit code (0 ok, 1 failure, 2 usage) instead of exiting. */
export async function runCli(argv: string[], io: CliIO = processIO, env = process.env): Promise<number> {
  const ctx = new CliContext(io, env);
  const program = buildProgram(ctx);
  const json = argv.includes('--json');
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode ?? EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    const dto = printError(io, json, err);
    return err instanceof AppError && dto.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    await ctx.close();
  }
}
