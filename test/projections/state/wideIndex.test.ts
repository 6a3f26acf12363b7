import test from 'ava';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { createStateTree, hashValue, loadStateTree, verifyProof, type StateTree } from '../../../projections/index.ts';
import { alice, blob, ctx, genesisKey, tree } from './helpers.ts';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const many = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function write(state: StateTree, path: string, value: unknown) {
  const outcome = state.apply({ type: 'set_value', path, value: value as never }, ctx(alice));
  if (outcome.code !== 'ok') throw new Error(JSON.stringify(outcome));
}

/** The root of a fresh tree holding exactly `values` under /apps/open (no history). */
function freshRoot(values: Record<string, number>): string {
  const state = tree();
  if (Object.keys(values).length > 0) write(state, '/apps/open', values);
  return state.root();
}

test('a node with more than 16 children hashes [payload, [16 group hashes]] keyed by SHA-256(label) digits', (t) => {
  const labels = many(17);
  const value = Object.fromEntries(labels.map((l, i) => [l, i]));
  const byDigit: string[][] = Array.from({ length: 16 }, () => []);
  for (const l of [...labels].sort()) byDigit[parseInt(sha(l)[0]!, 16)]!.push(l);
  const slots = byDigit.map((ls) => (ls.length === 0 ? 'null' : `"${sha('[' + ls.map((l) => `"${l}","${sha(`[${value[l]}]`)}"`).join(',') + ']')}"`));
  t.is(hashValue(value), sha(`[null,[${slots.join(',')}]]`));
  const state = tree();
  write(state, '/apps/open', value);
  t.true(verifyProof(state.root(), '/apps/open', value, state.proof('/apps/open')));
});

test('wide nodes: the root depends on content only, whatever the order of inserts and deletes', (t) => {
  const one = tree();
  const two = tree();
  const labels = many(300);
  for (const l of labels) write(one, `/apps/open/${l}`, 1);
  one.root();
  for (const l of [...labels].reverse()) write(two, `/apps/open/${l}`, 1);
  t.is(one.root(), two.root());
  t.is(one.root(), freshRoot(Object.fromEntries(labels.map((l) => [l, 1]))));
  for (const l of labels.slice(10)) write(one, `/apps/open/${l}`, null);
  t.is(one.root(), freshRoot(Object.fromEntries(labels.slice(0, 10).map((l) => [l, 1]))), 'back to a small node');
  for (const l of labels.slice(5, 40)) write(one, `/apps/open/${l}`, 2);
  const expected = Object.fromEntries([...labels.slice(0, 5).map((l) => [l, 1] as const), ...labels.slice(5, 40).map((l) => [l, 2] as const)]);
  t.is(one.root(), freshRoot(expected), 'wide again, after being small');
  t.is(loadStateTree(JSON.parse(JSON.stringify(one.snapshot()))).root(), one.root());
});

test('property: random writes and deletes under one wide node give the root of the same content built at once', (t) => {
  const op = fc.record({ label: fc.integer({ min: 0, max: 80 }), value: fc.option(fc.integer({ min: 0, max: 3 })) });
  fc.assert(
    fc.property(fc.array(fc.array(op, { maxLength: 40 }), { maxLength: 6 }), (blocks) => {
      const state = tree();
      const content: Record<string, number> = {};
      for (const block of blocks) {
        for (const { label, value } of block) {
          write(state, `/apps/open/k${label}`, value);
          if (value === null) delete content[`k${label}`];
          else content[`k${label}`] = value;
        }
        if (state.root() !== freshRoot(content)) return false;
      }
      return true;
    }),
    { numRuns: 150 },
  );
  t.pass();
});

test('proofs through wide nodes stay small and verify, for values and for absence', (t) => {
  const state = tree();
  const outer = Object.fromEntries(many(400, 'u').map((u) => [u, Object.fromEntries(many(20).map((k, i) => [k, i]))]));
  write(state, '/apps/open', outer);
  const root = state.root();
  const proof = state.proof('/apps/open/u7/k3');
  t.true(verifyProof(root, '/apps/open/u7/k3', 3, proof));
  t.true(JSON.stringify(proof).length < 6000, `${JSON.stringify(proof).length} bytes`);
  t.true(verifyProof(root, '/apps/open/u7', outer.u7, state.proof('/apps/open/u7')));
  for (const absent of ['/apps/open/nobody', '/apps/open/u7/k999', '/apps/open/u401/x']) {
    const p = state.proof(absent);
    t.true(verifyProof(root, absent, null, p), absent);
    t.false(verifyProof(root, absent, 1, p), absent);
  }
  t.false(verifyProof(root, '/apps/open/u7/k3', 4, proof));
  const forged = JSON.parse(JSON.stringify(proof));
  forged.levels[1].groups[0][0] = forged.levels[1].groups[0][0] === null ? 'a'.repeat(64) : null;
  t.false(verifyProof(root, '/apps/open/u7/k3', 3, forged), 'a changed group slot');
  const hiding = state.proof('/apps/open/u7');
  t.false(
    verifyProof(root, '/apps/open/u7', null, { path: '/apps/open/u7', levels: hiding.levels.slice(1), end: { siblings: [] } }),
    'hiding a child of a wide node',
  );
});

