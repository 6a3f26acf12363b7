import type { KeyPair } from '../../log/index.ts';
import type { Op, Tx } from '../../schemas/index.ts';
import { createSubmitQueue, submitAndWait } from './submitQueue.ts';
import { chainOf, ledgerNonceOf, postTx, postTxs, waitForTx, type TxAccepted, type TxLanded, type TxsAnswer } from './txApi.ts';

export interface NodeSubmitterOptions {
  readonly nodeUrl: string;
  readonly key: KeyPair;
  /** How long `submit` waits for a tx's block by default. */
  readonly waitMs?: number;
}

/** One key's txs to a node's HTTP API, through one submit queue: nonces in the order they are asked for. */
export interface NodeSubmitter {
  readonly address: string;
  /** Signs `op` with the key's next nonce and submits it (`POST /v1/tx`); resolves once the node took it. */
  append(op: Op): Promise<TxAccepted & { readonly tx: Tx }>;
  /** Signs `ops` with the key's next nonces and submits them as one batch (`POST /v1/txs`). */
  appendBatch(ops: readonly Op[]): Promise<TxsAnswer>;
  /** Signs `op` with the key's next nonce without submitting it (the nonce is used up). */
  sign(op: Op): Promise<Tx>;
  /**
   * Submits `op` and waits (bounded by `waitMs`) for its block; signs again above the ledger's
   * nonce on BAD_NONCE; a refused outcome is thrown as its AinError.
   */
  submit(op: Op, waitMs?: number): Promise<TxLanded>;
}

/**
 * A key's submitter to a node: the chain and the key's ledger nonce are asked once, then its
 * txs are signed and submitted one at a time in order, while their waits for blocks overlap.
 * @example const submitter = createNodeSubmitter({ nodeUrl, key }); await submitter.submit({ type: 'send', to, amount: '1' })
 */
export function createNodeSubmitter({ nodeUrl, key, waitMs = 60_000 }: NodeSubmitterOptions): NodeSubmitter {
  const queue = createSubmitQueue<TxsAnswer>({
    key,
    chain: () => chainOf(nodeUrl),
    ledgerNonce: () => ledgerNonceOf(nodeUrl, key.address),
    append: async (txs) => (txs.length === 1 ? { accepted: 1, refused: 0, results: [await postTx(nodeUrl, txs[0]!)] } : postTxs(nodeUrl, txs)),
  });
  const landed = (hash: string, deadlineMs: number) => waitForTx(nodeUrl, hash, deadlineMs);
  return {
    address: key.address,
    async append(op) {
      const { txs, answer } = await queue.append([op]);
      return { ...(answer.results[0] as TxAccepted), tx: txs[0]! };
    },
    appendBatch: async (ops) => (await queue.append(ops)).answer,
    sign: (op) => queue.sign(op),
    submit: (op, wait = waitMs) => submitAndWait(queue, op, { landed, waitMs: wait }),
  };
}

export interface SignAndSubmitParameters {
  readonly nodeUrl: string;
  readonly key: KeyPair;
  readonly op: Op;
  /** How long to wait for the tx's block before giving up (the tx may still land later). */
  readonly waitMs: number;
}

/**
 * Signs `op` with the key for the node's chain and shard, submits it and waits (bounded) for its
 * block: one op of a key's submitter. A refused outcome is thrown as its AinError, like a
 * refusal at the boundary.
 * @example const { hash } = await signAndSubmit({ nodeUrl, key, op: { type: 'applyJob', job_id, role: 'worker' }, waitMs: 30_000 })
 */
export function signAndSubmit({ nodeUrl, key, op, waitMs }: SignAndSubmitParameters): Promise<TxLanded> {
  return createNodeSubmitter({ nodeUrl, key }).submit(op, waitMs);
}
