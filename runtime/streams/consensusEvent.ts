import type { BlockConsensus } from '../../actors/index.ts';
import type { ConsensusEvent } from '../../schemas/index.ts';
import type { BlockView } from '../blocks/index.ts';

/**
 * The `consensus` stream's event of a block: its header's place in consensus and what the chain's
 * step folded of it (amounts as decimal strings). A block's own round is not in it (the block does
 * not carry it): the next block's event has it, in the certificate of this one.
 * @example consensusEventOf(view, step.result.consensus).commit?.round
 */
export function consensusEventOf(view: BlockView, consensus: BlockConsensus): ConsensusEvent {
  const { height, time, proposer } = view.header;
  const { commit } = consensus;
  return {
    height,
    hash: view.hash,
    time,
    proposer,
    proposal: consensus.proposalHash,
    commit:
      commit === null
        ? null
        : {
            height: commit.height,
            round: commit.round,
            hash: commit.hash,
            signers: commit.signers.map(({ address, power }) => ({ address, power: power.toString() })),
            power: commit.power.toString(),
            total: commit.total.toString(),
          },
    evidence: consensus.evidence.map(({ address, height: at, kind, round, burned }) => ({
      address,
      height: at,
      kind,
      ...(round === undefined ? {} : { round }),
      burned: burned.toString(),
    })),
    validators: consensus.validators.map(({ address, before, after }) => ({ address, before: before.toString(), after: after.toString() })),
  };
}
