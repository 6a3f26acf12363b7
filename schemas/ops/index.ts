export * from './stateOps.ts';
export * from './moneyOps.ts';
export * from './jobOps.ts';
export * from './chainOps.ts';
export * from './storageOps.ts';
export * from './op.ts';
