export { loadChainSnapshot, type ChainSnapshot, type ChainSnapshotInput, type LoadedChain } from './chainSnapshot.ts';
export { createChain, type Chain, type ChainStep, type CreateChainParameters } from './createChain.ts';
