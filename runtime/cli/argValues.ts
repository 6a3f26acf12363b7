import { checkJsonTextKeys } from '../../log/index.ts';
import { AinError } from '../../schemas/index.ts';
import { UsageError } from './output.ts';

/**
 * JSON from a flag, file or stdin; a mistake is BAD_JSON naming what was being read, and a key
 * named `__proto__` or given twice in one object is BAD_SCHEMA, as a node would refuse the tx.
 */
export function parseJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new AinError('BAD_JSON', `${what} is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  checkJsonTextKeys(text, what);
  return value;
}

/** A flag's whole number, or undefined when the flag is absent. */
export function wholeNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`--${flag} must be a whole number, got "${text}".`);
  return Number(text);
}

/** Where the commands that talk to a node look for it without `--node`. */
export const defaultNodeUrl = 'http://127.0.0.1:8080';
