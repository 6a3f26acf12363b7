// Rule sources for the rule language (docs/rules.md): well-formed expressions built from its
// grammar (names, path variables, util helpers, getValue, long string concatenations), the same
// with JavaScript the language refuses spliced in, and raw token soup.
import fc from 'fast-check';
import { applyEdits, awkwardNumber, awkwardString } from './json.ts';

const names = ['auth', 'auth.addr', 'data', 'newData', 'currentTime', 'blockNumber', '$x', '$y', 'null', 'undefined', 'true', 'false'];
const helpers1 = ['isString', 'isNumber', 'isInteger', 'isBool', 'isBoolean', 'isDict', 'isEmpty', 'isValAddr', 'length'];
const helpers2 = ['startsWith', 'endsWith', 'includes'];
const binaryOps = ['===', '!==', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '&&', '||'];
const refused = [
  'constructor',
  '__proto__',
  'prototype',
  'eval',
  'Function',
  'this',
  '=>',
  '=',
  '{',
  '}',
  ';',
  '`',
  '??',
  '?.',
  '**',
  'new ',
  'process',
  'globalThis',
  '[]',
  '()',
  'x()',
  '.call',
  'util.nope(1)',
  'getValue()',
  '\\',
  '#',
];

/** A string literal in single or double quotes, with escapes the lexer reads. */
const literal = fc.oneof(
  awkwardString.map((s) => JSON.stringify(s)),
  fc.string({ maxLength: 6 }).map((s) => `'${s.replace(/['\\\n\r]/g, '')}'`),
  fc.constantFrom("'b'", "'a'", "'\\u0041'", "'\\x41'", "'\\q'", '"unclosed', "'a\\'b'"),
);

/** A long string: a name or literal concatenated with itself many times (the interpreter caps `+` at 65,536 characters). */
const longString = fc
  .tuple(fc.constantFrom('newData', 'data', "'a'", "'ab'", '$x', 'auth.addr'), fc.integer({ min: 1, max: 20 }))
  .map(([part, n]) => `(${Array(n).fill(part).join(' + ')})`);
const stringExpr = fc
  .array(fc.oneof({ arbitrary: longString, weight: 3 }, { arbitrary: fc.constantFrom("'b'", "'a'"), weight: 1 }, { arbitrary: literal, weight: 1 }), {
    minLength: 1,
    maxLength: 3,
  })
  .map((parts) => parts.join(' + '));
/** Helpers over long strings, chained: the work they do is outside the step count. */
const stringWork = fc
  .array(
    fc.tuple(fc.constantFrom(...helpers2), stringExpr, stringExpr).map(([fn, a, b]) => `util.${fn}(${a}, ${b})`),
    { minLength: 1, maxLength: 12 },
  )
  .chain((calls) => fc.constantFrom(' || ', ' && ').map((op) => calls.join(op)));

/** Helpers over haystacks and needles built from one input repeated around a short separator: their worst cases. */
const repeated = (source: string, min: number, max: number) => fc.integer({ min, max }).map((n) => (n === 0 ? "''" : `(${Array(n).fill(source).join(' + ')})`));
const heavyCall = fc
  .tuple(fc.constantFrom(...helpers2), fc.constantFrom('newData', 'data'))
  .chain(([fn, source]) =>
    fc
      .tuple(repeated(source, 1, 20), repeated(source, 0, 4), fc.oneof(fc.constantFrom("'b'", "'a'", "''"), literal), repeated(source, 0, 4))
      .map(([hay, left, sep, right]) => `util.${fn}(${hay}, ${left} + ${sep} + ${right})`),
  );
const heavyWork = fc.array(heavyCall, { minLength: 1, maxLength: 4 }).chain((calls) => fc.constantFrom(' || ', ' && ').map((op) => calls.join(op)));

export const ruleExpression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    { arbitrary: fc.constantFrom(...names), weight: 4 },
    {
      arbitrary: fc.oneof(
        literal,
        awkwardNumber.filter((n) => n >= 0 && Number.isFinite(n)).map((n) => String(n)),
      ),
      weight: 3,
    },
    { arbitrary: fc.tuple(fc.constantFrom('!', '-', '+', 'typeof '), tie('e')).map(([op, e]) => `${op}${e}`), weight: 1 },
    { arbitrary: fc.tuple(tie('e'), fc.constantFrom(...binaryOps), tie('e')).map(([l, op, r]) => `(${l} ${op} ${r})`), weight: 3 },
    { arbitrary: fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`), weight: 1 },
    {
      arbitrary: fc.tuple(tie('e'), fc.oneof(fc.constantFrom('a', 'length', 'addr', 'x1'), fc.string({ maxLength: 4 }))).map(([o, p]) => `${o}.${p}`),
      weight: 1,
    },
    { arbitrary: fc.tuple(tie('e'), tie('e')).map(([o, k]) => `${o}[${k}]`), weight: 1 },
    {
      arbitrary: fc.oneof(tie('e'), fc.constantFrom("'/apps/fz'", "'/apps/fz/' + $x", "'/'", "'/accounts'", "'bad//path'")).map((p) => `getValue(${p})`),
      weight: 1,
    },
    { arbitrary: fc.tuple(fc.constantFrom(...helpers1), tie('e')).map(([fn, a]) => `util.${fn}(${a})`), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom(...helpers2), tie('e'), tie('e')).map(([fn, a, b]) => `util.${fn}(${a}, ${b})`), weight: 1 },
    { arbitrary: stringWork, weight: 1 },
  ),
})).e;

const splice = fc.record({ at: fc.nat(), text: fc.constantFrom(...refused) });

/** A rule's source: well formed most of the time, else with refused JavaScript spliced in, or token soup. */
export const ruleSource: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: ruleExpression, weight: 18 },
  { arbitrary: heavyWork, weight: 1 },
  {
    arbitrary: fc
      .tuple(ruleExpression, fc.array(splice, { minLength: 1, maxLength: 2 }))
      .map(([e, cuts]) => cuts.reduce((s, { at, text }) => s.slice(0, at % (s.length + 1)) + text + s.slice(at % (s.length + 1)), e)),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(
        ruleExpression,
        fc.array(
          fc.record({
            kind: fc.constantFrom('insert' as const, 'delete' as const, 'repeat' as const, 'truncate' as const, 'replace' as const),
            at: fc.nat(),
            length: fc.integer({ min: 1, max: 6 }),
            token: fc.constantFrom('(', ')', '[', "'", '"', '.', '$', '!', '?', ':'),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      )
      .map(([e, edits]) => applyEdits(e, edits)),
    weight: 1,
  },
  {
    arbitrary: fc
      .array(fc.constantFrom(...names, ...binaryOps, '(', ')', '[', ']', '.', ',', '?', ':', 'util', 'getValue', ...refused), { maxLength: 20 })
      .map((t) => t.join(' ')),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(fc.integer({ min: 60, max: 2000 }), fc.constantFrom('(', '!', '-', 'a.', 'util.length(')).map(([n, open]) => open.repeat(n) + 'data'),
    weight: 1,
  },
);
