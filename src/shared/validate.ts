import type { z } from 'zod';
import { AppError, type ErrorIssue } from './errors';

/** zod issues as readable `texts[3]: must be a non-empty string` lines. */
export function zodIssues(error: z.ZodError): ErrorIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path
      .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
      .join(''),
    message: issue.message,
  }));
}

/** Validates input at the contract's edge; throws INVALID_INPUT naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssues(result.error);
  const first = issues[0];
  const summary = first ? `${first.path || 'input'}: ${first.message}` : 'invalid input';
  throw new AppError('INVALID_INPUT', `Invalid input for ${what}: ${summary}`, { issues });
}
