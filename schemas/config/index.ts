export * from './nodeConfig.ts';
