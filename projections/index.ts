export * from './state/index.ts';
export * from './accounts/index.ts';
export * from './finality/index.ts';
