import { spawn } from 'node:child_process';

/**
 * `Model Center --cli <command> …` (e.g. `./Model-Center.AppImage --cli status`): the arguments after `--cli`,
 * or undefined when the app was started as a window. Chromium's own switches may come first.
 */
export function cliArguments(argv: readonly string[]): string[] | undefined {
  const at = argv.indexOf('--cli');
  return at >= 0 ? argv.slice(at + 1) : undefined;
}

/**
 * Runs the command line in a child of this same binary as plain Node (ELECTRON_RUN_AS_NODE=1, no window and
 * no Chromium), passing the terminal through, and leaves with its exit code.
 */
export function runCliAsNode(cliScript: string, args: readonly string[]): void {
  const child = spawn(process.execPath, [cliScript, ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (err) => {
    process.stderr.write(`model-center: could not start the command line: ${err.message}\n`);
    process.exit(1);
  });
}