test('proofs of rules, owners and functions verify against the same root', (t) => {
  const state = createStateTree({ owner: genesisKey, rules: { '/apps/open': true, '/apps/r/$u': 'auth.addr === $u', '/apps/r/$u/x': false } });
  const rights = { write_rule: true, write_owner: false, write_function: true, branch_owner: false };
  t.is(state.apply({ type: 'set_function', path: '/apps/r/$u', value: { f: { runtime: 'nodejs', code: blob('5') } } }, ctx(genesisKey)).code, 'ok');
  t.is(state.apply({ type: 'set_owner', path: '/apps/r', value: { owners: { [alice]: rights } } }, ctx(genesisKey)).code, 'ok');
  for (const l of many(40, 'w')) state.apply({ type: 'set_rule', path: `/apps/w/${l}`, value: { write: true } }, ctx(genesisKey));
  const root = state.root();
  const cases = [
    ['rules', '/apps/r/$u', { write: 'auth.addr === $u' }],
    ['rules', '/apps/r/$u/x', { write: false }],
    ['rules', '/apps/r', null],
    ['rules', '/apps/w/w7', { write: true }],
    ['rules', '/apps/w', null],
    ['rules', '/apps/w/none', null],
    ['rules', '/nothing/here', null],
    ['owners', '/apps/r', { owners: { [alice]: rights } }],
    ['owners', '/', state.getOwner('/')],
    ['owners', '/apps/r/z', null],
    ['functions', '/apps/r/$u', { f: { runtime: 'nodejs', code: blob('5') } }],
    ['functions', '/apps', null],
  ] as const;
  for (const [kind, path, value] of cases) {
    const proof = state.proof(path, kind);
    t.true(verifyProof(root, path, value, proof), `${kind} ${path}`);
    t.true(verifyProof(root, path, value, JSON.parse(JSON.stringify(proof))), `${kind} ${path} after JSON`);
    t.false(verifyProof(root, path, { write: 'something else' }, proof), `${kind} ${path} with another value`);
    if (value !== null) t.false(verifyProof(root, path, null, proof), `${kind} ${path} as absent`);
    t.false(verifyProof(root, path, value, { ...proof, kind: kind === 'rules' ? 'owners' : 'rules' }), `${kind} ${path} in another part`);
  }
  t.false(verifyProof(root, '/apps/r/$u', { write: 'auth.addr === $u' }, { ...state.proof('/apps/r/$u', 'rules'), kind: undefined }), 'a rule is not a value');
  t.throws(() => state.proof('/apps', 'nope' as never), { message: /values, rules/ });
});

test('property: long runs of writes, refused sets and proofs between hashings keep the root a function of content', (t) => {
  // Blocks long enough that a wide node stops listing changed labels and scans its children instead;
  // refused `set`s put back children that were added, removed or replaced; proofs bring indexes up to
  // date half way through a block.
  const op = fc.record({ label: fc.integer({ min: 0, max: 120 }), value: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 4 }) });
  const step = fc.oneof(
    op.map((o) => ({ kind: 'write' as const, ...o })),
    fc.array(op, { minLength: 1, maxLength: 6 }).map((ops) => ({ kind: 'refusedSet' as const, ops })),
    fc.record({ label: fc.integer({ min: 0, max: 120 }), verify: fc.boolean() }).map((p) => ({ kind: 'proof' as const, ...p })),
  );
  fc.assert(
    fc.property(fc.array(fc.array(step, { minLength: 30, maxLength: 150 }), { minLength: 1, maxLength: 4 }), (blocks) => {
      const state = tree();
      const content: Record<string, number> = {};
      for (let i = 0; i < 40; i++) {
        write(state, `/apps/open/k${i}`, 0);
        content[`k${i}`] = 0;
      }
      state.root();
      for (const block of blocks) {
        for (const s of block) {
          if (s.kind === 'write') {
            write(state, `/apps/open/k${s.label}`, s.value);
            if (s.value === null) delete content[`k${s.label}`];
            else content[`k${s.label}`] = s.value;
          } else if (s.kind === 'refusedSet') {
            const ops = [
              ...s.ops.map((o) => ({ type: 'set_value' as const, path: `/apps/open/k${o.label}`, value: o.value })),
              { type: 'set_value' as const, path: '/nope', value: 1 },
            ];
            if (state.apply({ type: 'set', ops }, ctx(alice)).code === 'ok') return false;
          } else {
            const path = `/apps/open/k${s.label}`;
            const proof = state.proof(path);
            if (s.verify && !verifyProof(state.root(), path, content[`k${s.label}`] ?? null, proof)) return false;
          }
        }
        if (state.root() !== freshRoot(content)) return false;
      }
      return true;
    }),
    { numRuns: 120 },
  );
  t.pass();
});
