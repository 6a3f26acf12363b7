export { createIngest, type Ingest, type IngestOptions, type SubmitResult } from './ingest.ts';
export { createVerifyPool, type VerifyPool, type VerifyPoolOptions } from './verifyPool.ts';
export type { CheckedTx } from './verifyChunk.ts';
