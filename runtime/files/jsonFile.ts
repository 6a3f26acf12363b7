import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { safeParse } from '../../schemas/index.ts';

/** Why a file's text is not the value it should hold: not JSON at all, or JSON of another shape (the schema's first complaint). */
export type JsonFileProblem = { readonly kind: 'notJson'; readonly cause: unknown } | { readonly kind: 'shape'; readonly message: string };

/**
 * Reads a JSON file the node wrote: `null` when there is none, its value when it parses as
 * `schema`, and otherwise the error `refuse` makes of the problem (the caller's code and advice).
 * @example const kept = await readJsonFile(path, CommitFile, () => new AinError('BAD_SIGNING_RECORD', '…'))
 */
export async function readJsonFile<S extends z.ZodType>(path: string, schema: S, refuse: (problem: JsonFileProblem) => Error): Promise<z.output<S> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw refuse({ kind: 'notJson', cause });
  }
  const parsed = safeParse(schema, json);
  if (!parsed.success) throw refuse({ kind: 'shape', message: parsed.error.issues[0]?.message ?? 'bad shape' });
  return parsed.data;
}
