import test from 'ava';
import fc from 'fast-check';
import { compileRule, defaultLimits, loadStateTree, verifyProof, type StateOp } from '../../../projections/index.ts';
import { alice, bob, ctx, genesisKey, tree } from './helpers.ts';

const label = fc.constantFrom('a', 'b', 'c', 'd', '$v', 'x1');
const path = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => '/apps/open/' + ls.join('/'));
const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 5 }), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }));
const value = fc.oneof(leaf, fc.dictionary(fc.constantFrom('a', 'b', 'k'), leaf, { maxKeys: 3 }));
const who = fc.constantFrom(alice, bob, genesisKey);

const op: fc.Arbitrary<StateOp> = fc.oneof(
  fc.record({ type: fc.constant('set_value' as const), path, value }),
  fc.record({ type: fc.constantFrom('inc_value' as const, 'dec_value' as const), path, value: fc.integer({ min: -100, max: 100 }) }),
  fc.record({
    type: fc.constant('set_rule' as const),
    path,
    value: fc.oneof(fc.constant(null), fc.record({ write: fc.constantFrom(true, false, 'auth.addr !== null', 'newData !== 3', '$v !== null') })),
  }),
  fc.record({ type: fc.constant('set_function' as const), path, value: fc.constant({ f: { runtime: 'nodejs', code: `blob://sha256:${'1'.repeat(64)}` } }) }),
);
const step = fc.record({
  op: fc.oneof(
    { weight: 5, arbitrary: op },
    { weight: 1, arbitrary: fc.array(op, { minLength: 1, maxLength: 4 }).map((ops) => ({ type: 'set', ops }) as StateOp) },
  ),
  who,
});

test('property: same ops → same root and outcomes; snapshot → reload → same root; proofs verify', (t) => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      const one = tree();
      const two = tree();
      for (const [i, { op, who }] of steps.entries()) {
        const a = one.apply(op, ctx(who, i));
        const b = two.apply(op, ctx(who, i));
        if (a.code !== b.code) return false;
      }
      const root = one.root();
      if (two.root() !== root) return false;
      const reloaded = loadStateTree(JSON.parse(JSON.stringify(one.snapshot())));
      if (reloaded.root() !== root) return false;
      for (const p of ['/apps/open/a', '/apps/open/a/b', '/apps/open/c/d/a']) {
        if (!verifyProof(root, p, one.get(p), one.proof(p))) return false;
      }
      return true;
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('property: a refused op never changes the root', (t) => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 20 }), (steps) => {
      const state = tree();
      for (const [i, { op, who }] of steps.entries()) {
        const before = state.root();
        if (state.apply(op, ctx(who, i)).code !== 'ok' && state.root() !== before) return false;
      }
      return true;
    }),
    { numRuns: 200 },
  );
  t.pass();
});

const ruleChars = fc.constantFrom(
  ...'()!=<>&|+-*/%?:.[],\'" 0123456789abcdefghijklmnopqrstuvwxyz$_'.split(''),
  'auth.addr',
  'newData',
  'data',
  'getValue(',
  'util.length(',
  'typeof ',
  '===',
  '&&',
  '$v',
  'constructor',
  '__proto__',
);
const ruleText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.array(ruleChars, { maxLength: 40 }).map((xs) => xs.join('')),
);

test('property: random rule strings compile or are INVALID_RULE, and run without throwing within the limits', (t) => {
  const state = tree();
  fc.assert(
    fc.property(ruleText, value, (write, v) => {
      const compiled = compileRule(write, new Set(['$v']), defaultLimits, '/apps/r/$v');
      if ('message' in compiled) return compiled.code === 'INVALID_RULE';
      const set = state.apply({ type: 'set_rule', path: '/apps/r/$v', value: { write } }, ctx(genesisKey));
      if (set.code !== 'ok') return false;
      const outcome = state.apply({ type: 'set_value', path: '/apps/r/k', value: v as never }, ctx(alice));
      return ['ok', 'RULE_DENIED', 'EVAL_LIMIT'].includes(outcome.code);
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
