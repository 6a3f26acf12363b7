export type { BlockStore, BlockView, TxLocation, TxOutcomeView } from './blockView.ts';
