export { callNode, errorFromAnswer } from './nodeClient.ts';
