export * from './errors/index.ts';
export * from './primitives/index.ts';
export * from './ops/index.ts';
export * from './tx/index.ts';
export * from './block/index.ts';
export * from './config/index.ts';
export * from './keys/index.ts';
export * from './exec/index.ts';
