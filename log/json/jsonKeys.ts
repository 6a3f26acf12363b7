import { AinError } from '../../schemas/index.ts';

/**
 * Keys that would make one signed JSON text mean two things. A key named `__proto__` is data to
 * JSON.parse but a prototype to an object literal, and dropped by zod's records; a key twice in
 * one object is the last one's to JSON.parse but the first one's to other parsers. Both are
 * refused at the boundary, so every reader of a tx sees the same fields.
 */

const protoKey = '__proto__';

const enum Ch {
  Quote = 0x22,
  Comma = 0x2c,
  OpenBracket = 0x5b,
  CloseBracket = 0x5d,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
  Backslash = 0x5c,
}

type Segment = string | number;

const identifier = /^[A-Za-z_$][\w$]*$/;

/** `op.value["a b"][2].__proto__`, as fromZodError names fields, with odd keys quoted. */
function fieldName(path: readonly Segment[]): string {
  let name = '';
  for (const segment of path) {
    if (typeof segment === 'number') name += `[${segment}]`;
    else if (identifier.test(segment)) name += name === '' ? segment : `.${segment}`;
    else name += `[${JSON.stringify(segment)}]`;
  }
  return name;
}

function protoKeyError(what: string, path: readonly Segment[]): AinError {
  const field = fieldName(path);
  return new AinError(
    'BAD_SCHEMA',
    `${what} field "${field}": a key named "__proto__" is refused, as JSON parsers disagree on whether it is data or the object's prototype; rename the key.`,
    {
      details: { field },
    },
  );
}

function duplicateKeyError(what: string, path: readonly Segment[]): AinError {
  const field = fieldName(path);
  return new AinError(
    'BAD_SCHEMA',
    `${what} field "${field}": the key appears more than once in one object, and JSON parsers disagree on which one counts; send each key once.`,
    {
      details: { field },
    },
  );
}

/** Index of the quote that closes the string opened at `open`; the text is valid JSON. */
function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === Ch.Backslash) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
}

/**
 * Refuses (BAD_SCHEMA, naming the path) a key named `__proto__`, however it is escaped, or a
 * key twice in one object, anywhere in `text`, which must be valid JSON (parse it first).
 * One pass without recursion: strings are skipped with indexOf, each object's keys go in a set.
 * On a hot path, count keys first (jsonTextKeyCount, jsonValueKeyCount) and call this only when
 * the counts differ: it is what names the path.
 * @example checkJsonTextKeys('{"op":1,"op":2}') // throws BAD_SCHEMA: tx field "op": the key appears more than once …
 */
export function checkJsonTextKeys(text: string, what = 'tx'): void {
  // path[d] is the key or index being read at depth d (1 is the outermost container's).
  const path: Segment[] = [];
  const isObject: boolean[] = [false];
  // The keys seen in each open object, by depth.
  const keysAtDepth: Set<string>[] = [];
  let depth = 0;
  let expectKey = false;
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === Ch.Quote) {
      const close = closingQuote(text, at);
      if (expectKey) {
        let key = text.slice(at + 1, close);
        if (key.includes('\\')) key = JSON.parse(text.slice(at, close + 1)) as string;
        path[depth - 1] = key;
        if (key === protoKey) throw protoKeyError(what, path.slice(0, depth));
        const keys = keysAtDepth[depth]!;
        if (keys.has(key)) throw duplicateKeyError(what, path.slice(0, depth));
        keys.add(key);
        expectKey = false;
      }
      at = close;
    } else if (c === Ch.OpenBrace) {
      depth++;
      isObject[depth] = true;
      keysAtDepth[depth] = new Set();
      expectKey = true;
    } else if (c === Ch.OpenBracket) {
      depth++;
      isObject[depth] = false;
      path[depth - 1] = 0;
    } else if (c === Ch.Comma) {
      if (isObject[depth]) expectKey = true;
      else (path[depth - 1] as number)++;
    } else if (c === Ch.CloseBrace || c === Ch.CloseBracket) {
      depth--;
      expectKey = false; // `{}` closes without a key
    }
  }
}

/**
 * The own keys of every object in a parsed value, or -1 when one of them is `__proto__`.
 * JSON.parse keeps every key of the text but those a later duplicate replaced (with what was
 * under them), so fewer keys parsed than the text has (jsonTextKeyCount) means a duplicate.
 */
export function jsonValueKeyCount(value: unknown): number {
  let keys = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push(node[i]);
      continue;
    }
    if (Object.hasOwn(node, protoKey)) return -1;
    const children = Object.values(node);
    keys += children.length;
    for (let i = 0; i < children.length; i++) stack.push(children[i]);
  }
  return keys;
}

/** The path of the first own `__proto__` key, found the slow way once we know there is one. */
function protoKeyPath(value: unknown): Segment[] {
  const stack: [unknown, Segment[]][] = [[value, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (!Array.isArray(node) && Object.hasOwn(node, protoKey)) return [...path, protoKey];
    const entries: [Segment, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], [...path, entries[i]![0]]]);
  }
  return [];
}

/**
 * The same refusal for a value already parsed (or built in memory): an own key named
 * `__proto__` anywhere is BAD_SCHEMA, naming the path. A parsed object can hold no duplicate
 * key, so check the text with checkJsonTextKeys where there is one.
 * @example checkJsonValueKeys(JSON.parse('{"a":{"__proto__":1}}')) // throws BAD_SCHEMA: tx field "a.__proto__": …
 */
export function checkJsonValueKeys(value: unknown, what = 'tx'): void {
  if (jsonValueKeyCount(value) < 0) throw protoKeyError(what, protoKeyPath(value));
}
