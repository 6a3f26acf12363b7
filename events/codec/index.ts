export { decodeOwnTxRecord, decodeTxRecord, encodeTxRecord, recordBytesOf, recordFromSignedBytes, writeRecordFromSignedBytes, type TxRecord } from './txRecord.ts';
