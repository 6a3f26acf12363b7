export type { JobEvent, JobEventType, JobRole, Payout } from './jobEvent.ts';
export { addAmount, insertSorted, ownEntry, putEntry, removeEntry, removeSorted, type Dict } from './jsonRecords.ts';
