/**
 * runtime/consensus: a validator of a peer-to-peer network: the consensus machine driven over the
 * network transport, its signing record, the certificates of decided blocks, and catch-up.
 */
export {
  createConsensusService,
  type ConsensusService,
  type ConsensusServiceComponents,
  type ConsensusStall,
  type ConsensusStatus,
} from './consensusService.ts';
export { CheckedMessages, judgeConsensusMessage, resentMinMs, type ConsensusMessage } from './consensusGossip.ts';
export { createOwnKeyGuard, foreignSignatureWords, listenBeforeSigningMs, quietHeights, type ForeignSignature, type OwnKeyGuard } from './ownKeyGuard.ts';
export { openSigningRecord, setAsideRecordPath, signingRecordPath, type SigningRecord } from './signingRecord.ts';
export { validatorSetAt, votingSetAt } from './validatorSets.ts';
