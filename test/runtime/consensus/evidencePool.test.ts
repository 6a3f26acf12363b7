import test from 'ava';
import { buildProposalBlock, type Chain } from '../../../actors/index.ts';
import { signVote, type KeyPair } from '../../../log/index.ts';
import { createEvidencePool, createEvidenceRegossip, evidenceRegossipMs } from '../../../runtime/consensus/evidencePool.ts';
import type { Evidence } from '../../../schemas/index.ts';
import { appendBlock, buildOn, certificateOf, chainId, genesis, genesisHash, newChain, shard, validators } from '../../actors/chain/proposals.ts';
import { key } from '../../actors/ledger/chain.ts';

// The evidence a validator holds for its next proposal: once per offence, bounded, one per
// validator per block, and gone once a block slashed its validator.

const [first, second, third, fourth] = validators as [KeyPair, KeyPair, KeyPair, KeyPair];

const doubleSign = (k: KeyPair, height: number, round = 0, kind: 'prevote' | 'precommit' = 'precommit'): Evidence => ({
  a: signVote(k, { chain: chainId, shard, height, round, kind, hash: 'a'.repeat(64) }, genesisHash),
  b: signVote(k, { chain: chainId, shard, height, round, kind, hash: 'b'.repeat(64) }, genesisHash),
});

function blockOne(): Chain {
  const chain = newChain();
  const { height, prevHash, prevTime } = chain.position;
  const one = buildProposalBlock({
    key: first,
    chain: chainId,
    shard,
    position: { height, prevHash, prevTime },
    lastRoot: chain.ledger.tree.root(),
    certificate: null,
    txs: [],
    nonce: 1,
    timeMs: 2000,
    maxTxs: genesis.block.maxTxs,
    maxBytes: genesis.block.maxBytes,
  });
  appendBlock(chain, one);
  return chain;
}

/** Block 2 on `chain` (after blockOne), by the second validator, committing `evidence`. */
const blockTwo = (chain: Chain, evidence: readonly Evidence[]) =>
  buildOn(chain, second, {
    certificate: certificateOf(1, chain.ledger.tree.get('/consensus/proposal/hash') as string),
    evidence,
    txs: [],
    nonce: 1,
    timeMs: 3000,
  });

test('held once per (validator, height, round, kind); one per validator in a block; bounded', (t) => {
  const chain = blockOne();
  const pool = createEvidencePool(3);
  t.true(pool.add(doubleSign(fourth, 1), chain.ledger));
  t.false(pool.add(doubleSign(fourth, 1), chain.ledger), 'the same offence again');
  t.true(pool.add(doubleSign(fourth, 1, 1), chain.ledger), 'another round of the same validator');
  t.true(pool.add(doubleSign(third, 2, 0, 'prevote'), chain.ledger));
  t.false(pool.add(doubleSign(second, 1), chain.ledger), 'the pool is full');
  t.is(pool.size, 3);
  t.deepEqual(
    pool.pending(chain.ledger).map((e) => [e.a.from, e.a.height, e.a.round]),
    [
      [fourth.address, 1, 0],
      [third.address, 2, 0],
    ],
  );
});

test('dropped once a block slashed its validator, and when its validator had no stake there or its height is not next', (t) => {
  const chain = blockOne();
  const pool = createEvidencePool();
  pool.add(doubleSign(fourth, 1), chain.ledger);
  pool.add(doubleSign(key(99), 1), chain.ledger);
  pool.add(doubleSign(third, 5), chain.ledger);
  t.deepEqual(
    pool.pending(chain.ledger).map((e) => e.a.from),
    [fourth.address],
  );
  appendBlock(chain, blockTwo(chain, pool.pending(chain.ledger)));
  t.is(chain.ledger.height, 2);
  t.deepEqual(pool.pending(chain.ledger), []);
  t.is(pool.size, 0);
});

test('given the ledger, evidence a block would not act on now is not held: a height past the next, a validator with no stake', (t) => {
  const chain = blockOne(); // the next height is 2
  const pool = createEvidencePool();
  t.false(pool.add(doubleSign(third, 100_000), chain.ledger), 'a height far ahead');
  t.false(pool.add(doubleSign(third, 3), chain.ledger), 'the height after the next');
  t.false(pool.add(doubleSign(key(99), 2), chain.ledger), 'no stake');
  t.true(pool.add(doubleSign(third, 2), chain.ledger), 'the next height');
  t.true(pool.add(doubleSign(fourth, 1), chain.ledger), 'a height decided');
  t.is(pool.size, 2);
});

test('held evidence is gossiped again every 5 s until a block commits it (gossip can lose it, and a follower never proposes)', (t) => {
  const chain = blockOne();
  const pool = createEvidencePool();
  let nowMs = 0;
  const published: string[] = [];
  const again = createEvidenceRegossip(
    pool,
    (e) => published.push(e.a.from),
    () => nowMs,
  );
  nowMs = evidenceRegossipMs;
  again.tick(chain.ledger);
  t.deepEqual(published, [], 'a round with nothing held sends nothing');
  pool.add(doubleSign(fourth, 1), chain.ledger);
  nowMs += evidenceRegossipMs - 1;
  again.tick(chain.ledger);
  t.deepEqual(published, [], 'not before the next round, 5 s after the last');
  nowMs += 1;
  again.tick(chain.ledger);
  again.tick(chain.ledger);
  t.deepEqual(published, [fourth.address], 'once a round');
  nowMs += evidenceRegossipMs;
  again.tick(chain.ledger);
  t.deepEqual(published, [fourth.address, fourth.address]);
  // A block commits it: the pool's pending drops it, and it is sent no more.
  appendBlock(chain, blockTwo(chain, pool.pending(chain.ledger)));
  nowMs += evidenceRegossipMs;
  again.tick(chain.ledger);
  t.is(published.length, 2);
});
