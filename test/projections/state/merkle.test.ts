import test from 'ava';
import { createHash } from 'node:crypto';
import { hashValue, loadStateTree, verifyProof, type StateSnapshot } from '../../../projections/index.ts';
import { alice, blob, ctx, genesisKey, tree } from './helpers.ts';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function filled() {
  const state = tree({ rules: { '/apps/c/$u': 'auth.addr === $u' } });
  state.apply({ type: 'set_value', path: '/apps/open', value: { b: { x: 1, y: 'two' }, a: true, ünï: -0.5 } }, ctx(alice));
  state.apply({ type: 'set_function', path: '/apps/open/$k', value: { f: { runtime: 'nodejs', code: blob('3') } } }, ctx(genesisKey));
  state.apply({ type: 'set_value', path: `/apps/c/${alice}`, value: 'me', read_concern: 1 }, ctx(alice, 3));
  return state;
}

test('node hashes follow the documented rule: canonical JSON of [payload, label, hash, …]', (t) => {
  t.is(hashValue(5), sha('[5]'));
  t.is(hashValue({ b: 1, a: 'x' }), sha(`[null,"a","${sha('["x"]')}","b","${sha('[1]')}"]`));
  t.is(hashValue([1]), undefined);
  t.is(hashValue({}), undefined);
});

test('the root depends on content only, not on the order of writes', (t) => {
  const one = tree();
  const two = tree();
  one.apply({ type: 'set_value', path: '/apps/open/a', value: 1 }, ctx(alice));
  one.apply({ type: 'set_value', path: '/apps/open/b', value: 2 }, ctx(alice));
  two.apply({ type: 'set_value', path: '/apps/open/b', value: 2 }, ctx(alice));
  two.apply({ type: 'set_value', path: '/apps/open/a', value: 1 }, ctx(alice));
  t.is(one.root(), two.root());
  two.apply({ type: 'set_value', path: '/apps/open/a', value: 3 }, ctx(alice));
  t.not(one.root(), two.root(), 'a changed leaf changes the root (the dirty path was rehashed)');
  two.apply({ type: 'set_value', path: '/apps/open/a', value: 1 }, ctx(alice));
  t.is(one.root(), two.root());
});

test('rules, owners and functions are part of the root', (t) => {
  const state = tree();
  const before = state.root();
  state.apply({ type: 'set_rule', path: '/apps/z', value: { write: true } }, ctx(genesisKey));
  const withRule = state.root();
  t.not(withRule, before);
  state.apply({ type: 'set_function', path: '/apps/z', value: { f: { runtime: 'nodejs', code: blob('4') } } }, ctx(genesisKey));
  t.not(state.root(), withRule);
});

test('proofs of values and of absence verify against the root, and nothing else does', (t) => {
  const state = filled();
  const root = state.root();
  for (const [path, value] of [
    ['/apps/open/b/x', 1],
    ['/apps/open/b', { x: 1, y: 'two' }],
    ['/apps/open/ünï', -0.5],
    ['/', state.get('/')],
    [`/apps/c/${alice}`, 'me'],
  ] as const) {
    const proof = state.proof(path);
    t.true(verifyProof(root, path, value, proof), path);
    t.true(verifyProof(root, path, value, JSON.parse(JSON.stringify(proof))), `${path} after JSON`);
    t.true(verifyProof(root, path, value, proof, sha), `${path} with another hash function`);
    t.false(verifyProof(root, path, 2, proof));
    t.false(verifyProof(root, path, null, proof));
    t.false(
      verifyProof(
        root.replace(/^./, (c) => (c === '0' ? '1' : '0')),
        path,
        value,
        proof,
      ),
    );
  }
  for (const path of ['/apps/open/nothing', '/apps/open/b/x/below', '/zzz', '/apps/open/b/q/r']) {
    const proof = state.proof(path);
    t.true(verifyProof(root, path, null, proof), `absent ${path}`);
    t.false(verifyProof(root, path, 1, proof));
  }
  const real = state.proof('/apps/open/b/x');
  t.false(verifyProof(root, '/apps/open/b/y', 1, { ...real, path: '/apps/open/b/y' }), 'a proof for another path');
  t.false(verifyProof(root, '/apps/open/b/x', 1, { path: '/apps/open/b/x', levels: [] }));
  t.false(verifyProof(root, '/apps/open/b/x', 1, null as never));
  t.false(verifyProof(root, '/apps/open/b', null, { path: '/apps/open/b', levels: real.levels.slice(1), end: { siblings: [] } }), 'hiding a child');
});

test('a snapshot reloads to the same root, values, rules, owners, functions and read concerns', (t) => {
  const state = filled();
  const snapshot = JSON.parse(JSON.stringify(state.snapshot())) as StateSnapshot;
  const loaded = loadStateTree(snapshot);
  t.is(loaded.root(), state.root());
  t.is(loaded.height, 3);
  t.deepEqual(loaded.snapshot(), state.snapshot());
  t.is(loaded.apply({ type: 'set_value', path: `/apps/c/${alice}`, value: 'again' }, ctx(alice)).code, 'ok', 'rules work after loading');
});

test('a snapshot whose contents do not match its root, or that is malformed, is BAD_SNAPSHOT', (t) => {
  const snapshot = filled().snapshot();
  t.throws(() => loadStateTree({ ...snapshot, values: { apps: { open: { a: false }, c: { [alice]: 'me' } } } }), { message: /root/ });
  t.throws(() => loadStateTree({ ...snapshot, values: { apps: { open: { a: false } } } }), { message: /read concern at .* holds no value/ });
  t.throws(() => loadStateTree({ ...snapshot, functions: { '/apps/open/$k': { 'bad id!': { runtime: 'nodejs', code: blob('3') } } } }), {
    message: /function id "bad id!" at .* must be 1-64/,
  });
  t.throws(() => loadStateTree({ ...snapshot, functions: { '/apps/open/$k': { __proto__: { runtime: 'nodejs', code: blob('3') } } as never } }), {
    message: /function id|root/,
  });
  const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, { runtime: 'nodejs', code: blob('3') }]));
  t.throws(() => loadStateTree({ ...snapshot, functions: { '/apps/open/$k': tooMany } }), { message: /more than 16/ });
  t.throws(() => loadStateTree({ ...snapshot, rules: { '/apps/x': 'newData = 1' } }), { message: /refused/ });
  t.throws(() => loadStateTree({ ...snapshot, values: { a: [1] } as never }), { message: /array/ });
  t.throws(() => loadStateTree({ ...snapshot, version: 2 } as never), { message: /version 1/ });
});
