import canonicalize from 'canonicalize';
import { AinError } from '../../schemas/index.ts';

/**
 * RFC 8785 (JCS) canonical JSON text of a value: sorted keys, no whitespace, ES number form.
 * @example canonicalJson({ b: 1, a: [true, 'x'] }) // '{"a":[true,"x"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (cause) {
    throw new AinError('BAD_SCHEMA', `The value cannot be written as canonical JSON: ${(cause as Error).message}.`, { cause });
  }
  if (text === undefined) throw new AinError('BAD_SCHEMA', 'The value cannot be written as canonical JSON: it is undefined.');
  return text;
}

/** UTF-8 bytes of the canonical JSON of a value. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
