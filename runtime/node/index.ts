export { startNode, type AinNode, type StartNodeOptions } from './node.ts';
export { devGenesisOf } from './genesisFile.ts';
export { createProcessChains, type ProcessChains } from './apiService.ts';
export { createBlockStore, type BlockStore, type BlockView } from './blockStore.ts';
export { checkLogRecords } from './checkRecords.ts';
export { createSnapshotStore, type NodeSnapshot } from './snapshotStore.ts';
export { checkDataDirProtocol, dataDirProtocol, markDataDir, protocolFileName } from './dataDirProtocol.ts';
