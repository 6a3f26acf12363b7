import { AinError, maxTxJsonDepth } from '../../schemas/index.ts';

/**
 * Nesting depth checks done without recursion, so they work the same on every thread and stack.
 * Depth counts arrays and objects: `1` is 0 deep, `[1]` is 1, `{"a":[1]}` is 2.
 */

/** Whether the JSON text nests arrays and objects deeper than `max` (strings are skipped). */
export function jsonTextTooDeep(text: string, max: number): boolean {
  return jsonTextKeyCount(text, max) < 0;
}

/**
 * How many object keys the JSON text holds, counted as its colons outside strings (exact for
 * valid JSON), or -1 when it nests arrays and objects deeper than `max`: one pass for both.
 */
export function jsonTextKeyCount(text: string, max: number): number {
  let depth = 0;
  let keys = 0;
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === 0x22 /* " */) {
      at = text.indexOf('"', at + 1);
      while (at > 0 && isEscaped(text, at)) at = text.indexOf('"', at + 1);
      if (at < 0) return keys; // an unclosed string: JSON.parse will say so
    } else if (c === 0x3a /* : */) {
      keys++;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return -1;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return keys;
}

function isEscaped(text: string, quote: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
  return backslashes % 2 === 1;
}

/** Whether a parsed value nests arrays and objects deeper than `max`. */
export function jsonValueTooDeep(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The refusal of a tx nested deeper than any node may parse it the same way. */
export function tooDeep(): AinError {
  return new AinError('BAD_SCHEMA', `tx: arrays and objects nest deeper than ${maxTxJsonDepth} levels; flatten the value or put it in Big Storage.`, {
    details: { maxTxJsonDepth },
  });
}
