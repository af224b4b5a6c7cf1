import { Command, InvalidArgumentError } from 'commander';
import { ensureApiToken } from '../../core/auth/api-token';
import { DEFAULT_PORT, startHttpServer } from '../../server/http-server';
import type { CliContext } from '../cli-context';
import { resolveRendererDir } from '../renderer-dir';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0–65535 (0 picks a free one)');
  return n;
}

export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Serve the window and the API on 127.0.0.1 (bearer token, loopback only)')
    .option('--port <n>', `port to listen on (0 picks a free one)`, parsePort, DEFAULT_PORT)
    .option('--json', 'print the address as JSON')
    .action(async (opts: { port: number }, cmd: Command) => {
      const core = ctx.getCore('server');
      const token = ensureApiToken(core.dataDir);
      const rendererDir = resolveRendererDir(ctx.env, (m) => ctx.io.err(m));
      const server = await startHttpServer(core, { port: opts.port, token, rendererDir });
      core.log.info(`serving on ${server.url}`);
      if (ctx.json(cmd)) {
        ctx.io.out(JSON.stringify({ url: server.url, port: server.port, pid: process.pid, dataDir: core.dataDir }));
      } else {
        // The token goes to an interactive terminal only, never to a log or a redirected stream.
        const open = ctx.io.isTTY ? `${server.url}#token=${token}` : server.url;
        ctx.io.out(`Model Center is serving on ${server.url}\nOpen: ${open}`);
        if (!ctx.io.isTTY) ctx.io.out('The API token is in the data dir (file api-token); `model-center token` prints it.');
        ctx.io.out('Press Ctrl-C to stop.');
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
