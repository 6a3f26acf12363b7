import test from 'ava';
import fc from 'fast-check';
import { decideQuorum, readFinalized, type QuorumLedgerView } from '../../../projections/index.ts';
import type { Tx } from '../../../schemas/index.ts';
import { stakedGenesis, TestChain } from '../../actors/ledger/chain.ts';

// Whether the votes waiting in the log complete a block's quorum, decided from the ledger: given
// a ledger and the attestations beyond its last block, then decideQuorum says true exactly when
// applying them in the next block makes that block final.
const { validators, genesis } = stakedGenesis([31, 32, 33, 34]);
const viewOf = (chain: TestChain): QuorumLedgerView => ({ tree: chain.ledger.tree, height: chain.ledger.height, lastHash: chain.chain.position.prevHash });
const votesOf = (entries: [number, string][]) => new Map(entries.map(([i, hash]) => [validators[i]!.address, hash]));

test('the last block applied (no record yet): true once the waiting votes for its hash carry more than 2/3 of the current set', (t) => {
  const chain = new TestChain(genesis);
  const b1 = chain.block([]);
  t.false(decideQuorum(viewOf(chain), 1, votesOf([[0, b1.hash]])), '40 of 100');
  t.false(
    decideQuorum(
      viewOf(chain),
      1,
      votesOf([
        [0, b1.hash],
        [3, b1.hash],
        [2, 'f'.repeat(64)],
      ]),
    ),
    '50 of 100: a vote for another hash counts nothing',
  );
  t.true(
    decideQuorum(
      viewOf(chain),
      1,
      votesOf([
        [0, b1.hash],
        [1, b1.hash],
      ]),
    ),
    '70 of 100',
  );
  t.false(
    decideQuorum(
      viewOf(chain),
      2,
      votesOf([
        [0, b1.hash],
        [1, b1.hash],
      ]),
    ),
    'a block not cut yet',
  );
});

test("a recorded block: the ledger's tally plus the waiting votes of validators that have not voted yet; a final block needs nothing", (t) => {
  const chain = new TestChain(genesis);
  const b1 = chain.block([]);
  const attest = (i: number): Tx => chain.tx(validators[i]!, { type: 'attest', height: 1, hash: b1.hash, genesis: chain.ledger.genesisHash });
  chain.block([attest(0)]); // 40 applied
  t.false(
    decideQuorum(
      viewOf(chain),
      1,
      votesOf([
        [0, b1.hash],
        [3, b1.hash],
      ]),
    ),
    "40 + 10: the first validator's second vote is not counted twice",
  );
  t.true(
    decideQuorum(
      viewOf(chain),
      1,
      votesOf([
        [2, b1.hash],
        [3, b1.hash],
      ]),
    ),
    '40 + 20 + 10 = 70',
  );
  chain.block([attest(1)]);
  t.is(readFinalized(chain.ledger.tree).height, 1);
  t.false(
    decideQuorum(
      viewOf(chain),
      1,
      votesOf([
        [2, b1.hash],
        [3, b1.hash],
      ]),
    ),
    'already final',
  );
});

test('property: decideQuorum is true exactly when the next block, holding the waiting votes, makes the block final', (t) => {
  const vote = fc.record({ by: fc.integer({ min: 0, max: 3 }), wrongHash: fc.boolean() });
  fc.assert(
    fc.property(fc.array(vote, { maxLength: 6 }), fc.array(vote, { maxLength: 6 }), fc.boolean(), (applied, waiting, recorded) => {
      const chain = new TestChain(genesis);
      const b1 = chain.block([]);
      const attest = ({ by, wrongHash }: { by: number; wrongHash: boolean }): Tx =>
        chain.tx(validators[by]!, { type: 'attest', height: 1, hash: wrongHash ? 'e'.repeat(64) : b1.hash, genesis: chain.ledger.genesisHash });
      // Block 1 recorded with some votes applied, or still the last block (no record).
      if (recorded) chain.block(applied.map(attest));
      const finalBefore = readFinalized(chain.ledger.tree).height >= 1;
      const first = new Map<string, string>();
      for (const v of waiting) if (!first.has(validators[v.by]!.address)) first.set(validators[v.by]!.address, v.wrongHash ? 'e'.repeat(64) : b1.hash);
      const decided = decideQuorum(viewOf(chain), 1, first);
      chain.block(waiting.map(attest));
      const finalAfter = readFinalized(chain.ledger.tree).height >= 1;
      return decided === (!finalBefore && finalAfter);
    }),
  );
  t.pass();
});
