import test from 'ava';
import type { ChainStep } from '../../../actors/index.ts';
import { signTx, signVote, type KeyPair } from '../../../log/index.ts';
import { createBlockStore } from '../../../runtime/node/blockStore.ts';
import { consensusEventOf } from '../../../runtime/streams/consensusEvent.ts';
import { ConsensusEvent, type Evidence } from '../../../schemas/index.ts';
import { appendBlock, buildOn, certificateOf, chainId, genesisHash, newChain, owner, shard, validators } from '../../actors/chain/proposals.ts';
import { key, TestChain } from '../../actors/ledger/chain.ts';

// The `consensus` stream's event of a block, from what the chain's step folded: given a network's
// blocks (a certificate decided in a later round, a double precommit, a stake), then each event
// names the block's proposer and proposal hash, the certificate it carries with its signers'
// power, the stake its evidence burned and the voting power it changed. A single node's chain
// has no certificates; a double attestation there is evidence of kind `attest`.

const [first, second, third, fourth] = validators as [KeyPair, KeyPair, KeyPair, KeyPair];
const power = '1000000';

const doubleSign = (k: KeyPair, height: number, round: number): Evidence => ({
  a: signVote(k, { chain: chainId, shard, height, round, kind: 'precommit', hash: 'a'.repeat(64) }, genesisHash),
  b: signVote(k, { chain: chainId, shard, height, round, kind: 'precommit', hash: 'b'.repeat(64) }, genesisHash),
});

/** The event of a step, through the block view a node stores; checked against the wire schema. */
function eventOf(t: import('ava').ExecutionContext, step: ChainStep | undefined): ConsensusEvent {
  if (step === undefined) throw new Error('the block did not close');
  const event = consensusEventOf(createBlockStore().add(step.block, step.result), step.result.consensus);
  const parsed = ConsensusEvent.safeParse(JSON.parse(JSON.stringify(event)));
  t.true(parsed.success, `block ${event.height}: ${JSON.stringify(parsed.error?.issues.slice(0, 2))}`);
  return event;
}

test('given a network’s blocks, then each event has its proposer, its proposal hash, the certificate it carries, evidence and stake changes', (t) => {
  const chain = newChain();
  const one = buildOn(chain, first);
  const e1 = eventOf(t, appendBlock(chain, one)[0]);
  t.like(e1, { height: 1, proposer: first.address, time: one.header.time, proposal: one.hash, commit: null, evidence: [], validators: [] });

  // Block 1 decided in round 2 by three of four; the fourth precommitted two blocks in round 1 of height 1.
  const two = buildOn(chain, second, { certificate: certificateOf(1, one.hash, [first, second, third], 2), evidence: [doubleSign(fourth, 1, 1)] });
  const e2 = eventOf(t, appendBlock(chain, two)[0]);
  t.is(e2.proposal, two.hash);
  t.deepEqual(e2.commit, {
    height: 1,
    round: 2,
    hash: one.hash,
    signers: [first, second, third].map((v) => ({ address: v.address, power })),
    power: '3000000',
    total: '4000000',
  });
  t.deepEqual(e2.evidence, [{ address: fourth.address, height: 1, kind: 'precommit', round: 1, burned: power }]);
  t.deepEqual(e2.validators, [{ address: fourth.address, before: power, after: '0' }], 'the slashed validator leaves the set');

  // The set that voted on block 2 still had the fourth; the owner stakes in block 3.
  const stake = JSON.stringify(signTx({ key: owner, op: { type: 'stake', amount: '500' }, nonce: 100, time: 1, chain: chainId, shard }));
  const three = buildOn(chain, third, { certificate: certificateOf(2, two.hash, [first, second, third]), txs: [stake] });
  const e3 = eventOf(t, appendBlock(chain, three)[0]);
  t.like(e3.commit, { height: 2, round: 0, power: '3000000', total: '4000000' });
  t.deepEqual(e3.validators, [{ address: owner.address, before: '0', after: '500' }]);

  // Block 3 was decided by the set after block 2: without the fourth.
  const four = buildOn(chain, first, { certificate: certificateOf(3, three.hash, [first, second, third]) });
  const e4 = eventOf(t, appendBlock(chain, four)[0]);
  t.like(e4.commit, { height: 3, power: '3000000', total: '3000000' });
  t.deepEqual(e4.evidence, []);
  t.deepEqual(e4.validators, []);
});

test('a certificate the ledger refuses is not shown; the block still has its event', (t) => {
  const chain = newChain();
  const one = buildOn(chain, first);
  appendBlock(chain, one);
  // Two of four is not more than 2/3: the commit is BAD_COMMIT.
  const two = buildOn(chain, second, { certificate: certificateOf(1, one.hash, [first, second]) });
  const [step] = appendBlock(chain, two);
  t.is(step?.result.outcomes[0]?.code, 'BAD_COMMIT');
  t.like(eventOf(t, step), { height: 2, proposer: second.address, commit: null });
});

test('a single node’s chain: no certificates; two attestations of one height are evidence of kind attest', (t) => {
  const [v1, v2] = [key(11), key(12)];
  const chain = new TestChain({
    chain: 'ain-test',
    owner: v1.address,
    accounts: { [v1.address]: { balance: '10', stake: '40' }, [v2.address]: { balance: '10', stake: '30' } },
    proposers: [v1.address],
    block: {},
  });
  chain.block([]);
  const hash = chain.blocks[0]!.hash;
  const { genesisHash: genesis } = chain.ledger;
  chain.block([chain.tx(v2, { type: 'attest', height: 1, hash: 'c'.repeat(64), genesis }), chain.tx(v2, { type: 'attest', height: 1, hash, genesis })]);
  const [b1, b2] = chain.blocks.map((b) => consensusEventOf({ hash: b.hash, header: b.header } as never, b.consensus));
  t.like(b1, { height: 1, proposer: v1.address, commit: null, evidence: [], validators: [] });
  t.deepEqual(b2!.evidence, [{ address: v2.address, height: 1, kind: 'attest', burned: '30' }]);
  t.deepEqual(b2!.validators, [{ address: v2.address, before: '30', after: '0' }]);
  t.true(ConsensusEvent.safeParse(b2).success);
});
