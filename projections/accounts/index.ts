export {
  accountPath,
  accountsPath,
  consensusPath,
  readAccount,
  readBalance,
  readNonce,
  readSupply,
  reservedRoots,
  shardsPath,
  writeAmounts,
  writeNonce,
  writeSupply,
  type Account,
} from './account.ts';
export { applySend, applyStake, applyUnstake, releaseUnbonded } from './money.ts';
export { slash } from './slash.ts';
export {
  currentValidatorSet,
  freezeValidatorSet,
  pruneValidatorSets,
  readValidatorSet,
  setStake,
  writeGenesisValidators,
  type ValidatorSet,
} from './validators.ts';
export { escrowPath, lockEscrow, payAllFromEscrow, payFromEscrow, readEscrow } from './escrow.ts';
export {
  applyOfferStorage,
  applyReserveStorage,
  applyStorageExpiries,
  grantsForHolderMax,
  grantsPerHolderMax,
  readGrants,
  readOffer,
  storageFee,
  storagePath,
  writeGenesisOffers,
  type StorageGrant,
  type StoredOffer,
} from './storage.ts';
export {
  bandwidthExceeded,
  bandwidthFreeOps,
  bandwidthOf,
  bandwidthRulesOf,
  budgetFor,
  budgetOf,
  chargeAt,
  chargeBandwidth,
  usedAt,
  usedBy,
  windowOf,
  type Bandwidth,
  type BandwidthRules,
  type BandwidthUse,
} from './bandwidth.ts';
