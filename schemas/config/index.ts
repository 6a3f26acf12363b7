export * from './nodeConfig.ts';
export * from './p2pConfig.ts';
