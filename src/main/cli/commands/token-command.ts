import type { Command } from 'commander';
import { ensureApiToken } from '../../core/auth/api-token';
import { resolveDataDir } from '../../core/paths';
import type { CliContext } from '../cli-context';

export function registerTokenCommand(program: Command, ctx: CliContext): void {
  program
    .command('token')
    .description("Print the local HTTP API's bearer token (made on first use, kept with mode 0600 in the data dir)")
    .option('--json', 'print JSON')
    .action((_o, cmd: Command) => {
      const token = ensureApiToken(resolveDataDir(ctx.env));
      ctx.io.out(ctx.json(cmd) ? JSON.stringify({ token }) : token);
    });
}
