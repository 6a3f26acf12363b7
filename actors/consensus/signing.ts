import type { LastSigned } from '../../schemas/index.ts';
import type { ConsensusState } from './consensusTypes.ts';

const stepOrder = { propose: 0, prevote: 1, precommit: 2 } as const;

/** Where a signature falls in a validator's (height, round, step) order: negative when `a` is before `b`, 0 at the same step, positive after. */
export function signingOrder(a: Pick<LastSigned, 'height' | 'round' | 'step'>, b: Pick<LastSigned, 'height' | 'round' | 'step'>): number {
  return a.height - b.height || a.round - b.round || stepOrder[a.step] - stepOrder[b.step];
}

/**
 * Whether a node that last signed `last` may sign at (height, round, step) for `hash`: only
 * later in (height, round, step) order, or the very vote it signed last again (so a restarted
 * node can resend it). Never a second proposal for one round.
 * @example maySign({ height: 5, round: 1, step: 'precommit', hash: h, lockedRound: 1, lockedHash: h }, 5, 1, 'prevote', h) // false
 */
export function maySign(last: LastSigned | null, height: number, round: number, step: LastSigned['step'], hash: string | null): boolean {
  if (last === null) return true;
  const order = signingOrder({ height, round, step }, last);
  return order !== 0 ? order > 0 : step !== 'propose' && hash === last.hash;
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
