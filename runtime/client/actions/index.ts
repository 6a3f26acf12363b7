// One action per file (viem's style): `action(node, parameters)`, with its XParameters,
// XReturnType and XErrorType. createClient binds them all to one node.
export { explainJob, type ExplainJobErrorType, type ExplainJobParameters, type ExplainJobReturnType } from './explainJob.ts';
export { explainRequest, type ExplainRequestErrorType, type ExplainRequestParameters, type ExplainRequestReturnType } from './explainRequest.ts';
export { getAccount, type GetAccountErrorType, type GetAccountParameters, type GetAccountReturnType } from './getAccount.ts';
export {
  getAccountRequests,
  type GetAccountRequestsErrorType,
  type GetAccountRequestsParameters,
  type GetAccountRequestsReturnType,
} from './getAccountRequests.ts';
export { getBalance, type GetBalanceErrorType, type GetBalanceParameters, type GetBalanceReturnType } from './getBalance.ts';
export { getBlock, type GetBlockErrorType, type GetBlockParameters, type GetBlockReturnType } from './getBlock.ts';
export { getBlocks, type GetBlocksErrorType, type GetBlocksParameters, type GetBlocksReturnType } from './getBlocks.ts';
export { getDashboard, type GetDashboardErrorType, type GetDashboardParameters, type GetDashboardReturnType } from './getDashboard.ts';
export { getHealth, type GetHealthErrorType, type GetHealthReturnType } from './getHealth.ts';
export { getJob, type GetJobErrorType, type GetJobParameters, type GetJobReturnType } from './getJob.ts';
export { getJobOrRequest, type GetJobOrRequestErrorType, type GetJobOrRequestParameters, type GetJobOrRequestReturnType } from './getJobOrRequest.ts';
export { getJobReputation, type GetJobReputationErrorType, type GetJobReputationParameters, type GetJobReputationReturnType } from './getJobReputation.ts';
export { getNet, type GetNetErrorType, type GetNetReturnType } from './getNet.ts';
export { getProof, type GetProofErrorType, type GetProofParameters, type GetProofReturnType } from './getProof.ts';
export { getReputation, type GetReputationErrorType, type GetReputationParameters, type GetReputationReturnType } from './getReputation.ts';
export { getRequest, type GetRequestErrorType, type GetRequestParameters, type GetRequestReturnType } from './getRequest.ts';
export { getState, type GetStateErrorType, type GetStateParameters, type GetStateReturnType } from './getState.ts';
export { getStatus, type GetStatusErrorType, type GetStatusReturnType } from './getStatus.ts';
export { getTx, type GetTxErrorType, type GetTxParameters, type GetTxReturnType } from './getTx.ts';
export { listJobs, type ListJobsErrorType, type ListJobsParameters, type ListJobsReturnType } from './listJobs.ts';
export { listRequests, type ListRequestsErrorType, type ListRequestsParameters, type ListRequestsReturnType } from './listRequests.ts';
export { observe, type ObserveErrorType, type ObserveParameters, type ObserveReturnType } from './observe.ts';
export { subscribe, type SubscribeErrorType, type SubscribeParameters, type SubscribeReturnType } from './subscribe.ts';
