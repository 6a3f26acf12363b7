import canonicalize from 'canonicalize';
import { AinError } from '../../schemas/index.ts';

// Deeper values take the general path, which is not recursive.
const fastDepthMax = 64;

/**
 * True when `JSON.stringify(value)` is already its RFC 8785 text: plain JSON values only (no
 * undefined, functions, toJSON, class instances, non-finite numbers), every string and key well
 * formed UTF-16, and every object's keys in strictly ascending UTF-16 order. JSON.parse of
 * canonical text gives such a value (the signed records in a log, txs written by signTx), and
 * then the native serializer does the work of the general one at a fraction of its cost.
 */
function stringifiesCanonically(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return value.isWellFormed();
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth >= fastDepthMax) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!stringifiesCanonically(value[i], depth + 1)) return false;
        return true;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      let previous: string | undefined;
      for (const key of Object.keys(value)) {
        if ((previous !== undefined && !(previous < key)) || !key.isWellFormed()) return false;
        if (!stringifiesCanonically((value as Record<string, unknown>)[key], depth + 1)) return false;
        previous = key;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * RFC 8785 (JCS) canonical JSON text of a value: sorted keys, no whitespace, ES number form.
 * @example canonicalJson({ b: 1, a: [true, 'x'] }) // '{"a":[true,"x"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (stringifiesCanonically(value, 0)) return JSON.stringify(value);
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
