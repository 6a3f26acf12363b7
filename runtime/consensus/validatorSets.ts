import { genesisSetOf, incrementProposerPriority, validatorSetOf, type Ledger } from '../../actors/index.ts';
import { currentValidatorSet, votingSetOf, type StateTree } from '../../projections/index.ts';
import type { ValidatorSet } from '../../schemas/index.ts';

/**
 * The validator set that decides block `height`, from the stakes of the state after block
 * `height − 1`: CometBFT's weighted round robin started from those stakes and run once per
 * height, so the proposer of round 0 moves on every height and every node that applied the same
 * blocks computes the same set. Until the priorities are kept in the state tree, a stake change
 * restarts them from the new stakes (still the same on every node).
 * @example validatorSetAt(chain.ledger.tree, chain.ledger.height + 1)
 */
export function validatorSetAt(tree: StateTree, height: number): ValidatorSet {
  return setOfStakes(currentValidatorSet(tree).stakes, height);
}

function setOfStakes(powers: ReadonlyMap<string, bigint>, height: number): ValidatorSet {
  const stakes = [...powers]
    .filter(([, stake]) => stake > 0n)
    .map(([address, stake]) => ({ address, power: stake.toString() }))
    .sort((a, b) => (a.address < b.address ? -1 : 1));
  const first = validatorSetOf(stakes);
  return height <= 1 ? first : incrementProposerPriority(first, height - 1);
}

/**
 * The validator set that decided block `height`, an applied one, as the ledger recorded it: the set
 * after block `height − 1`, not the one after `height` (`validatorSetAt` of the ledger now), which
 * differs once a block changes a stake or slashes. Null once the ledger pruned that record.
 * @example const voted = votingSetAt(chain.ledger, chain.ledger.height)
 */
export function votingSetAt(ledger: Ledger, height: number): ValidatorSet | null {
  const set = votingSetOf(ledger.tree, height, () => genesisSetOf(ledger));
  return set === null ? null : setOfStakes(set.stakes, height);
}

/** Voting power of `address` in `set` (0 for none). */
export const powerIn = (set: ValidatorSet, address: string): bigint => BigInt(set.validators.find((v) => v.address === address)?.power ?? '0');
