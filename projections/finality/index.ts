export {
  applyAttest,
  attestWindowBlocks,
  noteProposalHash,
  readNotedProposal,
  readBlockRecord,
  pruneBlockRecords,
  readFinalized,
  recordBlock,
  writeFinalized,
  type AttestResult,
  type BlockRecord,
  type Finalized,
} from './finality.ts';
export { decideAttest, decideNextAttest, type AttestDecision, type AttestLedgerView, type AttestPlan, type AttestSkip } from './decideAttest.ts';
export { decideQuorum, type QuorumLedgerView } from './decideQuorum.ts';
export {
  applyCommit,
  attestationsProblem,
  certificateProblem,
  votingSetOf,
  type CertificateScope,
  type CertifiedCommit,
  type CommitContext,
  type CommitResult,
} from './commit.ts';
export { applyEvidence, type EvidenceContext, type EvidenceResult } from './evidence.ts';
