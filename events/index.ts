export * from './crypto/index.ts';
export * from './codec/index.ts';
export * from './json/index.ts';
export * from './cutter/index.ts';
export * from './log/index.ts';
