import test from 'ava';
import fc from 'fast-check';
import { parseTxJson } from '../../../log/codec/index.ts';
import { checkJsonTextKeys, checkJsonValueKeys } from '../../../log/json/index.ts';
import { isAinError } from '../../../schemas/index.ts';

// A key named __proto__ or a key twice in one object makes one JSON text mean two things; both
// are refused wherever tx JSON is read, with a sentence naming the path.
const refusal = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (error) {
    if (isAinError(error, 'BAD_SCHEMA')) return error.message;
    throw error;
  }
};

test('a key named __proto__ is refused wherever it is, escaped or not, naming its path', (t) => {
  const cases: [string, string][] = [
    ['{"a":1,"__proto__":1}', '"__proto__"'],
    ['{"op":{"value":[1,{"x":{"__proto__":null}}]}}', '"op.value[1].x.__proto__"'],
    ['{"op":{"\\u005f_proto__":{}}}', '"op.__proto__"'],
    ['[{},"x",{"a b":{"__\\u0070roto__":0}}]', '"[2]["a b"].__proto__"'],
  ];
  for (const [text, path] of cases) {
    const message = refusal(() => checkJsonTextKeys(text));
    t.true(message?.startsWith(`tx field ${path}`), `${text}: ${message}`);
    t.regex(message!, /key named "__proto__"/);
    t.is(
      refusal(() => parseTxJson(text)),
      message,
      text,
    );
    t.is(
      refusal(() => checkJsonValueKeys(JSON.parse(text))),
      message,
      `the parsed value of ${text}`,
    );
  }
});

test('a key given twice in one object is refused, however it is escaped, naming its path', (t) => {
  const cases: [string, string][] = [
    ['{"op":{"type":"a"},"op":{"type":"b"}}', '"op"'],
    ['{"op":{"value":[0,{"k":1,"j":2,"k":3}]}}', '"op.value[1].k"'],
    ['{"a":1,"\\u0061":2}', '"a"'],
  ];
  for (const [text, path] of cases) {
    const message = refusal(() => checkJsonTextKeys(text));
    t.true(message?.startsWith(`tx field ${path}`), `${text}: ${message}`);
    t.regex(message!, /more than once/);
    t.is(
      refusal(() => parseTxJson(text)),
      message,
      text,
    );
  }
});

test('the same key in different objects, and __proto__ as a string or part of a key, are fine', (t) => {
  const fine = [
    '{"a":{"a":{"a":1}},"b":[{"a":1},{"a":1}]}',
    '{"a":"__proto__","b":["__proto__"]}',
    '{"__proto__x":1,"x__proto__":2}',
    '[{},"k",{}]',
    '{"a":{},"b":{},"c":"\\"a\\":1"}',
  ];
  for (const text of fine) {
    t.is(
      refusal(() => checkJsonTextKeys(text)),
      null,
      text,
    );
    t.deepEqual(parseTxJson(text), JSON.parse(text), text);
  }
  // An object literal's __proto__ is its prototype, not a key: no JSON text makes one.
  t.notThrows(() => checkJsonValueKeys({ __proto__: { a: 1 }, b: 2 }));
});

// JSON texts with keys drawn from a few names, their escaped spellings among them, so objects
// often repeat a key or hold __proto__.
const names = ['a', 'b', '__proto__', '\\u0061', '\\u005f_proto__', 'a b'];
const decoded = (name: string): string => JSON.parse(`"${name}"`) as string;
type Tree = { entries: [string, Tree][] } | { items: Tree[] } | number;
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: 0, max: 9 }),
    fc.record({ entries: fc.array(fc.tuple(fc.constantFrom(...names), tie('node')), { maxLength: 4 }) }),
    fc.record({ items: fc.array(tie('node'), { maxLength: 3 }) }),
  ),
})).node;
const textOf = (node: Tree): string =>
  typeof node === 'number'
    ? String(node)
    : 'items' in node
      ? `[${node.items.map(textOf).join(', ')}]`
      : `{${node.entries.map(([k, v]) => `"${k}": ${textOf(v)}`).join(',')}}`;
const ambiguous = (node: Tree): boolean => {
  if (typeof node === 'number') return false;
  if ('items' in node) return node.items.some(ambiguous);
  const keys = node.entries.map(([k]) => decoded(k));
  return keys.includes('__proto__') || new Set(keys).size < keys.length || node.entries.some(([, v]) => ambiguous(v));
};

test('property: parseTxJson (counting keys) and checkJsonTextKeys (tracking them) refuse exactly the ambiguous texts', (t) => {
  fc.assert(
    fc.property(tree, (node) => {
      const text = textOf(node);
      const expected = ambiguous(node);
      const tracked = refusal(() => checkJsonTextKeys(text));
      const counted = refusal(() => parseTxJson(text));
      return (tracked !== null) === expected && counted === tracked;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
