import test from 'ava';
import { initialConsensusState } from '../../../actors/consensus/index.ts';
import { type Chain } from '../../../actors/index.ts';
import { signTx, signVote, type KeyPair } from '../../../log/index.ts';
import { judgeConsensusMessage } from '../../../runtime/consensus/consensusGossip.ts';
import { judgedAt, validatorSetAt, votingSetAt, wasValidatorAt, wasValidatorAtKept } from '../../../runtime/consensus/validatorSets.ts';
import type { Certificate, Evidence, ProposedBlock, ValidatorSet } from '../../../schemas/index.ts';
import { appendBlock, buildOn, certificateOf, chainId, genesisHash, newChain, owner, shard, validators, validatorSet } from '../../actors/chain/proposals.ts';

// The set a certificate of an applied block is checked against is the one that voted on it, not
// the one after it: they differ once the block slashed a validator.

const [first, second, , fourth] = validators as [KeyPair, KeyPair, KeyPair, KeyPair];

function propose(chain: Chain, proposer: KeyPair, certificate: Certificate | null, evidence: readonly Evidence[] = []): ProposedBlock {
  return buildOn(chain, proposer, { certificate, evidence, txs: [], nonce: 1 });
}

const addressesOf = (set: { validators: readonly { address: string }[] } | null) => set?.validators.map((v) => v.address) ?? [];

test('after a block that slashed a validator, votingSetAt of that block still holds it; validatorSetAt of the next does not; wasValidatorAt says so per height', (t) => {
  const chain = newChain();
  const one = propose(chain, first, null);
  appendBlock(chain, one);
  const kept = wasValidatorAtKept();
  t.true(kept(chain.ledger, fourth.address, 2), 'before the slash, in the set of the next height');
  const evidence: Evidence = {
    a: signVote(fourth, { chain: chainId, shard, height: 1, round: 0, kind: 'precommit', hash: 'a'.repeat(64) }, genesisHash),
    b: signVote(fourth, { chain: chainId, shard, height: 1, round: 0, kind: 'precommit', hash: 'b'.repeat(64) }, genesisHash),
  };
  appendBlock(chain, propose(chain, second, certificateOf(1, one.hash), [evidence]));
  t.is(chain.ledger.height, 2);
  const all = validators.map((v) => v.address);
  t.deepEqual(addressesOf(votingSetAt(chain.ledger, 1)), all, 'block 1: the genesis set');
  t.deepEqual(addressesOf(votingSetAt(chain.ledger, 2)), all, 'block 2 was voted on before the slash');
  t.deepEqual(
    addressesOf(validatorSetAt(chain.ledger.tree, 3)),
    all.filter((a) => a !== fourth.address),
    'block 3 is decided without it',
  );
  // Evidence is judged by the set of its height: the validator answers for heights 1 and 2 still.
  t.deepEqual(
    [1, 2, 3, 4].map((height) => wasValidatorAt(chain.ledger, fourth.address, height)),
    [true, true, false, undefined],
    'in the sets of blocks 1 and 2; not in the next; no set of a height past it',
  );
  t.is(wasValidatorAt(chain.ledger, owner.address, 2), false);
  t.deepEqual(
    [2, 3, 3, 2].map((height) => kept(chain.ledger, fourth.address, height)),
    [true, false, false, true],
    'the kept set follows the ledger: read again once it moved, and for another height',
  );
});

test('validatorSetAt reads the set the ledger keeps for the next height; votingSetAt of an applied height is the set that decided it', (t) => {
  const chain = newChain();
  t.deepEqual(validatorSetAt(chain.ledger.tree, 1), validatorSet, 'block 1: the genesis stakes as a new set');
  const decidedBy = [validatorSetAt(chain.ledger.tree, 1)];
  const one = propose(chain, first, null);
  appendBlock(chain, one);
  decidedBy.push(validatorSetAt(chain.ledger.tree, 2));
  const stake = JSON.stringify(signTx({ key: owner, op: { type: 'stake', amount: '3000000' }, nonce: 1, time: 1, chain: chainId, shard }));
  const proposerOfTwo = validators.find((v) => v.address === decidedBy[1]!.proposer)!;
  const two = buildOn(chain, proposerOfTwo, { certificate: certificateOf(1, one.hash), txs: [stake] });
  appendBlock(chain, two);
  t.is(chain.ledger.height, 2);
  t.deepEqual([votingSetAt(chain.ledger, 1), votingSetAt(chain.ledger, 2)], decidedBy);
  t.false(addressesOf(decidedBy[1]!).includes(owner.address));
  const three = validatorSetAt(chain.ledger.tree, 3);
  t.true(addressesOf(three).includes(owner.address), 'the stake counts from the next height');
  t.not(three.proposer, owner.address, 'a newcomer does not propose at once');
  t.throws(() => validatorSetAt(chain.ledger.tree, 4), { message: /no validator set of height 4/ });
  t.is(votingSetAt(chain.ledger, 4), null);
});

