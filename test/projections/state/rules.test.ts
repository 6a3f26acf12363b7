import test from 'ava';
import { compileRule, defaultLimits } from '../../../projections/index.ts';
import { alice, bob, ctx, genesisKey, tree } from './helpers.ts';

function compiledCode(write: string): string {
  const compiled = compileRule(write, new Set(), defaultLimits, '/x');
  return 'message' in compiled ? compiled.code : 'ok';
}

/** Decides one write at /apps/t/<label> under a rule at /apps/t/$x, returning the outcome code. */
function decide(rule: string, value: unknown, opts: { who?: `0x${string}`; label?: string; before?: unknown; extra?: Record<string, unknown> } = {}): string {
  const state = tree({ rules: { '/apps/t/$x': rule, '/apps/open': true } });
  for (const [path, v] of Object.entries(opts.extra ?? {})) state.apply({ type: 'set_value', path, value: v as never }, ctx(alice));
  const label = opts.label ?? 'k';
  if (opts.before !== undefined) {
    state.apply({ type: 'set_rule', path: '/apps/t/$x', value: { write: true } }, ctx(genesisKey));
    state.apply({ type: 'set_value', path: `/apps/t/${label}`, value: opts.before as never }, ctx(alice));
    state.apply({ type: 'set_rule', path: '/apps/t/$x', value: { write: rule } }, ctx(genesisKey));
  }
  return state.apply({ type: 'set_value', path: `/apps/t/${label}`, value: value as never }, ctx(opts.who ?? alice, 7, 5000)).code;
}

test('the AI Network rule forms run unchanged', (t) => {
  t.is(decide('auth.addr === $x', 1, { label: alice }), 'ok');
  t.is(decide('auth.addr === $x', 1, { label: alice, who: bob }), 'RULE_DENIED');
  t.is(decide("typeof newData === 'number' && newData >= 0", 3), 'ok');
  t.is(decide("typeof newData === 'number' && newData >= 0", -3), 'RULE_DENIED');
  t.is(decide('newData === data + 1', 6, { before: 5 }), 'ok');
  t.is(decide('newData === data + 1', 7, { before: 5 }), 'RULE_DENIED');
  t.is(decide("getValue('/apps/open/' + $x) !== null", 1, { extra: { '/apps/open/k': true } }), 'ok');
  t.is(decide("getValue('/apps/open/' + $x) !== null", 1), 'RULE_DENIED');
  t.is(decide('util.isString(newData) && util.length(newData) < 5', 'abc'), 'ok');
  t.is(decide('util.isString(newData)', 5), 'RULE_DENIED');
  t.is(decide('util.isDict(newData) && newData.a === 1 && util.length(newData) === 2', { a: 1, b: 2 }), 'ok');
  t.is(decide('data === null && newData !== null', 1), 'ok');
  t.is(decide('currentTime === 5000 && blockNumber === 7', 1), 'ok');
  t.is(decide('auth.addr !== null', null), 'ok');
});

test('precedence and JavaScript semantics of the operators', (t) => {
  const cases: [string, boolean][] = [
    ['1 + 2 * 3 === 7', true],
    ['(1 + 2) * 3 === 9', true],
    ['!false && true', true],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['1 < 2 === true', true],
    ['10 % 4 - 1 === 1', true],
    ["'a' + 1 + 2 === 'a12'", true],
    ['1 + 2 + "a" === "3a"', true],
    ["1 == '1'", true],
    ["1 === '1'", false],
    ['null == undefined', true],
    ['null === undefined', false],
    ["typeof null === 'object'", true],
    ["typeof data === 'object'", true],
    ["typeof nothing === 'undefined'", false],
    ['true ? 1 === 1 : false', true],
    ['false ? true : 1 > 2 ? true : 2 > 1', true],
    ["'b' > 'a' && 'B' < 'a'", true],
    ['-(-1) === 1 && +"2" === 2', true],
    ['newData.missing === undefined', true],
    ["newData['a'] === 1", true],
    ["'abc'.length === 3", true],
  ];
  for (const [rule, expected] of cases) {
    if (rule.includes('nothing')) {
      t.is(compiledCode(rule), 'INVALID_RULE');
      continue;
    }
    t.is(decide(rule, { a: 1 }), expected ? 'ok' : 'RULE_DENIED', rule);
  }
});

test('a rule passes when its result is truthy, as the AI Network decides (!!result)', (t) => {
  t.is(decide("'yes'", 1), 'ok');
  t.is(decide('1', 1), 'ok');
  t.is(decide('auth.addr', 1), 'ok');
  for (const falsy of ["''", '0', 'null', 'false', "getValue('/nothing/here')"]) t.is(decide(falsy, 1), 'RULE_DENIED', falsy);
});

