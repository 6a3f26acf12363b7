export * from './jobEvent.ts';
export * from './shardEvent.ts';
export * from './reputation.ts';
export * from './dashboard.ts';
export * from './streamEvents.ts';
