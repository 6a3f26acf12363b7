export { callNode, errorFromAnswer } from './nodeClient.ts';
export { followStream, type FollowStreamOptions } from './followStream.ts';
export { nextNonce, signAndSubmit, waitForTx, type SignAndSubmitParameters, type TxLanded } from './signAndSubmit.ts';
export { readStream, type ReadStreamOptions } from './readStream.ts';
