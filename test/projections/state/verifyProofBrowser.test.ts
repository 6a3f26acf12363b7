import test from 'ava';
import { join } from 'node:path';
import { canonicalJson } from '../../../log/index.ts';
import { defaultHash, verifyProof } from '../../../projections/index.ts';
import { canonicalText } from '../../../projections/state/hashText.ts';
import { browserHash, verifyProof as verifyInBrowser } from '../../../projections/state/verifyProofBrowser.ts';
import { alice, blob, ctx, genesisKey, tree } from './helpers.ts';
import { importGraph } from '../../importGraph.ts';

const entry = join(process.cwd(), 'projections/state/verifyProofBrowser.ts');

test('the browser entry point reaches no node module: only the pure proof check, @noble/hashes and canonicalize', (t) => {
  const graph = [...importGraph(entry)];
  t.deepEqual(
    graph.filter((m) => m.startsWith('node module') || m.startsWith('dynamic load')),
    [],
  );
  t.true(
    graph.some((m) => m.includes('@noble/hashes')),
    'the walk followed the package',
  );
  t.true(
    graph.some((m) => m.includes('/canonicalize/')),
    'and the canonicalizer',
  );
  t.deepEqual(
    graph
      .filter((m) => m.includes('/projections/'))
      .map((m) => m.replace(/.*\/projections\//, ''))
      .sort(),
    ['state/checkProof.ts', 'state/hashText.ts', 'state/verifyProofBrowser.ts', 'state/wideIndex.ts'],
  );
});

test("the browser check gives the node check's answers, for values, absence, wide nodes and rules", (t) => {
  for (const text of ['[5]', 'ünï ✓', '']) t.is(browserHash(text), defaultHash(text));
  const state = tree();
  state.apply(
    { type: 'set_value', path: '/apps/open', value: { many: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, `v${i}`])), ünï: 1.5 } },
    ctx(alice),
  );
  state.apply({ type: 'set_function', path: '/apps/open/$k', value: { f: { runtime: 'nodejs', code: blob('8') } } }, ctx(genesisKey));
  const root = state.root();
  const claims: [string, unknown, 'values' | 'rules' | 'functions'][] = [
    ['/apps/open/many/k7', 'v7', 'values'],
    ['/apps/open/many', state.get('/apps/open/many'), 'values'],
    ['/apps/open/ünï', 1.5, 'values'],
    ['/apps/open/many/k99', null, 'values'],
    ['/apps/open', { write: true }, 'rules'],
    ['/apps/open/$k', state.getFunctions('/apps/open/$k'), 'functions'],
  ];
  for (const [path, value, kind] of claims) {
    const proof = JSON.parse(JSON.stringify(state.proof(path, kind)));
    for (const claimed of [value, null, 'other', { write: false }]) {
      t.is(verifyInBrowser(root, path, claimed, proof), verifyProof(root, path, claimed, proof), `${kind} ${path} ${JSON.stringify(claimed)}`);
    }
    t.true(verifyInBrowser(root, path, value, proof), `${kind} ${path}`);
  }
});

test('the canonical JSON of hashes matches the one log/ uses, for every payload shape', (t) => {
  for (const v of [
    { write: 'auth.addr === $u' },
    { write: false },
    { owners: { '*': { write_rule: true, branch_owner: false }, [alice]: { a: true } } },
    { f: { runtime: 'nodejs', code: blob('1'), owner: alice } },
    { é: 1, e: -0, z: 1e21, a: 'x\u2028"\\' },
  ]) {
    t.is(canonicalText(v), canonicalJson(v));
  }
});
