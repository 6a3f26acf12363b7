export { callNode, errorFromAnswer, type CallNodeOptions } from './nodeClient.ts';
export { followStream, type FollowStreamOptions } from './followStream.ts';
export { nextNonce, type NextNonceParameters } from './nonce.ts';
export { createSubmitQueue, submitAndWait, type ChainRef, type SubmitAndWaitOptions, type SubmitQueue, type SubmitQueueOptions } from './submitQueue.ts';
export { createNodeSubmitter, signAndSubmit, type NodeSubmitter, type NodeSubmitterOptions, type SignAndSubmitParameters } from './signAndSubmit.ts';
export { chainOf, ledgerNonceOf, postTx, postTxs, refusalOf, waitForTx, type TxAccepted, type TxLanded, type TxsAnswer } from './txApi.ts';
export { readStream, type ReadStreamOptions } from './readStream.ts';
export { readRequestHistory, type ReadRequestHistoryOptions, type RequestHistory } from './requestHistory.ts';
export { verifyTx, type VerifiedTx, type VerifyTxOptions } from './verifyTx.ts';
