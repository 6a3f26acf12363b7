// Every fuzz target by name, loaded on demand: the runner and the short run in `npm test` share it.
import type { Target } from './harness.ts';

/** Quickest first: what a quick target leaves of the run's time goes to the slower ones after it. */
export const targetLoaders: Record<string, () => Promise<Target<never, never>>> = {
  blobAuth: async () => (await import('./runtime/storage/blobAuth.ts')).blobAuthTarget as Target<never, never>,
  jobSchema: async () => (await import('./runtime/exec/jobSchema.ts')).jobSchemaTarget as Target<never, never>,
  batch: async () => (await import('./runtime/ingest/splitJsonArray.ts')).batchTarget as Target<never, never>,
  rules: async () => (await import('./projections/state/rules.ts')).rulesTarget as Target<never, never>,
  config: async () => (await import('./runtime/config/loadConfig.ts')).configTarget as Target<never, never>,
  tx: async () => (await import('./log/crypto/verifyTx.ts')).txTarget as Target<never, never>,
  txRecord: async () => (await import('./log/codec/txRecord.ts')).txRecordTarget as Target<never, never>,
  genesis: async () => (await import('./runtime/node/genesisFile.ts')).genesisTarget as Target<never, never>,
  peer: async () => (await import('./runtime/net/peerMessages.ts')).peerTarget as Target<never, never>,
  http: async () => (await import('./runtime/api/liveNode.ts')).httpTarget as Target<never, never>,
};

export const targetNames = Object.keys(targetLoaders);
