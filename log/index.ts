export * from './crypto/index.ts';
// The own-record decoder skips the checks: records reach it only through check/'s checkedRecordOf.
export {
  decodeTxRecord,
  encodeTxRecord,
  parseTxJson,
  recordBytesOf,
  recordFromSignedBytes,
  signedBytesOfRecord,
  writeRecordFromSignedBytes,
  type CutMarker,
  type TxRecord,
} from './codec/index.ts';
export * from './check/index.ts';
export * from './json/index.ts';
export * from './cutter/index.ts';
export * from './store/index.ts';
