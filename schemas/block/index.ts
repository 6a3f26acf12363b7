export * from './blockHeader.ts';
export * from './finalized.ts';
