export { decodeTxRecord, encodeTxRecord, type TxRecord } from './txRecord.ts';
