export { applyBranch, applyCloseShard, type DerivedGenesis } from './branchOps.ts';
export { applyReport, blockHashOfShardHeader, proposalHashOfShardHeader } from './reportOp.ts';
export { applyShardDeadlines } from './shardDeadlines.ts';
export { shardedPathProblem } from './shardedPath.ts';
export {
  shardMachine,
  type ReportedHeader,
  type ShardContext,
  type ShardFork,
  type ShardInput,
  type ShardMachineEvent,
  type ShardState,
} from './shardMachine.ts';
export type { ShardOpContext, ShardOpResult } from './shardOpContext.ts';
export { listShards, readReportedHeader, readShard, shardHeadersKept, shardPaths, type PersistedShard } from './shardStore.ts';
export {
  activateShardRules,
  applyShardRules,
  readShardRulesRecord,
  recordShardSlash,
  rulesProofAfter,
  shardRulesDelay,
  shardRulesInForce,
} from './shardRulesOp.ts';
