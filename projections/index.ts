export * from './state/index.ts';
