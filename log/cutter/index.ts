export { blockHashOf, proposalHashOf, type Block, type BlockRoots, type UnsealedBlock, type UnsealedHeader } from './block.ts';
export { BlockCutter, genesisPosition, type BlockCutterOptions, type CutterPosition } from './blockCutter.ts';
