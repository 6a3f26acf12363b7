import test from 'ava';
import fc from 'fast-check';
import { compileRule, defaultLimits, isCompiledRule, type StateLimits } from '../../../projections/index.ts';
import { includesText } from '../../../projections/state/rules/includesText.ts';
import { evaluate, EvalLimitError, type RuleEnv } from '../../../projections/state/rules/interpreter.ts';
import { TreeView, type RuleValue } from '../../../projections/state/rules/values.ts';
import { buildValue } from '../../../projections/state/value.ts';
import { alice, ctx, tree } from './helpers.ts';

const { evalStepsMax, evalCharsPerStep } = defaultLimits;
const written = 'a'.repeat(3820);
const join = (n: number, term: string, op = '+') => Array.from({ length: n }, () => term).join(op);

/**
 * 18 `util.includes` over a 3,820-character write, each searching ~65,000 characters built from it
 * for `a…aba…a`: the engine's own `includes` compares ~length²/8 characters for that pattern, so
 * a rule of ~900 expressions is quadratic work unless the search is linear and charged by length.
 */
const half = join(4, 'newData');
const slowRule = join(18, `util.includes(${join(17, 'newData')}, ${half}+'b'+${half})`, ' || ');

function compiled(write: string, vars: ReadonlySet<string> = new Set()) {
  const rule = compileRule(write, vars, defaultLimits, '/apps/t/$x');
  if (!isCompiledRule(rule)) throw new Error(`the test's rule is refused: ${rule.message}`);
  return rule.expr;
}

function env(over: Partial<RuleEnv> = {}): RuleEnv {
  return {
    auth: { addr: alice },
    data: null,
    newData: written,
    vars: new Map(),
    currentTime: 0,
    blockNumber: 0,
    getValue: () => null,
    limits: defaultLimits,
    ...over,
  };
}

/** The steps a rule took, or the steps done before it was refused. */
function run(write: string, over: Partial<RuleEnv> = {}): { value?: RuleValue; refused: boolean; steps: number } {
  try {
    const { value, steps } = evaluate(compiled(write, new Set(over.vars?.keys())), env(over));
    return { value, refused: false, steps };
  } catch (error) {
    if (error instanceof EvalLimitError) return { refused: true, steps: error.steps };
    throw error;
  }
}

test('the rule of 18 util.includes over a 3,820-character write is EVAL_LIMIT, within its step budget', (t) => {
  t.true(slowRule.length <= defaultLimits.ruleCharsMax);
  const state = tree({ rules: { '/apps/t/$x': slowRule } });
  t.is(state.apply({ type: 'set_value', path: '/apps/t/k', value: written }, ctx(alice)).code, 'EVAL_LIMIT');
  t.is(
    tree({ rules: { '/apps/t/$x': slowRule } }).apply({ type: 'set_value', path: '/apps/t/k', value: written }, ctx(alice)).code,
    'EVAL_LIMIT',
    'the same refusal on every replica',
  );
  const { refused, steps } = run(slowRule);
  t.true(refused);
  t.true(steps <= evalStepsMax, `${steps} steps done before the refusal`);
  const unbounded = run(slowRule, { limits: { ...defaultLimits, evalStepsMax: Number.MAX_SAFE_INTEGER } });
  t.false(unbounded.refused);
  t.true(unbounded.steps >= Math.floor((18 * (17 + 9) * written.length) / evalCharsPerStep), `the rule's work counts ${unbounded.steps} steps`);
});

test('18 util.includes over a 3,820-character write, each reading it once, pass and count the characters read', (t) => {
  const rule = Array.from({ length: 18 }, (_, i) => `util.includes(newData, 'word${i}')`).join(' || ');
  const state = tree({ rules: { '/apps/t/$x': rule } });
  t.is(state.apply({ type: 'set_value', path: '/apps/t/k', value: written + 'word17' }, ctx(alice)).code, 'ok');
  const { value, refused, steps } = run(rule);
  t.false(refused);
  t.is(value, false);
  t.true(steps >= Math.floor((18 * written.length) / evalCharsPerStep), `${steps} steps`);
  t.true(steps <= evalStepsMax);
});

