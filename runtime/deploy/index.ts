export { appFiles, appRoot, type AppFiles } from './appFiles.ts';
export { imageLabels } from './localImage.ts';
export { ensureNodeImage, nodeDataDir, nodeImageRepository, nodeUser, type NodeImageParameters, type NodeImageReturnType } from './nodeImage.ts';
export { containerName, DeployName, deployLabels, nodeUrl, volumeName, type DeployedNode } from './deployedNode.ts';
export { connectEngine } from './engine.ts';
export type { DeployAction } from './nodeContainer.ts';
export { ensureBrokerImage, brokerImageRepository, type BrokerImageParameters } from './brokerImage.ts';
export { brokerContainerName, deployedBroker, type DeployedBroker } from './deployBroker.ts';
export {
  defaultDeployNodes,
  deployedNodes,
  deployNodesMax,
  deployUp,
  type DeployUpParameters,
  type DeployUpReturnType,
  type DeployUpStep,
} from './deployUp.ts';
export { deployStatus, findDeployedNode, type DeployNodeStatus, type DeployStatusReturnType } from './deployStatus.ts';
export { progressOf, type NodeProgress } from './nodeProbe.ts';
export { deployAudit, deployDown, deployLogs, deployRestart, type DeployAuditReturnType, type DeployDownReturnType } from './deployControl.ts';
export { ownerKeyFile } from './ownerKey.ts';
export { seedImageTag } from './seedVolumes.ts';
export { deployScale, type DeployScaleParameters, type DeployScaleReturnType } from './deployScale.ts';
export {
  deployAgents,
  deployAgentsMax,
  deployedAgents,
  type DeployAgentsParameters,
  type DeployAgentsReturnType,
  type DeployAgentStatus,
  type DeployedAgent,
} from './deployAgents.ts';
