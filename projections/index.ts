export * from './state/index.ts';
export * from './accounts/index.ts';
export * from './finality/index.ts';
export * from './dict/index.ts';
// What the job protocol did, as data: the shapes of the `jobs` stream (schemas/streams/jobEvent.ts).
export type { JobEvent, JobEventType, JobRole, Payout } from '../schemas/index.ts';
export * from './reputation/index.ts';
export * from './dashboard/index.ts';
export * from './explain/index.ts';
export * from './readModels/index.ts';
