import type { ValidatorSet } from '../../schemas/index.ts';
import { powerIn } from './validatorSets.ts';

/**
 * When an idle node starts the height it waits for on its peers' account (it has no txs, no
 * deadline and no evidence of its own): once the signers of the messages it has had for that
 * height, or the next (their signers decided it), hold a third of the height's power or more —
 * the faulty hold less than a third, so at least one honest validator is there (and with three
 * equal validators, any one) — or once the height's round-0 proposer proposed (it
 * proposes only with work, or when it is faulty, and then only at its own heights). A single
 * validator's vote used to be enough, and a byzantine one, by voting for every next height, could
 * make an idle chain decide empty blocks without end.
 *
 * Not for a height further ahead: that is catch-up's, and a validator's vote for a height far
 * ahead would keep the chain from ever going idle. One tally, for the height waited for; a new one
 * starts with it. Plain data: the caller gives the set and says what each message was.
 * @example if (waking.heard(() => votingSetAt(ledger, waitingFor), waitingFor, vote.height, vote.from, false)) start()
 */
export class WakingPeers {
  #height = 0;
  readonly #signers = new Set<string>();
  #power = 0n;

  /**
   * A message of `height` signed by `signer`, a proposal of round 0 or not: whether to start
   * `waitingFor` now. `setOf()` gives that height's set (asked only for a message in range), or
   * null when the ledger has none.
   */
  heard(setOf: () => ValidatorSet | null, waitingFor: number, height: number, signer: string, roundZeroProposal: boolean): boolean {
    if (height < waitingFor || height > waitingFor + 1) return false;
    const set = setOf();
    if (set === null) return false;
    if (this.#height !== waitingFor) {
      this.#height = waitingFor;
      this.#signers.clear();
      this.#power = 0n;
    }
    if (roundZeroProposal && height === waitingFor && signer === set.proposer) return true;
    if (!this.#signers.has(signer)) {
      this.#signers.add(signer);
      this.#power += powerIn(set, signer);
    }
    const total = set.validators.reduce((sum, v) => sum + BigInt(v.power), 0n);
    return 3n * this.#power >= total;
  }
}
