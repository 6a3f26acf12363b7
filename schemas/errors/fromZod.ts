import { z } from 'zod';
import { AinError } from './ainError.ts';
import type { ErrorCode } from './codes.ts';

/** Top-level fields of a tx envelope whose format errors have a code of their own. */
const fieldCodes: Record<string, ErrorCode> = { pub: 'BAD_HEX', sig: 'BAD_HEX', from: 'BAD_ADDRESS' };

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the value';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/**
 * Turns the first zod issue into an AinError whose sentence names the field at fault,
 * e.g. `BAD_SCHEMA: tx field "op.amount" must be a non-negative whole number …`.
 */
export function fromZodError(error: z.ZodError, what: string): AinError {
  const issue = error.issues[0];
  if (issue === undefined) return new AinError('BAD_SCHEMA', `${what} is invalid.`);
  const field = fieldName(issue.path);
  const top = issue.path.length === 1 ? String(issue.path[0]) : '';
  const format = issue.code === 'invalid_format' || issue.code === 'too_big' || issue.code === 'too_small';
  const code: ErrorCode = format && what === 'tx' ? (fieldCodes[top] ?? 'BAD_SCHEMA') : 'BAD_SCHEMA';
  const where = issue.path.length === 0 ? what : `${what} field "${field}"`;
  const sentence = `${where}: ${issue.message}`;
  return new AinError(code, sentence.endsWith('.') ? sentence : `${sentence}.`, {
    details: { field, issues: error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String), message: i.message })) },
  });
}

/**
 * `schema.safeParse(value)` that never throws. zod runs a string's length checks on a value that
 * is not a string, so an object whose `length` cannot become a number (`{ length: { toString: 0 } }`,
 * found by npm run fuzz) makes it throw a TypeError instead of reporting an issue: such a value is
 * reported as an issue at the top, like any other value of the wrong shape.
 */
export function safeParse<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  try {
    return schema.safeParse(value);
  } catch (cause) {
    const message = `is not what its fields require (a value in it could not even be read: ${cause instanceof Error ? cause.message : 'unreadable'})`;
    return { success: false, error: new z.ZodError([{ code: 'custom', path: [], message, input: undefined }]) } as z.ZodSafeParseResult<z.output<S>>;
  }
}

/** Parses with `schema` or throws the AinError of the first issue. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = safeParse(schema, value);
  if (result.success) return result.data;
  throw fromZodError(result.error, what);
}