test('gossip is judged at the ledger’s next height with its set while the machine lags (not started, or left behind by catch-up): a restarted node takes its peers’ votes, and later heights as hints; before it has read its log, nothing', (t) => {
  const chain = newChain();
  const one = propose(chain, first, null);
  appendBlock(chain, one);
  const unstarted = initialConsensusState({ self: first.address });
  let machine: { height: number; validators: ValidatorSet } = unstarted;
  let caughtUp = false;
  const standing = judgedAt(
    () => machine,
    () => chain.ledger,
    () => caughtUp,
  );
  const view = { chain: chainId, shard, genesis: genesisHash, ...standing, wasValidatorAt: (a: string, h: number) => wasValidatorAt(chain.ledger, a, h) };
  const vote = (key: KeyPair, height: number) =>
    new TextEncoder().encode(
      JSON.stringify({ n: 1, vote: signVote(key, { chain: chainId, shard, height, round: 0, kind: 'prevote', hash: 'c'.repeat(64) }, genesisHash) }),
    );
  const judged = (key: KeyPair, heights: number[]) => heights.map((height) => judgeConsensusMessage('votes', vote(key, height), view).validation);

  t.is(standing.height(), 0, 'reading its log: as before any height');
  t.deepEqual(judged(second, [2, 4]), ['ignore', 'ignore'], 'so nothing is decoded and checked for nothing');
  caughtUp = true;
  t.is(standing.height(), 2, 'the ledger’s next height, not 0');
  t.true(standing.isValidator(second.address));
  t.false(standing.isValidator(owner.address), 'no validator of height 2');
  t.false(standing.isValidator(unstarted.validators.proposer), 'not the machine’s placeholder set');
  t.deepEqual(
    judged(second, [1, 2, 4]),
    ['ignore', 'accept', 'keep'],
    'past; the next height (delivered: it starts the waiting node); ahead (a hint for catch-up)',
  );
  t.deepEqual(
    judged(owner, [2]),
    ['ignore'],
    'a stranger to the next height’s set: not passed on (nor counted against the peer: one a height behind may hold it a validator)',
  );

  machine = { height: 2, validators: validatorSetAt(chain.ledger.tree, 2) };
  t.is(standing.height(), 2, 'started: the machine’s height');
  // Block 2, appended by catch-up while the machine waited after height 2, slashes the fourth validator.
  const evidence: Evidence = {
    a: signVote(fourth, { chain: chainId, shard, height: 1, round: 0, kind: 'precommit', hash: 'a'.repeat(64) }, genesisHash),
    b: signVote(fourth, { chain: chainId, shard, height: 1, round: 0, kind: 'precommit', hash: 'b'.repeat(64) }, genesisHash),
  };
  const two = propose(chain, second, certificateOf(1, one.hash), [evidence]);
  appendBlock(chain, two);
  t.is(standing.height(), 2, 'a machine that decided the ledger’s height: still its own');
  appendBlock(chain, propose(chain, first, certificateOf(2, two.hash)));
  t.is(chain.ledger.height, 3);
  t.is(standing.height(), 4, 'a machine left behind: the ledger’s next height');
  t.true(
    machine.validators.validators.some((v) => v.address === fourth.address),
    'whose set the machine still holds the slashed validator in',
  );
  t.deepEqual(judged(fourth, [4, 5]), ['ignore', 'ignore'], 'judged by the set after the slash (a stranger there: not passed on)');
  t.deepEqual(judged(second, [4]), ['accept']);
});
