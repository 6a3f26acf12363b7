// What the job protocol did, as data: the `jobs` stream's shapes (schemas/streams/jobEvent.ts).
export type { JobEvent, JobEventType, JobRole, Payout } from '../../schemas/index.ts';
export { addAmount, insertSorted, ownEntry, putEntry, removeEntry, removeSorted, type Dict } from './jsonRecords.ts';
