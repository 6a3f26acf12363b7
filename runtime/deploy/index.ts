export { appFiles, appRoot, type AppFiles } from './appFiles.ts';
export { ensureNodeImage, imageLabels, nodeDataDir, nodeImageRepository, nodeUser, type NodeImageParameters, type NodeImageReturnType } from './nodeImage.ts';
