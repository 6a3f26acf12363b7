export { createStreamHub, streamNames, type StreamBlock, type StreamEvent, type StreamHub, type StreamHubOptions } from './streamHub.ts';
