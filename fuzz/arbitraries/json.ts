// Generators of awkward JSON: strings and keys that have tripped parsers before (lone surrogates,
// `__proto__`, escapes), numbers at the edges of doubles, and texts mutated byte by byte.
import fc from 'fast-check';

const awkwardStrings = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'length',
  '\u0000',
  '\u001f',
  '\u007f',
  '\uD800',
  '\uDFFF',
  '\uD83D',
  '\uD800\uDC00',
  '\u2028',
  '\u2029',
  '\uFEFF',
  '\u00A0',
  '\u0085',
  'é',
  'e\u0301',
  '🙂',
  '\\',
  '\\u0000',
  '"',
  "'",
  '/',
  '//',
  '.',
  '..',
  '$',
  '$x',
  '*',
  '#',
  '%',
  '%00',
  '%2F',
  '%ED%A0%80',
  '0',
  '-0',
  '1e999',
  'NaN',
  'Infinity',
  'null',
  'true',
  'undefined',
  '0x0',
  '01',
  `0x${'a'.repeat(40)}`,
  `blob://sha256:${'0'.repeat(64)}`,
  'a'.repeat(151),
  '/apps',
  '/apps/x',
  'ain-local',
];

/** Strings a decoder might not expect: awkward constants, any code points, long runs. */
export const awkwardString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 12 }), weight: 4 },
  { arbitrary: fc.constantFrom(...awkwardStrings), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }), weight: 2 },
  { arbitrary: fc.array(fc.constantFrom(...awkwardStrings), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('')), weight: 2 },
  {
    arbitrary: fc.tuple(fc.constantFrom('a', 'ab', 'é', '🙂', '\uD800', '{', '"'), fc.integer({ min: 50, max: 5000 })).map(([unit, n]) => unit.repeat(n)),
    weight: 1,
  },
);

/** Object keys: awkward ones, short plain ones (so they collide), and any string. */
export const awkwardKey: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'type', 'value', 'path', 'op', 'sig', 'time', 'v', 'nonce', 'from', 'pub', 'write'), weight: 3 },
  { arbitrary: fc.constantFrom(...awkwardStrings.slice(0, 30)), weight: 2 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 2 },
);

/** Numbers at the edges: -0, huge, tiny, past safe integers, fractions. */
export const awkwardNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 0.5, 1.5, -1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e-7, 5e-324, Number.MAX_VALUE, 4096, 65_536),
);

/** An object whose own keys may be `__proto__` or `constructor`, as JSON.parse makes them. */
export function ownObject(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

/** Any JSON value built from the awkward parts, a few levels deep. */
export const awkwardJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    { arbitrary: fc.oneof(awkwardString, awkwardNumber, fc.boolean(), fc.constant(null)), weight: 4 },
    { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 1 },
    { arbitrary: fc.array(fc.tuple(awkwardKey, tie('value')), { maxLength: 4 }).map(ownObject), weight: 2 },
  ),
})).value;

/** Arrays and objects nested `depth` deep around a value: the depth limits' edge. */
export const nested = (depth: number, inner: string, kind: 'array' | 'object'): string =>
  kind === 'array' ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);

const tokens = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  '\\',
  '\\u',
  '\\ud800',
  'true',
  'null',
  '-',
  '0',
  '1e999',
  '-0',
  ' ',
  '\n',
  '\u00a0',
  '\ufeff',
  '__proto__',
  '"__proto__":',
  '"a":1,',
  '/*',
  '\u0000',
  '\uD800',
];

/** One edit of a text: cut, insert a token, repeat a slice, drop a character. */
const edit = fc.record({
  kind: fc.constantFrom('insert', 'delete', 'repeat', 'truncate', 'replace'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 8 }),
  token: fc.constantFrom(...tokens),
});
export type TextEdit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const { kind, at: rawAt, length, token } of edits) {
    const at = out.length === 0 ? 0 : rawAt % (out.length + 1);
    if (kind === 'insert') out = out.slice(0, at) + token + out.slice(at);
    else if (kind === 'delete') out = out.slice(0, at) + out.slice(at + length);
    else if (kind === 'repeat') out = out.slice(0, at + length) + out.slice(at, at + length) + out.slice(at + length);
    else if (kind === 'truncate') out = out.slice(0, at);
    else out = out.slice(0, at) + token + out.slice(at + token.length);
  }
  return out;
}

/** A text with 1 to 4 edits (or none, a third of the time). */
export const editedText = (text: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(text, fc.oneof(fc.constant([] as TextEdit[]), fc.array(edit, { minLength: 1, maxLength: 4 }))).map(([t, edits]) => applyEdits(t, edits));

/** Texts that are not JSON, or barely: token soup, any string, deep nesting, invalid UTF-8 read as text. */
export const garbageText: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...tokens), { maxLength: 30 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(fc.integer({ min: 60, max: 70 }), fc.constantFrom('array' as const, 'object' as const), fc.constantFrom('1', '"x"', ''))
    .map(([d, kind, inner]) => nested(d, inner, kind)),
  fc.tuple(fc.integer({ min: 1000, max: 20_000 }), fc.constantFrom('[', '{"a":', '"')).map(([n, open]) => open.repeat(n)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
);

/** JSON text of a value in a form chosen by the generator: compact, indented, keys reversed, characters escaped. */
export type TextForm = 'compact' | 'indented' | 'reversed' | 'escaped';
export const textForm: fc.Arbitrary<TextForm> = fc.constantFrom('compact', 'compact', 'indented', 'reversed', 'escaped');

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return ownObject(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)] as const),
  );
}

/** Writes a value as JSON text in a form whose JSON.parse gives the same value back. */
export function jsonText(value: unknown, form: TextForm): string {
  switch (form) {
    case 'compact':
      return JSON.stringify(value);
    case 'indented':
      return JSON.stringify(value, null, 2);
    case 'reversed':
      return JSON.stringify(reverseKeys(value));
    case 'escaped':
      // \uXXXX for every non-ASCII and every lowercase vowel inside strings: the same value, other bytes.
      return JSON.stringify(value).replace(/"(?:[^"\\]|\\.)*"/g, (s) =>
        s.replace(/\\u[0-9a-f]{4}|\\.|[aeiou\u0080-\uffff]/g, (c) => (c.startsWith('\\') ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)),
      );
  }
}

/** An edit of an object or anything inside it: a field dropped, retyped or added (`__proto__` too). */
export const fieldEdit = fc.record({ kind: fc.constantFrom('delete', 'replace', 'add'), node: fc.nat(), key: awkwardKey, value: awkwardJson });
export type FieldEdit = typeof fieldEdit extends fc.Arbitrary<infer E> ? E : never;

function objectsIn(value: unknown, into: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (value !== null && typeof value === 'object') {
    if (!Array.isArray(value)) into.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) objectsIn(child, into);
  }
  return into;
}

/** A deep copy of JSON that keeps own `__proto__` keys, so edits never reach a generated value. */
export function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (value === null || typeof value !== 'object') return value;
  return ownObject(Object.entries(value).map(([k, v]) => [k, copyJson(v)] as const));
}

/** Applies an edit to `root` in place: `root` must be a copy the caller owns. */
export function applyFieldEdit(root: Record<string, unknown>, { kind, node, key, value: given }: FieldEdit): void {
  const value = copyJson(given);
  const objects = objectsIn(root);
  const target = objects[node % objects.length]!;
  const keys = Object.keys(target);
  if (kind === 'delete' && keys.length > 0) delete target[keys[node % keys.length]!];
  else if (kind === 'replace' && keys.length > 0) target[keys[node % keys.length]!] = value;
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
