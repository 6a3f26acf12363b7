export { callNode, errorFromAnswer, noAnswerError, nodeAnswerTimeoutMs, type CallNodeOptions } from './nodeClient.ts';
export { followStream, type FollowStreamOptions } from './followStream.ts';
export { nextNonce, type NextNonceParameters } from './nonce.ts';
export { createSubmitQueue, submitAndWait, type ChainRef, type SubmitAndWaitOptions, type SubmitQueue, type SubmitQueueOptions } from './submitQueue.ts';
export { createNodeSubmitter, signAndSubmit, type NodeSubmitter, type NodeSubmitterOptions, type SignAndSubmitParameters } from './signAndSubmit.ts';
export { chainOf, ledgerNonceOf, postTx, postTxs, refusalOf, waitForTx, type TxAccepted, type TxLanded, type TxsAnswer } from './txApi.ts';
export { readStream, type ReadStreamOptions } from './readStream.ts';
export { readRequestHistory, type ReadRequestHistoryOptions, type RequestHistory } from './requestHistory.ts';
export { verifyTx, type VerifiedTx, type VerifyTxOptions } from './verifyTx.ts';
export { verifyState, type VerifiedState, type VerifyStateOptions } from './verifyState.ts';
export { reserveStorageOn, type ReserveStorageOnParameters } from './reserveStorage.ts';
export { getSmallBlob, putSmallBlob, smallBlobBytesMax, type PutSmallBlobParameters } from './smallBlob.ts';
export { createProgressPoster, progressBodyHash, type ProgressPoster } from './progressPoster.ts';
export * from './actions/index.ts';
export type { NodeRef } from './actions/nodeRef.ts';
export type { JobAnswer, JobSummary, RequestAnswer, RequestSummary } from './actions/jobAnswers.ts';
export { createClient, type CreateClientParameters, type CreateClientReturnType, type PublicClient, type WalletClient } from './createClient.ts';
export { AinError, isAinError } from '../../schemas/index.ts';
export {
  answerHash,
  answerInvocation,
  invokeFunction,
  invokeHash,
  takeHash,
  takeInvocations,
  type FunctionOutput,
  type TakenInvocation,
} from './functionCalls.ts';
export {
  boxKeyOf,
  decryptBlob,
  decryptInput,
  encryptBlob,
  encryptedBlobOf,
  encryptInput,
  isEncryptedInput,
  newDataKey,
  openDataKey,
  sealDataKey,
  type EncryptedInput,
} from './jobCrypto.ts';
