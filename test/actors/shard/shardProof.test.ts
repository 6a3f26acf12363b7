import test from 'ava';
import { verifyShardProof, type ShardProofAnswer, type StateProof } from '../../../projections/state/verifyProofBrowser.ts';
import { key } from '../ledger/chain.ts';
import { branchedParent, reportOpOf } from './childChain.ts';

// A shard's value checked through its parent (the browser's `verifyShardProof`): the value's
// proof against the child's state root after block h, which block h + 1's proposal names as its
// lastRoot; the parent's record of block h + 1 holds that proposal's hash, proven against a
// parent header. Built here from a real parent ledger and child chain; each part tampered fails.

const owner = key(81);
const [c1, c2, c3] = [key(82), key(83), key(84)];
const rules = { blockIntervalMs: 1000, reportPeriodMs: 60_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };

function chained(): ShardProofAnswer & { parent: NonNullable<ShardProofAnswer['parent']> } {
  const { parent, child } = branchedParent(owner, [c1, c2, c3], rules);
  const b1 = child.next([
    child.tx(owner, { type: 'set_rule', path: '/apps/x/n', value: { write: true } }),
    child.tx(owner, { type: 'set_value', path: '/apps/x/n', value: 7 }),
  ]);
  // The child's state after block 1, proven now (its node answers at its latest block).
  const { tree } = child.chain.ledger;
  const value = tree.get('/apps/x/n');
  const proof = tree.proof('/apps/x/n', 'values') as StateProof;
  const b2 = child.next();
  const recorded = parent.block([parent.tx(c1, reportOpOf('/apps/x', b1, b2))]);
  const recordPath = `/consensus/shards/${child.genesisHash}/2`;
  return {
    path: '/apps/x/n',
    value,
    proof,
    height: 1,
    header: b1.header,
    parent: {
      genesis: child.genesisHash,
      next: b2.header,
      record: {
        path: recordPath,
        value: parent.ledger.tree.get(recordPath),
        proof: parent.ledger.tree.proof(recordPath, 'values') as StateProof,
        height: recorded.header.height,
        hash: recorded.hash,
        header: recorded.header,
      },
    },
  };
}

test('a shard value checks through the parent header that recorded the next child block', (t) => {
  const answer = chained();
  t.is(answer.value, 7);
  const verdict = verifyShardProof(answer);
  t.deepEqual(verdict, {
    ok: true,
    parentHeight: answer.parent.record.height,
    parentHash: answer.parent.record.hash,
    parentStateRoot: answer.parent.record.header.stateRoot,
  });
});

test('a tampered value, child header, parent record or parent header does not check, and says which part', (t) => {
  const answer = chained();
  const { parent } = answer;
  const cases: [string, ShardProofAnswer, RegExp][] = [
    ['value', { ...answer, value: 8 }, /the value does not check/],
    ['lastRoot', { ...answer, parent: { ...parent, next: { ...parent.next, lastRoot: 'e'.repeat(64) } } }, /another proposal/],
    ['recordsRoot', { ...answer, parent: { ...parent, next: { ...parent.next, recordsRoot: 'e'.repeat(64) } } }, /another proposal/],
    ['next height', { ...answer, parent: { ...parent, next: { ...parent.next, height: 3 } } }, /not block 2/],
    ['shard', { ...answer, header: { shard: '/apps/y' } }, /not block 2 of shard \/apps\/y/],
    [
      'record value',
      { ...answer, parent: { ...parent, record: { ...parent.record, value: { ...(parent.record.value as object), proposal: 'e'.repeat(64) } } } },
      /parent's record does not check/,
    ],
    [
      'parent root',
      { ...answer, parent: { ...parent, record: { ...parent.record, header: { stateRoot: 'e'.repeat(64) } } } },
      /parent's record does not check/,
    ],
    [
      'record path',
      { ...answer, parent: { ...parent, record: { ...parent.record, path: `/consensus/shards/${parent.genesis}/1` } } },
      /not the shard's block 2/,
    ],
    ['height', { ...answer, height: 2 }, /not the shard's block 3/],
    ['no parent', { ...answer, parent: undefined }, /no chain to a parent/],
  ];
  for (const [what, tampered, why] of cases) {
    const verdict = verifyShardProof(tampered);
    t.false(verdict.ok, what);
    if (!verdict.ok) t.regex(verdict.why, why, what);
  }
});

test('checked for the shard asked about: a block of another shard, recorded on the same parent, does not prove it', (t) => {
  // Any owner of a shard could otherwise prove a value of another path through its own shard's records.
  const answer = chained();
  t.true(verifyShardProof(answer, '/apps/x').ok);
  const other = verifyShardProof(answer, '/apps/y');
  t.false(other.ok);
  if (!other.ok) t.regex(other.why, /a block of shard \/apps\/x, not of \/apps\/y/);
});
