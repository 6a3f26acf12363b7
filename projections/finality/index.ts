export { applyAttest, attestWindowBlocks, pruneBlockRecords, readFinalized, recordBlock, writeFinalized, type AttestResult, type Finalized } from './finality.ts';
