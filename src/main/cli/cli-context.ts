import type { Command } from 'commander';
import { createCore, type Core } from '../core/create-core';
import type { CliIO } from './cli-output';

/** What every command gets: output, the --json flag, and a core opened on first use and closed at exit. */
export class CliContext {
  private core: Core | undefined;
  /** Set by a command that printed its result but must still exit non-zero (an import with refusals, a failed verification). */
  exitCode: number | undefined;

  constructor(
    readonly io: CliIO,
    readonly env: Record<string, string | undefined> = process.env,
  ) {}

  getCore(surface: 'cli' | 'server' = 'cli'): Core {
    this.core ??= createCore({ surface, env: this.env });
    return this.core;
  }

  json(cmd: Command): boolean {
    return Boolean((cmd.optsWithGlobals() as { json?: boolean }).json);
  }

  async close(): Promise<void> {
    await this.core?.close();
    this.core = undefined;
  }
}
