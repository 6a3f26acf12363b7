export { applyExplainIndex, refusedTxsOf, type RefusedAbout } from './applyExplainIndex.ts';
export {
  createExplainIndex,
  loadExplainIndex,
  snapshotExplainIndex,
  type ExplainIndex,
  type ExplainIndexOptions,
  type RefusedTx,
  type RefusedTxs,
  type RequestTimes,
} from './explainIndex.ts';
