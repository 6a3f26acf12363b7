export { decodeOwnTxRecord, decodeTxRecord, decodeTxRecordWithSignedBytes, encodeTxRecord, recordBytesOf, recordFromSignedBytes, writeRecordFromSignedBytes, type CutMarker, type TxRecord } from './txRecord.ts';
export { jsonTextTooDeep, jsonValueTooDeep } from './jsonDepth.ts';
