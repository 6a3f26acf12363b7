export {
  decodeOwnTxRecord,
  decodeTxRecord,
  decodeTxRecordWithSignedBytes,
  encodeTxRecord,
  recordBytesOf,
  recordFromSignedBytes,
  signedBytesOfRecord,
  writeRecordFromSignedBytes,
  type CutMarker,
  type TxRecord,
} from './txRecord.ts';
export { parseTxJson } from './parseTxJson.ts';
