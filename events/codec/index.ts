export { decodeOwnTxRecord, decodeTxRecord, decodeTxRecordWithSignedBytes, encodeTxRecord, recordBytesOf, recordFromSignedBytes, writeRecordFromSignedBytes, type CutMarker, type TxRecord } from './txRecord.ts';
export { jsonTextTooDeep, jsonValueTooDeep, tooDeep } from './jsonDepth.ts';
export { checkJsonTextKeys, checkJsonValueKeys } from './jsonKeys.ts';
export { parseTxJson } from './parseTxJson.ts';
