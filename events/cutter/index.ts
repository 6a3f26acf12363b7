export { blockHashOf, type Block } from './block.ts';
export { BlockCutter, genesisPosition, type BlockCutterOptions, type CutterPosition } from './blockCutter.ts';
