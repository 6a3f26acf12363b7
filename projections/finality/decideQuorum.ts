import { currentValidatorSet, readAccount, readValidatorSet } from '../accounts/index.ts';
import type { StateTree } from '../state/index.ts';
import { readBlockRecord, readFinalized } from './finality.ts';

/** The ledger as a proposer reads it before it cuts for a quorum. */
export interface QuorumLedgerView {
  readonly tree: StateTree;
  /** The last block the ledger applied. */
  readonly height: number;
  /** That block's hash (the ledger records it only when the next block starts). */
  readonly lastHash: string;
}

/**
 * Whether block `height` becomes final once the `waiting` votes (validator → attested hash: in
 * the log beyond the last block, not applied yet) are applied after those the ledger holds:
 * counted as applyAttest counts them (the first vote of each validator, for the block's own
 * hash, with its stake in the block's set, not slashed), past 2/3 of the set's stake. The last
 * block applied is counted with the current set, the one its record will get. So a proposer cuts
 * at once for the vote that completes a quorum, not for each vote on its way there.
 * @example decideQuorum({ tree, height: 7, lastHash }, 7, new Map([[a, lastHash], [b, lastHash]])) // true when a and b hold > 2/3
 */
export function decideQuorum(view: QuorumLedgerView, height: number, waiting: ReadonlyMap<string, string>): boolean {
  const { tree } = view;
  if (height < 1 || height > view.height || height <= readFinalized(tree).height) return false;
  const record = readBlockRecord(tree, height);
  if (record === null && height !== view.height) return false; // pruned: too old to count
  const hash = record?.hash ?? view.lastHash;
  const set = record === null ? currentValidatorSet(tree) : readValidatorSet(tree, record.set);
  let power = record === null ? 0n : BigInt(record.power);
  for (const [from, voted] of waiting) {
    if (voted !== hash || record?.votes?.[from] !== undefined) continue;
    const stake = set.stakes.get(from) ?? 0n;
    if (stake > 0n && !readAccount(tree, from).slashed) power += stake;
  }
  return 3n * power > 2n * set.total;
}
