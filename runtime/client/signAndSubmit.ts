import { setTimeout as sleep } from 'node:timers/promises';
import { signTx, txHashOf, type KeyPair } from '../../events/index.ts';
import { AinError, isAinError, type Op } from '../../schemas/index.ts';
import { callNode, errorFromAnswer } from './nodeClient.ts';

/** Where a tx landed and what it came to (`GET /v1/tx/<hash>`). */
export interface TxLanded {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly outcome: { readonly code: string; readonly message?: string };
}

export interface SignAndSubmitParameters {
  readonly nodeUrl: string;
  readonly key: KeyPair;
  readonly op: Op;
  /** How long to wait for the tx's block before giving up (the tx may still land later). */
  readonly waitMs: number;
}

/** Signing again after BAD_NONCE is safe (a refused nonce changed nothing); this many tries at most. */
const noncedTriesMax = 3;
const pollMsMax = 500;

/**
 * The next nonce for `address`: above the ledger's last one, and at least the clock in ms, as
 * `ain tx sign` and the node's own signer choose them, so all three can share a key.
 */
export async function nextNonce(nodeUrl: string, address: string): Promise<number> {
  const { nonce } = await callNode<{ nonce: number }>(nodeUrl, 'GET', `/v1/accounts/${address}`);
  return Math.max(nonce + 1, Date.now());
}

/**
 * Polls `GET /v1/tx/<hash>` until the tx is in a block or `deadlineMs` (clock time) passes;
 * then NOT_FOUND, saying the tx may still land.
 */
export async function waitForTx(nodeUrl: string, hash: string, deadlineMs: number): Promise<TxLanded> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await callNode<TxLanded>(nodeUrl, 'GET', `/v1/tx/${hash}`);
    } catch (error) {
      if (!isAinError(error, 'NOT_FOUND')) throw error;
    }
    const pauseMs = Math.min(pollMsMax, 25 << Math.min(attempt, 5));
    if (Date.now() + pauseMs > deadlineMs) {
      throw new AinError('NOT_FOUND', `The node took tx ${hash} but it is not in a block yet; it may still land: look with "GET /v1/tx/${hash}", or wait longer with --wait-ms.`, {
        details: { hash },
      });
    }
    await sleep(pauseMs);
  }
}

/**
 * Signs `op` with the key for the node's chain and shard, submits it and waits (bounded) for its
 * block. A refused outcome is thrown as its AinError, like a refusal at the boundary.
 * @example const { hash } = await signAndSubmit({ nodeUrl, key, op: { type: 'applyJob', job_id, role: 'worker' }, waitMs: 30_000 })
 */
export async function signAndSubmit({ nodeUrl, key, op, waitMs }: SignAndSubmitParameters): Promise<TxLanded> {
  const deadlineMs = Date.now() + waitMs;
  const { chain, shard } = await callNode<{ chain: string; shard: string }>(nodeUrl, 'GET', '/v1/status');
  for (let tries = 1; ; tries++) {
    const time = Date.now();
    const tx = signTx({ key, op, nonce: await nextNonce(nodeUrl, key.address), time, chain, shard });
    const { hash } = await callNode<{ hash: string }>(nodeUrl, 'POST', '/v1/tx', tx);
    if (hash !== txHashOf(tx)) throw new AinError('INTERNAL', `The node answered hash ${hash} for a tx that hashes to ${txHashOf(tx)}.`);
    const landed = await waitForTx(nodeUrl, hash, deadlineMs);
    // Another signer of the same key (the node itself, a second shell) took the nonce first.
    if (landed.outcome.code === 'BAD_NONCE' && tries < noncedTriesMax) continue;
    if (landed.outcome.code !== 'ok') throw errorFromAnswer(nodeUrl, 200, landed.outcome);
    return landed;
  }
}
