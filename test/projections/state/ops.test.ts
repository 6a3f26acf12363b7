import test from 'ava';
import { alice, bob, blob, ctx, genesisKey, tree } from './helpers.ts';

test('set_value writes, null deletes, empty objects vanish and emptied parents are pruned', (t) => {
  const state = tree();
  t.is(state.apply({ type: 'set_value', path: '/apps/open/a', value: { b: { c: 1 }, d: 'x', e: null, f: {} } }, ctx(alice)).code, 'ok');
  t.deepEqual(state.get('/apps/open'), { a: { b: { c: 1 }, d: 'x' } });
  const withA = state.root();
  t.is(state.apply({ type: 'set_value', path: '/apps/open/a/b/c', value: null }, ctx(alice)).code, 'ok');
  t.deepEqual(state.get('/apps/open/a'), { d: 'x' });
  t.is(state.apply({ type: 'set_value', path: '/apps/open/a', value: {} }, ctx(alice)).code, 'ok');
  t.is(state.get('/apps'), null);
  t.not(state.root(), withA);
  t.is(state.root(), tree().root(), 'deleting everything gives the empty tree back');
});

test('a leaf becomes an object when written below, and an object a leaf when overwritten', (t) => {
  const state = tree();
  state.apply({ type: 'set_value', path: '/apps/open/a', value: 5 }, ctx(alice));
  t.is(state.apply({ type: 'set_value', path: '/apps/open/a/b', value: true }, ctx(alice)).code, 'ok');
  t.deepEqual(state.get('/apps/open/a'), { b: true });
  t.is(state.apply({ type: 'set_value', path: '/apps/open/a', value: 'leaf' }, ctx(alice)).code, 'ok');
  t.is(state.get('/apps/open/a/b'), null);
  t.is(state.get('/apps/open/a'), 'leaf');
});

test('set_value refuses arrays, bad labels, non-finite numbers and oversized values with a code', (t) => {
  const state = tree();
  const before = state.root();
  const cases: [unknown, string][] = [
    [[1, 2], 'INVALID_VALUE'],
    [{ a: [1] }, 'INVALID_VALUE'],
    [{ 'a.b': 1 }, 'INVALID_VALUE'],
    [{ __proto__: 1 }, 'ok'],
    [JSON.parse('{"__proto__": {"polluted": 1}}'), 'INVALID_VALUE'],
    [{ constructor: 1 }, 'INVALID_VALUE'],
    [Number.POSITIVE_INFINITY, 'INVALID_VALUE'],
    [Number.NaN, 'INVALID_VALUE'],
    ['x'.repeat(70_000), 'TOO_LARGE'],
    [Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i])), 'TOO_LARGE'],
    [JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)), 'TOO_DEEP'],
  ];
  for (const [value, code] of cases) {
    const outcome = state.apply({ type: 'set_value', path: '/apps/open/v', value: value as never }, ctx(alice));
    t.is(outcome.code as string, code, JSON.stringify(value)?.slice(0, 40));
    if (code !== 'ok') t.regex('message' in outcome ? outcome.message : '', /\/apps\/open\/v/);
  }
  t.is(({} as Record<string, unknown>)['polluted'], undefined);
  state.apply({ type: 'set_value', path: '/apps/open/v', value: null }, ctx(alice));
  t.is(state.root(), before);
});

test('inc_value and dec_value add to numbers, count a missing value as 0, and refuse the rest', (t) => {
  const state = tree();
  t.is(state.apply({ type: 'inc_value', path: '/apps/open/n', value: 5 }, ctx(alice)).code, 'ok');
  t.is(state.apply({ type: 'dec_value', path: '/apps/open/n', value: 2 }, ctx(alice)).code, 'ok');
  t.is(state.get('/apps/open/n'), 3);
  state.apply({ type: 'set_value', path: '/apps/open/s', value: 'text' }, ctx(alice));
  const notNumber = state.apply({ type: 'inc_value', path: '/apps/open/s', value: 1 }, ctx(alice));
  t.is(notNumber.code, 'NOT_A_NUMBER');
  t.regex('message' in notNumber ? notNumber.message : '', /"\/apps\/open\/s"/);
  t.is(state.apply({ type: 'inc_value', path: '/apps/open', value: 1 }, ctx(alice)).code, 'NOT_A_NUMBER');
  state.apply({ type: 'set_value', path: '/apps/open/big', value: Number.MAX_VALUE }, ctx(alice));
  t.is(state.apply({ type: 'inc_value', path: '/apps/open/big', value: Number.MAX_VALUE }, ctx(alice)).code, 'TOO_LARGE');
  t.is(state.apply({ type: 'inc_value', path: '/apps/open/n', value: Number.NaN }, ctx(alice)).code, 'INVALID_VALUE');
  t.is(state.get('/apps/open/n'), 3);
});

test('writes with no covering rule are RULE_DENIED (the genesis root rule is false)', (t) => {
  const state = tree();
  t.deepEqual(state.getRule('/'), { write: false });
  const outcome = state.apply({ type: 'set_value', path: '/elsewhere', value: 1 }, ctx(genesisKey));
  t.is(outcome.code, 'RULE_DENIED');
  t.regex('message' in outcome ? outcome.message : '', /"\/elsewhere"/);
});