test('forbidden constructs are INVALID_RULE when the rule is set, never at evaluation', (t) => {
  const refused = [
    'newData = 1',
    'x => 1',
    '(function () { return true })()',
    'new Date()',
    'this',
    'eval("1")',
    'Function("x")',
    'data.constructor',
    "data['constructor']",
    'data.__proto__',
    'newData.prototype',
    'unknownName',
    '$y === 1',
    'auth.pk',
    'util.exec(1)',
    'util.isString',
    'getValue("/a", 1)',
    'data.toString()',
    'newData.length()',
    '`x`',
    'a; b',
    '{}',
    '1 +',
    '(1',
    "'unclosed",
    '1 ** 2',
    'a ?? b',
    'x?.y',
    '0x10',
    'true; false',
    'globalThis',
    'process.exit()',
    'require("fs")',
    'newData++',
    'data[0] = 1',
    'delete data.x',
    'void 0',
    "'a' in newData",
    'newData instanceof Object',
    '1e400',
  ];
  const state = tree();
  const before = state.root();
  for (const write of refused) {
    const outcome = state.apply({ type: 'set_rule', path: '/apps/t/$x', value: { write } }, ctx(genesisKey));
    t.is(outcome.code, 'INVALID_RULE', write);
    t.regex('message' in outcome ? outcome.message : '', /\/apps\/t\/\$x/);
  }
  t.is(state.root(), before);
});

test('computed member access to internals reads undefined, never the prototype', (t) => {
  t.is(decide("newData['__pro' + 'to__'] === undefined && newData['constr' + 'uctor'] === undefined", { a: 1 }), 'ok');
  t.is(compiledCode("newData['__proto__']"), 'INVALID_RULE', 'a literal key is refused when set');
  t.is(decide("newData['toString'] === undefined && newData['hasOwnProperty'] === undefined", { a: 1 }), 'ok');
  t.is(decide("'x'['constr' + 'uctor'] === undefined", { a: 1 }), 'ok');
});

test('the closest rule decides alone; an exact label beats a variable at the same level', (t) => {
  const state = tree({ rules: { '/apps/c': true, '/apps/c/$user': 'auth.addr === $user', '/apps/c/special': 'false' } });
  t.is(state.apply({ type: 'set_value', path: `/apps/c/${alice}/deep/x`, value: 1 }, ctx(alice)).code, 'ok', 'the $user rule decides below it');
  t.is(state.apply({ type: 'set_value', path: `/apps/c/${alice}/deep/x`, value: 1 }, ctx(bob)).code, 'RULE_DENIED', 'no cascading up to the true rule');
  t.is(state.apply({ type: 'set_value', path: '/apps/c/special', value: 1 }, ctx(genesisKey)).code, 'RULE_DENIED');
});

test('a write above paths with rules of their own is SUBTREE_RULES', (t) => {
  const state = tree({ rules: { '/apps/c': true, '/apps/c/$user/inbox': 'true' } });
  t.is(state.apply({ type: 'set_value', path: '/apps/c', value: { x: 1 } }, ctx(alice)).code, 'SUBTREE_RULES');
  t.is(state.apply({ type: 'set_value', path: '/apps/c', value: null }, ctx(alice)).code, 'SUBTREE_RULES');
  t.is(state.apply({ type: 'set_value', path: `/apps/c/${alice}`, value: 1 }, ctx(alice)).code, 'SUBTREE_RULES');
  t.is(state.apply({ type: 'set_value', path: `/apps/c/${alice}/inbox/m1`, value: 'hi' }, ctx(bob)).code, 'ok');
});

test('getValue reads the tree as it stands before the op', (t) => {
  const state = tree({ rules: { '/apps/c/$k': "getValue('/apps/c/' + $k) === null" } });
  t.is(state.apply({ type: 'set_value', path: '/apps/c/a', value: 1 }, ctx(alice)).code, 'ok');
  t.is(state.apply({ type: 'set_value', path: '/apps/c/a', value: 2 }, ctx(alice)).code, 'RULE_DENIED', 'write-once');
});

test('hostile rules: deep nesting, long chains and read loops are refused with a code', (t) => {
  const deep = '('.repeat(10_000) + 'true' + ')'.repeat(10_000);
  const nots = '!'.repeat(10_000) + 'true';
  const chain = Array.from({ length: 5000 }, () => 'true').join(' && ');
  for (const write of [deep, nots, chain, 'x'.repeat(5000)]) {
    t.is(compiledCode(write), 'INVALID_RULE');
  }
  const state = tree();
  t.is(state.apply({ type: 'set_rule', path: '/apps/t', value: { write: deep.slice(0, 4096) } }, ctx(genesisKey)).code, 'INVALID_RULE');
  const reads = Array.from({ length: 40 }, () => "getValue('/apps') === null").join(' && ');
  t.is(decide(reads, 1), 'EVAL_LIMIT');
  const nested = 'getValue('.repeat(30) + "'/apps'" + ')'.repeat(30) + ' === null';
  t.is(decide(nested, 1), 'ok');
  const growing = "getValue('/apps/open/s') + ".repeat(20) + "'' !== ''";
  t.is(decide(growing, 1, { extra: { '/apps/open/s': 'x'.repeat(60_000) } }), 'EVAL_LIMIT');
});
