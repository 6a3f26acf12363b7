export * from './primitives.ts';
