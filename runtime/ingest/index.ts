export { splitJsonArray } from './splitJsonArray.ts';
export { createIngest, type Ingest, type IngestOptions, type SubmitResult } from './ingest.ts';
export { createVerifyPool, type CheckedTx, type VerifyPool, type VerifyPoolOptions } from './verifyPool.ts';
