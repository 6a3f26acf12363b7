export { blockHashOf, type Block } from './block.ts';
export { BlockCutter, genesisPosition, type BlockCutterOptions, type BlockRoots, type CutterPosition, type UnsealedHeader } from './blockCutter.ts';
