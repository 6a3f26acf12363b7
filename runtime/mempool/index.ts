export {
  consensusOps,
  droppedTxsMax,
  openMempool,
  type AddedTxs,
  type DroppedTx,
  type IncludedTx,
  type Mempool,
  type MempoolOptions,
  type TakeOptions,
  type TxOrigin,
} from './mempool.ts';
export type { PendingLimits, PendingTx } from './pendingTxs.ts';
export { createTxGossip, type TxGossip, type TxGossipOptions } from './txGossip.ts';
