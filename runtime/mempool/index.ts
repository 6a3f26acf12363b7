export { consensusOps, openMempool, type AddedTxs, type IncludedTx, type Mempool, type MempoolOptions, type TakeOptions, type TxOrigin } from './mempool.ts';
export type { PendingLimits, PendingTx } from './pendingTxs.ts';
export { createTxGossip, type TxGossip, type TxGossipOptions } from './txGossip.ts';
