export { decodeTxRecord, encodeTxRecord, recordFromSignedBytes, type TxRecord } from './txRecord.ts';
