export { applyBlock, outcomeRootOf, type BlockResult, type LedgerBlock } from './applyBlock.ts';
export { applyTx, genesisSetOf, type TxContext, type TxEffects } from './applyTx.ts';
export {
  createLedger,
  devGenesis,
  devStorageOffer,
  devBandwidth,
  genesisHashOf,
  networkGenesis,
  networkOwnerBalance,
  networkStake,
  parseGenesis,
  parseGenesisText,
  type Ledger,
} from './ledger.ts';
export { loadLedger, snapshotLedger, type LedgerSnapshot } from './snapshot.ts';
export { stakeChanges, type BlockConsensus, type Offence, type StakeChange } from './blockConsensus.ts';
export { mayCut, readValidatorsAt } from './validatorPriorities.ts';
export { genesisRootOf, shardGenesisOf } from './shardGenesis.ts';
