export type { JobEvent, JobEventType, JobRole, Payout } from './jobEvent.ts';
