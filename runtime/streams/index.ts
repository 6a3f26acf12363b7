export { createStreamHub, streamNames, type FramedEvent, type StreamBlock, type StreamEvent, type StreamHub, type StreamHubOptions } from './streamHub.ts';
