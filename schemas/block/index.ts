export * from './blockHeader.ts';
