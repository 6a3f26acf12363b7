export * from './genesis.ts';
