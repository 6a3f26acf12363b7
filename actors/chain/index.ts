export { loadChainSnapshot, type ChainSnapshot, type ChainSnapshotInput, type LoadedChain } from './chainSnapshot.ts';
export { createChain, type Chain, type ChainStep, type CreateChainParameters } from './createChain.ts';
export { buildProposalBlock, type BuildProposalBlockParameters } from './buildProposalBlock.ts';
export { checkProposalBlock, type ProposalContext, type ProposalProblem, type ProposalRefusal } from './checkProposalBlock.ts';