test('every operator and helper that reads a string counts its characters', (t) => {
  const long = 'x'.repeat(64 * evalCharsPerStep);
  const perRead = long.length / evalCharsPerStep;
  const view = new TreeView(buildValue({ k: 1 }, 1, '/apps/v', defaultLimits) as never);
  const cases: [string, Partial<RuleEnv>, number][] = [
    ['newData === data', { data: long, newData: long }, 2],
    ['newData != data', { data: long, newData: long }, 2],
    ['newData < data', { data: long, newData: long }, 2],
    ['newData + data', { data: long, newData: long }, 2],
    ['newData * 2', { newData: long }, 1],
    ['-newData', { newData: long }, 1],
    ['data[newData]', { data: view, newData: long }, 1],
    ['util.startsWith(newData, data)', { data: long, newData: long }, 2],
    ['util.endsWith(newData, data)', { data: long, newData: long }, 2],
    ['util.includes(newData, data)', { data: long, newData: long }, 2],
    ['getValue(newData)', { newData: '/' + 'x'.repeat(defaultLimits.pathCharsMax - 1) }, defaultLimits.pathCharsMax / long.length],
  ];
  for (const [rule, over, reads] of cases) {
    const { steps } = run(rule, over);
    t.true(steps >= reads * perRead, `${rule}: ${steps} steps`);
  }
  for (const rule of ['!newData', 'typeof newData', 'util.length(newData)', 'newData.length', 'util.isString(newData)', 'newData && data']) {
    t.true(run(rule, { data: long, newData: long }).steps <= 4, `${rule} reads no characters`);
  }
});

test('includesText finds what String.prototype.includes finds, also for the patterns that make the engine search quadratically', (t) => {
  const text = fc.string({ unit: fc.constantFrom('a', 'b', 'é'), maxLength: 40 });
  fc.assert(
    fc.property(text, text, (h, n) => includesText(h, n) === h.includes(n)),
    { seed: 20_260_421, numRuns: 5000 },
  );
  const a = 'a'.repeat(65_536);
  t.false(includesText(a, 'a'.repeat(16_384) + 'b' + 'a'.repeat(16_384)));
  t.true(includesText(a + 'b' + a, 'a'.repeat(100) + 'b' + 'a'.repeat(100)));
  t.true(includesText('x', ''));
});

