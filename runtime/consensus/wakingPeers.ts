import type { ValidatorSet } from '../../schemas/index.ts';

/** Who signed messages of one height, and who of them proposed in its round 0. */
interface Tally {
  readonly signers: Set<string>;
  readonly roundZero: Set<string>;
}

/**
 * When an idle node starts the height it waits for on its peers' account (it has no txs, no
 * deadline and no evidence of its own): once the signers of the messages it has had for that
 * height, or the next (their signers decided it), hold a third of the height's power or more —
 * the faulty hold less than a third, so at least one honest validator is there (and with three
 * equal validators, any one) — or once the height's round-0 proposer proposed (it proposes only
 * with work, or when it is faulty, and then only at its own heights). A single validator's vote
 * used to be enough, and a byzantine one, by voting for every next height, could make an idle
 * chain decide empty blocks without end.
 *
 * Messages are noted as they come, also while the node still appends the block before (so before
 * it waits): a node that learns it has nothing to do right after its peers' proposal and votes
 * went by starts at once, as it did when one message was enough, rather than falling a height
 * behind. Noted for the two heights after the ledger's only; a height further ahead is
 * catch-up's, and a validator's vote for a height far ahead would keep the chain from ever going
 * idle. Plain data: the caller gives the ledger's height, the set and says what each message was.
 * @example waking.heard(ledger.height, vote.height, vote.from, false); if (waking.wakes(waitingFor, () => votingSetAt(ledger, waitingFor))) start()
 */
export class WakingPeers {
  readonly #heights = new Map<number, Tally>();
  /** The last answer of `wakes`, until a message adds to a tally: an idle node asks on every check of its work. */
  #answer: { readonly waitingFor: number; readonly wakes: boolean } | undefined;

  /** A message of `height` signed by `signer`, a proposal of round 0 or not, with the ledger at height `applied`. */
  heard(applied: number, height: number, signer: string, roundZeroProposal: boolean): void {
    for (const noted of this.#heights.keys()) if (noted <= applied) this.#heights.delete(noted);
    if (height <= applied || height > applied + 2) return;
    let tally = this.#heights.get(height);
    if (tally === undefined) {
      tally = { signers: new Set(), roundZero: new Set() };
      this.#heights.set(height, tally);
    }
    if (tally.signers.has(signer) && (!roundZeroProposal || tally.roundZero.has(signer))) return;
    tally.signers.add(signer);
    if (roundZeroProposal) tally.roundZero.add(signer);
    this.#answer = undefined;
  }

  /**
   * Whether to start `waitingFor` on the peers' account now. `setOf()` gives that height's set,
   * or null when the ledger has none; it is asked only once some peer is at that height or the
   * next, and again only after a message added to what was noted.
   */
  wakes(waitingFor: number, setOf: () => ValidatorSet | null): boolean {
    if (this.#answer?.waitingFor !== waitingFor) this.#answer = { waitingFor, wakes: this.#judge(waitingFor, setOf) };
    return this.#answer.wakes;
  }

  #judge(waitingFor: number, setOf: () => ValidatorSet | null): boolean {
    const at = this.#heights.get(waitingFor);
    const next = this.#heights.get(waitingFor + 1);
    if (at === undefined && next === undefined) return false;
    const set = setOf();
    if (set === null) return false;
    if (at?.roundZero.has(set.proposer) === true) return true;
    const powers = new Map(set.validators.map((v) => [v.address, BigInt(v.power)]));
    const total = [...powers.values()].reduce((sum, power) => sum + power, 0n);
    let power = 0n;
    for (const signer of new Set([...(at?.signers ?? []), ...(next?.signers ?? [])])) power += powers.get(signer) ?? 0n;
    return 3n * power >= total;
  }
}
