import { genesisSetOf, readValidatorsAt, validatorSetOf, type Ledger } from '../../actors/index.ts';
import { currentValidatorSet, votingSetOf, type StateTree } from '../../projections/index.ts';
import { AinError, type ValidatorSet } from '../../schemas/index.ts';
import type { GossipView } from './consensusGossip.ts';

/**
 * The validator set that decides block `height` (the chain's next), with CometBFT's proposer
 * priorities, as the ledger's fold keeps it in the state tree: the set of the last height with
 * that block's stake changes and one more run of the weighted round robin. O(validators). Throws
 * INTERNAL when the ledger holds none: a height not reached, or no stake left on the chain.
 * @example validatorSetAt(chain.ledger.tree, chain.ledger.height + 1)
 */
export function validatorSetAt(tree: StateTree, height: number): ValidatorSet {
  const set = readValidatorsAt(tree, height);
  if (set === null) {
    throw new AinError(
      'INTERNAL',
      `The ledger holds no validator set of height ${height}: it is not the chain's next height, or no stake is left to decide it.`,
    );
  }
  return set;
}

/**
 * The validator set that decided block `height`, an applied one, as the ledger recorded it: the set
 * after block `height − 1`, not the one after `height` (`validatorSetAt` of the ledger now), which
 * differs once a block changes a stake or slashes. Null once the ledger pruned it with that
 * height's block record (block 1's set comes from the genesis).
 * @example const voted = votingSetAt(chain.ledger, chain.ledger.height)
 */
export function votingSetAt(ledger: Ledger, height: number): ValidatorSet | null {
  const set = readValidatorsAt(ledger.tree, height);
  if (set !== null || height !== 1) return set;
  return validatorSetOf([...genesisSetOf(ledger).stakes].map(([address, stake]) => ({ address, power: stake.toString() })));
}

/**
 * Whether `address` held power in the set that voted (or votes) on `height`: an applied height or
 * the chain's next. Undefined when the ledger cannot say: a height past the next, or one whose
 * set it pruned. What evidence of a past height is judged by, as the ledger's fold judges it: a
 * validator that left the set since still answers for what it signed while it was in it.
 * @example if (wasValidatorAt(chain.ledger, evidence.a.from, evidence.a.height) === false) reject()
 */
export function wasValidatorAt(ledger: Ledger, address: string, height: number): boolean | undefined {
  const stakes = stakesAt(ledger, height);
  return stakes === null ? undefined : (stakes.get(address) ?? 0n) > 0n;
}

function stakesAt(ledger: Ledger, height: number): ReadonlyMap<string, bigint> | null {
  if (height > ledger.height + 1) return null;
  // The next block's height: its set is the current one, recorded only when that block begins.
  const set = height === ledger.height + 1 ? currentValidatorSet(ledger.tree) : votingSetOf(ledger.tree, height, () => genesisSetOf(ledger));
  return set?.stakes ?? null;
}

/**
 * `wasValidatorAt` that keeps the last set it read, for one ledger height: a gossip validator asks
 * of one height again and again (each piece of evidence a peer sends, well signed or not), and a
 * set is up to a thousand stakes read from the state tree.
 * @example const wasValidator = wasValidatorAtKept(); wasValidator(chain.ledger, address, 9)
 */
export function wasValidatorAtKept(): (ledger: Ledger, address: string, height: number) => boolean | undefined {
  let kept: { ledger: Ledger; ledgerHeight: number; height: number; stakes: ReadonlyMap<string, bigint> | null } | undefined;
  return (ledger, address, height) => {
    if (kept?.ledger !== ledger || kept.ledgerHeight !== ledger.height || kept.height !== height) {
      kept = { ledger, ledgerHeight: ledger.height, height, stakes: stakesAt(ledger, height) };
    }
    return kept.stakes === null ? undefined : (kept.stakes.get(address) ?? 0n) > 0n;
  };
}

/**
 * The height a node's consensus gossip is judged at, and whether a signer is a validator of it
 * (what `GossipView.height` and `isValidator` answer). The machine's height and set while it is at
 * or past the ledger's; the ledger's next height and the stakes of the set the ledger keeps for it
 * (the same validators the machine would start that height with) when the machine lags: it has
 * not begun a height yet (a node started or restarted, once it has read its log: before, nothing
 * is judged but as at height 0, all of it ignored) or catch-up appended blocks past the height it
 * decided while it waited. So its peers' messages for that height reach such a node (a third of
 * the power there, or the round-0 proposer, starts it: WakingPeers), and its validators' messages
 * for later heights tell its catch-up who is ahead — not dropped as signed by no validator of the
 * machine's placeholder set, or of a set that changed since.
 * @example createConsensusGossip(transport, { chain, shard, genesis, ...judgedAt(state, () => chain.ledger, caughtUp), wasValidatorAt }, onRefused, n)
 */
export function judgedAt(
  machine: () => { readonly height: number; readonly validators: ValidatorSet },
  ledger: () => Ledger,
  caughtUp: () => boolean,
): Pick<GossipView, 'height' | 'isValidator'> {
  const nextHas = wasValidatorAtKept();
  const lags = (height: number, at: Ledger) => (height === 0 ? caughtUp() : height < at.height);
  return {
    height() {
      const { height } = machine();
      const at = ledger();
      return lags(height, at) ? at.height + 1 : height;
    },
    isValidator(address) {
      const { height, validators } = machine();
      const at = ledger();
      if (!lags(height, at)) return validators.validators.some((v) => v.address === address);
      return nextHas(at, address, at.height + 1) === true;
    },
  };
}
