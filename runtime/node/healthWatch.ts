import type { Logger } from 'pino';
import type { EventLog } from '../../log/index.ts';
import { readAccount, readBlockRecord, readFinalized, readValidatorSet, type StateTree } from '../../projections/index.ts';
import type { HealthProblem, HealthProblemCode } from '../../schemas/index.ts';
import type { ConsensusStall } from '../consensus/index.ts';

/** How long blocks may wait for finality after a later block was cut before it is a problem. */
export const finalityStallMs = 10_000;
/** How often the watch looks (and says in the log what appeared and what cleared). */
const watchEveryMs = 5_000;

export interface HealthWatchOptions {
  readonly logger: Logger;
  readonly now: () => number;
  /** The node's validator key. */
  readonly address: string;
  readonly log: Pick<EventLog, 'outage'>;
  readonly ledger: { readonly tree: StateTree; readonly height: number };
  /** The time of block `height` the node holds, if it does. */
  readonly blockTime: (height: number) => number | undefined;
  /**
   * A network validator's consensus: its stalls are its problem (it says them in the log itself),
   * and its blocks are final once decided. Absent on a node whose blocks are final once attested
   * (one node, a Kafka cluster).
   */
  readonly consensus?: { stalled(): ConsensusStall | undefined };
}

export interface HealthWatch {
  /** What keeps the node from its work now (`GET /v1/health`'s `problems`). */
  problems(): HealthProblem[];
  start(): void;
  stop(): void;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * What keeps a node that answers from its work, for `GET /v1/health` and the log: its Kafka
 * brokers not answering, consensus stuck at a height (and whose votes it lacks), blocks not final
 * for `finalityStallMs` after a later block was cut (and whose attestations the first lacks: on a
 * Kafka cluster a validator that is down, or on another topic, stops finality without a word),
 * its own key slashed. Every `watchEveryMs` it says in the log what appeared (warn) and what
 * cleared (info), but for consensus stalls, which the consensus service says itself.
 * @example const watch = createHealthWatch({ logger, now, address, log, ledger, blockTime }); watch.start()
 */
export function createHealthWatch(options: HealthWatchOptions): HealthWatch {
  const { logger, now, address, log, ledger, blockTime, consensus } = options;

  const finalityStall = (): HealthProblem | undefined => {
    const finalized = readFinalized(ledger.tree).height;
    // An idle chain's last block waits for the next one to carry its attestations: one block not final is no stall.
    if (ledger.height < finalized + 2) return undefined;
    const cutMs = blockTime(finalized + 2);
    if (cutMs === undefined || now() - cutMs < finalityStallMs) return undefined;
    const first = finalized + 1;
    const record = readBlockRecord(ledger.tree, first);
    if (record === null) return undefined;
    const set = readValidatorSet(ledger.tree, record.set);
    const missing = [...set.stakes.keys()].filter((v) => record.votes?.[v] === undefined).sort();
    return {
      code: 'FINALITY_STALLED',
      message: `Blocks ${first} to ${ledger.height} are not final: block ${first} holds attestations of ${record.power} of ${set.total} stake, and finality needs more than 2/3 of it; ${seconds(now() - cutMs)} after block ${first + 1} was cut, no attestation from ${missing.join(', ') || 'none missing'} reached the log. Are those validators running, on this chain's log?`,
      since: cutMs,
      missing,
    };
  };

  const problems = (): HealthProblem[] => {
    const out: HealthProblem[] = [];
    const outage = log.outage?.();
    if (outage !== undefined)
      out.push({ code: 'LOG_UNAVAILABLE', message: `${outage.message}; since then the node takes no tx and cuts no block.`, since: outage.sinceMs });
    const stall = consensus?.stalled();
    if (stall !== undefined) {
      const why = stall.quorumHeard
        ? 'validators with more than 2/3 of the power voted in it'
        : `the validators heard from hold ${stall.heard} of ${stall.total} power, and a decision needs more than 2/3: are ${stall.unheard.join(', ')} running and reachable?`;
      out.push({
        code: 'CONSENSUS_STALLED',
        message: `No block decided at height ${stall.height} for ${seconds(now() - stall.sinceMs)} (round ${stall.round}, ${stall.step}): ${why}`,
        since: stall.sinceMs,
        missing: [...stall.unheard],
      });
    }
    if (consensus === undefined) {
      const finality = finalityStall();
      if (finality !== undefined) out.push(finality);
    }
    if (readAccount(ledger.tree, address).slashed) {
      out.push({
        code: 'VALIDATOR_SLASHED',
        message: `This node's key ${address} was slashed for signing two conflicting votes or attestations: its stake is burned, and it no longer proposes, votes or attests.`,
      });
    }
    return out;
  };

  let said = new Map<HealthProblemCode, HealthProblem>();
  const look = () => {
    const now = new Map(problems().map((p) => [p.code, p]));
    for (const [code, problem] of now) {
      if (!said.has(code) && code !== 'CONSENSUS_STALLED') logger.warn({ problem: code, missing: problem.missing, since: problem.since }, problem.message);
    }
    for (const code of said.keys()) {
      if (!now.has(code) && code !== 'CONSENSUS_STALLED') logger.info({ problem: code }, 'cleared: ' + said.get(code)!.message);
    }
    said = now;
  };

  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    problems,
    start() {
      timer ??= setInterval(look, watchEveryMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
