import { setTimeout as sleep } from 'node:timers/promises';
import { txHashOf } from '../../log/index.ts';
import { AinError, errorCodes, isAinError, type ErrorCode, type Tx } from '../../schemas/index.ts';
import { callNode, nodeAnswerTimeoutMs } from './nodeClient.ts';
import { problemsOf, saidBy } from './nodeProblems.ts';

/** Where a tx landed and what it came to (`GET /v1/tx/<hash>`). */
export interface TxLanded {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  /** Its offset in the answering node's log. */
  readonly offset: number;
  readonly outcome: { readonly code: string; readonly message?: string };
}

/** A tx the node took: its hash and its offset in the log (`POST /v1/tx`). */
export interface TxAccepted {
  readonly hash: string;
  readonly offset: number;
}

/** What `POST /v1/txs` answers: each tx taken, or the code it was refused with at the boundary. */
export interface TxsAnswer {
  readonly accepted: number;
  readonly refused: number;
  readonly results: readonly (TxAccepted | { readonly code: string; readonly message: string })[];
}

const pollMsMax = 500;

function checkHash(tx: Tx, hash: string): void {
  if (hash !== txHashOf(tx)) throw new AinError('INTERNAL', `The node answered hash ${hash} for a tx that hashes to ${txHashOf(tx)}.`);
}

/**
 * Submits one signed tx (`POST /v1/tx`); a refusal at the boundary is thrown as its AinError.
 * @example const { hash, offset } = await postTx(nodeUrl, signTx({ key, op, nonce, time }))
 */
export async function postTx(nodeUrl: string, tx: Tx): Promise<TxAccepted> {
  const accepted = await callNode<TxAccepted>(nodeUrl, 'POST', '/v1/tx', tx);
  checkHash(tx, accepted.hash);
  return accepted;
}

/**
 * Submits signed txs as one batch (`POST /v1/txs`), in order; each is taken or refused on its own.
 * @example const { accepted } = await postTxs(nodeUrl, txs)
 */
export async function postTxs(nodeUrl: string, txs: readonly Tx[]): Promise<TxsAnswer> {
  const answer = await callNode<TxsAnswer>(nodeUrl, 'POST', '/v1/txs', txs);
  for (const [i, result] of answer.results.entries()) if ('hash' in result) checkHash(txs[i]!, result.hash);
  return answer;
}

/** The chain and shard a node serves (`GET /v1/status`): what its txs must be signed for. */
export async function chainOf(nodeUrl: string): Promise<{ chain: string; shard: string }> {
  const { chain, shard } = await callNode<{ chain: string; shard: string }>(nodeUrl, 'GET', '/v1/status');
  return { chain, shard };
}

/** The last nonce the node's ledger has of `address` (`GET /v1/accounts/<address>`). */
export async function ledgerNonceOf(nodeUrl: string, address: string): Promise<number> {
  return (await callNode<{ nonce: number }>(nodeUrl, 'GET', `/v1/accounts/${address}`)).nonce;
}

/** The least time a look of `waitForTx` waits for the node's answer, however little is left of the wait. */
export const lookMinMs = 5_000;

/**
 * Polls `GET /v1/tx/<hash>` until the tx is in a block or `deadlineMs` (clock time) passes;
 * then NOT_FOUND, saying the tx may still land. Any other answer ends the wait at once (TX_DROPPED:
 * the node dropped it, a later nonce of its sender having landed first).
 */
export async function waitForTx(nodeUrl: string, hash: string, deadlineMs: number): Promise<TxLanded> {
  for (let attempt = 0; ; attempt++) {
    // Whether the node holds it in its mempool (a node of a network says so); undefined when the node does not say.
    let pending: boolean | undefined;
    try {
      // Each look bounded by the wait (5 s at least, for a loaded node's answer): a node that answers nothing ends it, named.
      return await callNode<TxLanded>(nodeUrl, 'GET', `/v1/tx/${hash}`, undefined, {
        timeoutMs: Math.min(nodeAnswerTimeoutMs, Math.max(lookMinMs, deadlineMs - Date.now())),
      });
    } catch (error) {
      if (!isAinError(error, 'NOT_FOUND')) throw error;
      pending = error.details?.pending === true ? true : error.details?.pending === false ? false : undefined;
    }
    const pauseMs = Math.min(pollMsMax, 25 << Math.min(attempt, 5));
    if (Date.now() + pauseMs > deadlineMs) {
      const problems = await problemsOf(nodeUrl, ['LOG_UNAVAILABLE', 'CONSENSUS_STALLED']);
      const where =
        pending === true
          ? `Tx ${hash} waits in the node's mempool, in no block yet; it may still land`
          : `Tx ${hash} is in no block the node holds yet, and the node ${pending === false ? 'does not hold it either' : 'says no more of it'}; if this node took it, it may still land`;
      throw new AinError('NOT_FOUND', `${where}: look with "GET /v1/tx/${hash}", or wait longer with --wait-ms.${saidBy(problems)}`, {
        details: { hash, ...(problems.length === 0 ? {} : { problems }) },
      });
    }
    await sleep(pauseMs);
  }
}

/**
 * A tx's refused outcome as the AinError it stands for: the code and sentence its block recorded,
 * and where it landed (`hash`, `height`, `index`) in `details`.
 * @example if (landed.outcome.code !== 'ok') throw refusalOf(landed)
 */
export function refusalOf({ hash, height, index, outcome }: TxLanded): AinError {
  const details = { hash, height, index };
  if (outcome.code in errorCodes) return new AinError(outcome.code as ErrorCode, outcome.message ?? outcome.code, { details });
  return new AinError('INTERNAL', `The tx came to an outcome this client does not know, ${outcome.code}: ${outcome.message ?? ''}`.trim(), { details });
}
