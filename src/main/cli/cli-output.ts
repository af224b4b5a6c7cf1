export { formatBytes } from '../../shared/format-bytes';
import { describeError, toErrorDTO, type ErrorDTO } from '../../shared/errors';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
}

export const processIO: CliIO = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  get isTTY() {
    return Boolean(process.stdout.isTTY);
  },
};

/** Prints a result as JSON (scripts) or through the command's human formatter. */
export function printResult<T>(io: CliIO, json: boolean, value: T, human: (v: T) => string): void {
  io.out(json ? JSON.stringify(value, null, 2) : human(value));
}

export function printError(io: CliIO, json: boolean, err: unknown): ErrorDTO {
  const dto = toErrorDTO(err);
  if (json) io.out(JSON.stringify({ error: dto }, null, 2));
  else io.err(`Error: ${describeError(dto)}`);
  return dto;
}

/** Fixed-width columns for terminal tables. */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

