import type { Ledger } from '../../actors/index.ts';
import { readAccount } from '../../projections/index.ts';
import type { Evidence } from '../../schemas/index.ts';
import { wasValidatorAt } from './validatorSets.ts';

/** How many equivocations a pool holds at most: more than a set's worth of offenders is noise. */
export const defaultMaxEvidence = 64;

export interface EvidencePool {
  /**
   * Holds evidence once per (validator, height, round, kind); false when known, the pool is full,
   * or a block would not act on it now, by `ledger`: what `pending` would drop at once (e.g. a
   * height past the next: a peer's evidence of heights far ahead is not held, nor logged as held).
   */
  add(evidence: Evidence, ledger: Ledger): boolean;
  /**
   * What a block may still commit, at most one per validator, oldest first: evidence the ledger
   * would act on. The rest (its validator slashed already, i.e. a block committed it; nothing left
   * to burn; no validator of that height; a height the ledger cannot judge) is dropped.
   */
  pending(ledger: Ledger): Evidence[];
  readonly size: number;
}

const keyOf = ({ a }: Evidence) => `${a.from}:${a.height}:${a.round}:${a.kind}`;

/**
 * Whether the ledger, applying the chain's next block, would burn stake for this evidence (its
 * signatures were checked when it came in): the same checks as the ledger's `evidence` fold.
 */
function slashable(ledger: Ledger, { a }: Evidence): boolean {
  const account = readAccount(ledger.tree, a.from);
  if (account.slashed || account.stake + account.unbonding === 0n) return false;
  return wasValidatorAt(ledger, a.from, a.height) === true;
}

/**
 * The equivocations a validator holds until a block commits them: from its own consensus
 * machine and from peers' gossip (whose validator checked signatures and membership). Bounded
 * and deduplicated; what a proposer puts in its block is asked of it with the ledger at hand.
 * @example const pool = createEvidencePool(); pool.add(evidence); buildBlock({ ..., evidence: pool.pending(chain.ledger) })
 */
export function createEvidencePool(maxEvidence = defaultMaxEvidence): EvidencePool {
  const held = new Map<string, Evidence>();
  return {
    add(evidence, ledger) {
      const key = keyOf(evidence);
      if (held.has(key) || held.size >= maxEvidence || !slashable(ledger, evidence)) return false;
      held.set(key, evidence);
      return true;
    },
    pending(ledger) {
      const out: Evidence[] = [];
      const offenders = new Set<string>();
      for (const [key, evidence] of held) {
        if (!slashable(ledger, evidence)) held.delete(key);
        else if (!offenders.has(evidence.a.from)) {
          offenders.add(evidence.a.from);
          out.push(evidence);
        }
      }
      return out;
    },
    get size() {
      return held.size;
    },
  };
}

/**
 * How often a node gossips again the evidence it holds and no block has committed yet: gossip can
 * lose a message, and a node that never proposes (a follower, the parent of a shard that reported
 * it) has no other way to get it into a block.
 */
export const evidenceRegossipMs = 5_000;

/**
 * Gossips a pool's pending evidence again in rounds every `everyMs`, until a block commits it (`pending`
 * drops it then); `tick` is called often (the consensus service's idle check).
 * @example const again = createEvidenceRegossip(pool, (e) => gossip.publish({ evidence: e }), Date.now); again.tick(chain.ledger)
 */
export function createEvidenceRegossip(
  pool: EvidencePool,
  publish: (evidence: Evidence) => void,
  now: () => number,
  everyMs = evidenceRegossipMs,
): { tick(ledger: Ledger): void } {
  let lastMs = now();
  return {
    tick(ledger) {
      const t = now();
      if (t - lastMs < everyMs) return;
      lastMs = t;
      if (pool.size > 0) for (const evidence of pool.pending(ledger)) publish(evidence);
    },
  };
}
