export {
  applyAttest,
  attestWindowBlocks,
  pruneBlockRecords,
  readFinalized,
  recordBlock,
  writeFinalized,
  type AttestResult,
  type Finalized,
} from './finality.ts';
export { decideAttest, decideNextAttest, type AttestDecision, type AttestLedgerView, type AttestPlan, type AttestSkip } from './decideAttest.ts';
export { decideQuorum, type QuorumLedgerView } from './decideQuorum.ts';
