export { startNode, type AinNode, type StartNodeOptions } from './node.ts';
export { createBlockStore, type BlockStore, type BlockView } from './blockStore.ts';
