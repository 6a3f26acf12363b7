export * from './tx.ts';
