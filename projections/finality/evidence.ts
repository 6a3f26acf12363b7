import { checkConsensusSignature } from '../../log/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { readAccount, slash, type ValidatorSet } from '../accounts/index.ts';
import { ok, refuse, type Outcome, type StateTree } from '../state/index.ts';
import { votingSetOf } from './commit.ts';

/** The block an `evidence` op is applied in. */
export interface EvidenceContext {
  readonly chain: string;
  readonly shard: string;
  /** The chain's genesis hash, which its votes sign: votes of another chain of this name and path are no evidence here. */
  readonly genesis: string;
  /** The height of the block being applied: evidence of a later height cannot exist yet. */
  readonly height: number;
  /** The genesis validator set, the one that voted on block 1 (asked for only then). */
  readonly genesisSet: () => ValidatorSet;
}

/** What an `evidence` op came to, and what it burned. */
export interface EvidenceResult {
  readonly outcome: Outcome;
  readonly slashed?: { readonly address: string; readonly amount: bigint };
}

/**
 * `evidence`: two signed votes of one validator for one (height, round, kind) with different
 * hashes (the schema already holds them to one slot and two hashes). Checked here against this
 * chain, the set that voted on that height and the votes' signatures, cheap checks first; the
 * validator's stake and unbonding AIN are burned and it leaves the validator set for good (it may
 * not stake again). Evidence against a validator slashed already is ALREADY_SLASHED, whatever
 * the round, so one offence never burns twice. Pure: signatures verify the same everywhere.
 * @example const { outcome, slashed } = applyEvidence(tree, op, { chain, shard, height: 9, genesisSet })
 */
export function applyEvidence(tree: StateTree, op: OpOf<'evidence'>, ctx: EvidenceContext): EvidenceResult {
  const { a, b } = op.evidence;
  const offender = a.from;
  const bad = (why: string): EvidenceResult => ({ outcome: refuse('BAD_EVIDENCE', `The evidence against ${offender} does not hold: ${why}.`) });
  if (a.chain !== ctx.chain || a.shard !== ctx.shard) return bad(`its votes are for chain ${a.chain} shard ${a.shard}, not ${ctx.chain} shard ${ctx.shard}`);
  if (a.height > ctx.height) return bad(`its votes are for height ${a.height}, which this chain (at block ${ctx.height}) has not reached`);
  const set = votingSetOf(tree, a.height, ctx.genesisSet);
  if (set === null) {
    return {
      outcome: refuse('EVIDENCE_EXPIRED', `The ledger no longer keeps the validator set of height ${a.height}, so evidence of it cannot be judged.`),
    };
  }
  if ((set.stakes.get(offender) ?? 0n) === 0n) {
    return { outcome: refuse('NOT_VALIDATOR', `${offender} had no stake in the validator set of height ${a.height}.`) };
  }
  if (!checkConsensusSignature(a, ctx.genesis) || !checkConsensusSignature(b, ctx.genesis)) {
    return bad(`a vote is not signed by ${offender}'s key for this chain (genesis ${ctx.genesis.slice(0, 16)}…)`);
  }
  const account = readAccount(tree, offender);
  if (account.slashed) return { outcome: refuse('ALREADY_SLASHED', `${offender} was slashed already; this evidence changes nothing.`) };
  if (account.stake + account.unbonding === 0n) return { outcome: refuse('NOTHING_TO_SLASH', `${offender} has no stake left to slash.`) };
  const amount = slash(tree, offender);
  return { outcome: ok, slashed: { address: offender, amount } };
}
