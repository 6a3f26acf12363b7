export { JobProjections, jobDashboardView, type JobDashboardView, type JobProjectionChange, type JobProjectionsSnapshot } from './jobProjections.ts';
export { createStreamHub, streamNames, type StreamEvent, type StreamHub, type StreamHubOptions } from './streamHub.ts';