test('set applies every op or none, and names the refused one', (t) => {
  const state = tree();
  state.apply({ type: 'set_value', path: '/apps/open/keep', value: 1 }, ctx(alice));
  const before = state.root();
  const outcome = state.apply(
    {
      type: 'set',
      ops: [
        { type: 'set_value', path: '/apps/open/a', value: { x: 1 } },
        { type: 'inc_value', path: '/apps/open/keep', value: 1 },
        { type: 'set_value', path: '/apps/open/keep', value: null },
        { type: 'set_rule', path: '/apps/open/r', value: { write: true } },
        { type: 'inc_value', path: '/apps/open/a', value: 1 },
      ],
    },
    ctx(genesisKey),
  );
  t.is(outcome.code, 'NOT_A_NUMBER');
  t.regex('message' in outcome ? outcome.message : '', /^Op 5 of 5/);
  t.is(state.root(), before);
  t.is(state.get('/apps/open/keep'), 1);
  t.is(state.getRule('/apps/open/r'), null);
  t.deepEqual(state.drainTriggers(), []);
  t.is(
    state.apply(
      {
        type: 'set',
        ops: [
          { type: 'set_value', path: '/apps/open/a', value: 1 },
          { type: 'inc_value', path: '/apps/open/a', value: 1 },
        ],
      },
      ctx(bob),
    ).code,
    'ok',
  );
  t.is(state.get('/apps/open/a'), 2, 'each op sees the ones before it');
});

test('set_function stores functions by id, merges, removes with null and checks their shape', (t) => {
  const state = tree();
  const f = { runtime: 'nodejs', code: blob('1') };
  t.is(state.apply({ type: 'set_function', path: '/apps/open/$key', value: { add: f } }, ctx(genesisKey)).code, 'ok');
  t.is(
    state.apply({ type: 'set_function', path: '/apps/open/$key', value: { log: { ...f, owner: alice } } }, ctx(genesisKey)).code,
    'OWNER_DENIED',
    'a function runs on its owner’s worker: only that key may name itself',
  );
  t.is(state.apply({ type: 'set_function', path: '/apps/open/$key', value: { log: { ...f, owner: genesisKey } } }, ctx(genesisKey)).code, 'ok');
  t.deepEqual(Object.keys(state.getFunctions('/apps/open/$key') ?? {}), ['add', 'log']);
  const all = { write_rule: true, write_owner: true, write_function: true, branch_owner: true };
  const functionsOnly = { write_rule: false, write_owner: false, write_function: true, branch_owner: false };
  t.is(state.apply({ type: 'set_owner', path: '/apps/open', value: { owners: { [genesisKey]: all, [alice]: functionsOnly } } }, ctx(genesisKey)).code, 'ok');
  t.is(
    state.apply({ type: 'set_function', path: '/apps/open/$key', value: { log: null } }, ctx(alice)).code,
    'OWNER_DENIED',
    'a function with an owner changes only by its owner',
  );
  t.is(
    state.apply({ type: 'set_function', path: '/apps/open/$key', value: { add: { runtime: 'nodejs', code: 'http://x' } } }, ctx(genesisKey)).code,
    'INVALID_VALUE',
  );
  t.is(state.apply({ type: 'set_function', path: '/apps/open/$key', value: { 'bad id': f } }, ctx(genesisKey)).code, 'INVALID_VALUE');
  t.is(state.apply({ type: 'set_function', path: '/apps/open/$key', value: { add: null } }, ctx(genesisKey)).code, 'ok');
  t.is(state.apply({ type: 'set_function', path: '/apps/open/$other', value: { x: f } }, ctx(genesisKey)).code, 'INVALID_PATH', 'one variable per level');
  t.is(state.apply({ type: 'set_function', path: '/apps/open/$key', value: { y: f } }, ctx(bob)).code, 'OWNER_DENIED');
  const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, f]));
  t.is(state.apply({ type: 'set_function', path: '/apps/open/many', value: many }, ctx(genesisKey)).code, 'TOO_LARGE');
});

test('a refused op of any kind leaves the root as it was', (t) => {
  const state = tree();
  const before = state.root();
  const refused = [
    { type: 'set_rule', path: '/apps/x', value: { write: 'newData = 1' } },
    { type: 'set_rule', path: '/apps/x', value: { write: true } },
    { type: 'set_owner', path: '/apps/x', value: { owners: { '*': { write_rule: true, write_owner: true, write_function: true, branch_owner: true } } } },
    { type: 'set_value', path: '/apps/x', value: 1 },
  ] as const;
  t.is(state.apply(refused[0], ctx(genesisKey)).code, 'INVALID_RULE');
  for (const op of refused.slice(1)) t.not(state.apply(op, ctx(alice)).code, 'ok');
  t.is(state.root(), before);
});

test('system writes and reads by labels are the same as by path: values, deletes, root, and a refused value names its path', (t) => {
  const byPath = tree();
  const byLabels = tree();
  const writes: [string[], unknown][] = [
    [['accounts', '0xabc', 'balance'], '10'],
    [['jobs', 'requests', 'r1'], '{"state":"requested"}'],
    [['jobs', 'requests', 'r1'], '{"state":"running"}'],
    [['jobs', 'deadlines', '1000', 'r1'], true],
    [['jobs', 'deadlines', '1000', 'r1'], null],
    [['consensus', 'escrow'], { a: 1 }],
    [['consensus', 'escrow'], '5'],
  ];
  for (const [labels, value] of writes) {
    byPath.writeSystem(`/${labels.join('/')}`, value as never);
    byLabels.writeSystemAt(labels, value as never);
    t.deepEqual(byLabels.getAt(labels), byPath.get(`/${labels.join('/')}`));
    t.is(byLabels.root(), byPath.root());
  }
  t.is(byLabels.getAt(['jobs', 'deadlines']), null, 'an emptied parent is pruned either way');
  t.throws(() => byLabels.writeSystemAt(['jobs', 'bad'], [1] as never), { message: /at \/jobs\/bad/ });
});
