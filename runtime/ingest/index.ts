export { splitJsonArray } from './splitJsonArray.ts';
export {
  createIngest,
  type AdmitDecision,
  type AdmitTx,
  type Admission,
  type Ingest,
  type IngestOptions,
  type OwnRecord,
  type ReadBack,
  type SubmitResult,
} from './ingest.ts';
export { createVerifyPool, type CheckedTx, type VerifyPool, type VerifyPoolOptions } from './verifyPool.ts';
export type { TxSender } from './verifyChunk.ts';
export { bandwidthAdmission, bandwidthRefusal } from './bandwidthGate.ts';
