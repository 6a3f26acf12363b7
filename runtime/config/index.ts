export { appCompiled, appRootUrl } from './appRoot.ts';
export { configFileIn, dataDirConfigName, loadConfig, parseFsync, type ConfigSources } from './loadConfig.ts';
export {
  defaultBasePort,
  followerConfigOf,
  initNetwork,
  networkValidatorsMax,
  p2pPortOffset,
  type InitNetworkNode,
  type InitNetworkParameters,
  type InitNetworkReturnType,
} from './initNetwork.ts';
export { branchFileName, defaultShardRules, initShard, type InitShardParameters, type InitShardReturnType } from './initShard.ts';
export { nodeProcessFlags } from './processFlags.ts';
export { isDirectory, netNodesIn } from './netDirs.ts';
export { addNetworkNodes, type AddNetworkNodesParameters, type AddNetworkNodesReturnType } from './addNetworkNodes.ts';
