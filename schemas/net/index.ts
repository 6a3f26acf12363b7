export * from './peerError.ts';
