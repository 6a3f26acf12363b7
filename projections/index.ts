export * from './state/index.ts';
export * from './accounts/index.ts';
export * from './finality/index.ts';
export * from './jobs/index.ts';
export * from './reputation/index.ts';
export * from './dashboard/index.ts';
export * from './readModels/index.ts';