// Rules up to the parser's limits (ruleCharsMax characters, ruleDepthMax deep, ruleNodesMax nodes),
// weighted towards the string work that costs most, over values of the largest sizes.
const bigLiteral = `'${'a'.repeat(300)}b${'a'.repeat(300)}'`;
const leaf = fc.constantFrom(
  'newData',
  'data',
  '$v',
  'auth.addr',
  'currentTime',
  "'b'",
  "'a'",
  '1',
  'null',
  "getValue('/big')",
  "getValue('/tree')",
  'data.k',
  bigLiteral,
);
const binaryOps = ['+', '+', '+', '===', '==', '!=', '<', '>=', '-', '*', '%', '&&', '||'];
const expr = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true, maxDepth: 5 },
    { weight: 3, arbitrary: leaf },
    { weight: 3, arbitrary: fc.tuple(tie('e'), fc.constantFrom(...binaryOps), tie('e')).map(([l, op, r]) => `(${l}${op}${r})`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('includes', 'startsWith', 'endsWith'), tie('e'), tie('e')).map(([fn, a, b]) => `util.${fn}(${a},${b})`) },
    fc.tuple(fc.constantFrom('!', '-', '+', 'typeof '), tie('e')).map(([op, e]) => `${op}(${e})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]) => `(${c}?${a}:${b})`),
    fc.tuple(tie('e'), tie('e')).map(([o, k]) => `(${o})[${k}]`),
    tie('e').map((e) => `getValue(${e})`),
    tie('e').map((e) => `util.length(${e})`),
  ),
})).e;

/** Terms joined as a balanced tree, so width is not limited by the depth bound. */
function balanced(terms: readonly string[], ops: readonly string[], at = 0): string {
  if (terms.length === 1) return terms[0]!;
  const mid = terms.length >> 1;
  return `(${balanced(terms.slice(0, mid), ops, at + 1)}${ops[at % ops.length]}${balanced(terms.slice(mid), ops, at + mid)})`;
}

/** The longest prefix of the terms whose rule the parser accepts. */
function largestAccepted(terms: readonly string[], ops: readonly string[]): string {
  let n = terms.length;
  for (;;) {
    const source = balanced(terms.slice(0, n), ops);
    if (isCompiledRule(compileRule(source, new Set(['$v']), defaultLimits, '/apps/t/$v')) || n === 1) return source;
    n = n > 8 ? Math.floor(n * 0.9) : n - 1;
  }
}

const rule = fc
  .tuple(
    fc.oneof(fc.array(expr, { minLength: 1, maxLength: 400 }), fc.array(expr, { minLength: 1, maxLength: 400, size: 'max' })),
    fc.array(fc.constantFrom(...binaryOps), { minLength: 1, maxLength: 8 }),
  )
  .map(([terms, ops]) => largestAccepted(terms, ops))
  .filter((source) => isCompiledRule(compileRule(source, new Set(['$v']), defaultLimits, '/apps/t/$v')));

const view = new TreeView(buildValue({ k: 'a'.repeat(4000), b: 'x' }, 1, '/tree', defaultLimits) as never);
const longest = defaultLimits.stringCharsMax;
const values = fc.constantFrom<RuleValue>(
  written,
  'a'.repeat(3819) + 'b',
  'é'.repeat(3820),
  'a'.repeat(longest),
  'a'.repeat(longest / 2) + 'b' + 'a'.repeat(longest / 2 - 1),
  12,
  view,
  null,
);
const bigEnv = fc.record({ newData: values, data: values }).map(({ newData, data }) =>
  env({
    newData,
    data,
    vars: new Map([['$v', 'a'.repeat(defaultLimits.labelCharsMax)]]),
    getValue: (path) => (path === '/big' ? 'a'.repeat(longest) : path === '/tree' ? view : null),
  }),
);

function same(a: RuleValue, b: RuleValue): boolean {
  return a instanceof TreeView && b instanceof TreeView ? a.node === b.node : Object.is(a, b);
}

function outcome(source: string, e: RuleEnv, limits: StateLimits): { value?: RuleValue; refused: boolean; steps: number } {
  return run(source, { ...e, limits });
}

test('property: the worst rule the parser accepts evaluates to a value or EVAL_LIMIT within a fixed step budget', (t) => {
  const doubled = { ...defaultLimits, evalStepsMax: 2 * evalStepsMax };
  let longestRuleChars = 0;
  // fast-check reports the seed and path of a failure; rerun one with { seed, path } here.
  fc.assert(
    fc.property(rule, bigEnv, (source, e) => {
      longestRuleChars = Math.max(longestRuleChars, source.length);
      const first = outcome(source, e, defaultLimits);
      if (first.steps > evalStepsMax) return false;
      const again = outcome(source, e, defaultLimits);
      if (again.refused !== first.refused || again.steps !== first.steps || !same(again.value, first.value)) return false;
      // The budget is counted, not timed: a rule passes under a larger budget with the same count,
      // and one refused passes it only by spending more than the smaller budget.
      const roomier = outcome(source, e, doubled);
      if (!first.refused) return !roomier.refused && roomier.steps === first.steps && same(roomier.value, first.value);
      return roomier.refused || roomier.steps > evalStepsMax;
    }),
    { seed: 20_260_421, numRuns: 300 },
  );
  t.true(longestRuleChars > 0.9 * defaultLimits.ruleCharsMax, `rules reached ${longestRuleChars} characters`);
});
