// The one way to check a tx: at the boundary from its text, in the log from its bytes, alone from
// a value. Every path runs the same checks in the same order and gives the same codes and sentences.
export { checkRecord, checkRecords, checkedRecordOf, recordCheckOf, type CheckedRecord, type RecordCheck, type RecordScope } from './checkRecords.ts';
export { checkTx, type CheckTxOptions, type VerifiedTx } from './checkTx.ts';
export { checkTxTexts } from './checkTxTexts.ts';
