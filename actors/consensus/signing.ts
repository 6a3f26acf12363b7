import type { LastSigned } from '../../schemas/index.ts';
import type { ConsensusState } from './consensusTypes.ts';

const stepOrder = { propose: 0, prevote: 1, precommit: 2 } as const;

/**
 * Whether a node that last signed `last` may sign at (height, round, step) for `hash`: only
 * later in (height, round, step) order, or the very vote it signed last again (so a restarted
 * node can resend it). Never a second proposal for one round.
 * @example maySign({ height: 5, round: 1, step: 'precommit', hash: h, lockedRound: 1, lockedHash: h }, 5, 1, 'prevote', h) // false
 */
export function maySign(last: LastSigned | null, height: number, round: number, step: LastSigned['step'], hash: string | null): boolean {
  if (last === null) return true;
  if (height !== last.height) return height > last.height;
  if (round !== last.round) return round > last.round;
  if (stepOrder[step] !== stepOrder[last.step]) return stepOrder[step] > stepOrder[last.step];
  return step !== 'propose' && hash === last.hash;
}

/** The record to sync before signing at the state's height and round: what is signed, and the lock. */
export function lastSignedOf(state: ConsensusState, step: LastSigned['step'], hash: string | null): LastSigned {
  return {
    height: state.height,
    round: state.round,
    step,
    hash,
    lockedRound: state.locked?.round ?? -1,
    lockedHash: state.locked?.hash ?? null,
  };
}
