export {
  decodeOwnTxRecord,
  decodeTxRecord,
  decodeTxRecordWithSignedBytes,
  encodeTxRecord,
  recordBytesOf,
  recordFromSignedBytes,
  writeRecordFromSignedBytes,
  type CutMarker,
  type TxRecord,
} from './txRecord.ts';
export { parseTxJson } from './parseTxJson.ts';
