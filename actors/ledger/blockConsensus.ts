import type { CertifiedCommit, ValidatorSet } from '../../projections/index.ts';
import type { VoteKind } from '../../schemas/index.ts';

/**
 * What a slashed validator did: two signed votes for one (height, round, kind) with different
 * hashes, or two attestations of different headers for one height (`attest`, no round).
 */
export interface Offence {
  readonly height: number;
  readonly kind: VoteKind | 'attest';
  readonly round?: number;
}

/** One validator whose voting power a block changed: before and after it (0: not in the set). */
export interface StakeChange {
  readonly address: string;
  readonly before: bigint;
  readonly after: bigint;
}

/**
 * What a block did in consensus, folded with it (so a replay of the log gives it again): the
 * proposal hash a network's validators vote on for it, the certificate of the previous block it
 * carried (a `commit` that held), the validators its evidence slashed, and the voting power it
 * changed, which the set deciding the next height has.
 */
export interface BlockConsensus {
  readonly proposalHash: string;
  readonly commit: CertifiedCommit | null;
  readonly evidence: readonly (Offence & { readonly address: string; readonly burned: bigint })[];
  readonly validators: readonly StakeChange[];
}

/**
 * The validators whose power differs between two sets, in address order.
 * @example stakeChanges(before, after) // [{ address: '0x…', before: 10n, after: 0n }]
 */
export function stakeChanges(before: ValidatorSet, after: ValidatorSet): StakeChange[] {
  const changes: StakeChange[] = [];
  for (const [address, was] of before.stakes) {
    const now = after.stakes.get(address) ?? 0n;
    if (was !== now) changes.push({ address, before: was, after: now });
  }
  for (const [address, now] of after.stakes) if (!before.stakes.has(address)) changes.push({ address, before: 0n, after: now });
  return changes.sort((a, b) => (a.address < b.address ? -1 : 1));
}
