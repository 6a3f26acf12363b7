import { z } from 'zod';
import { keyPairFromSeed, type KeyPair } from '../../log/index.ts';
import { AinError, KeyFile, parseOrThrow, Uint, type Op, type Tx } from '../../schemas/index.ts';
import * as actions from './actions/index.ts';
import type { NodeRef } from './actions/nodeRef.ts';
import { createNodeSubmitter, type NodeSubmitter } from './signAndSubmit.ts';
import { postTx, postTxs, waitForTx, type TxAccepted, type TxLanded, type TxsAnswer } from './txApi.ts';
import { verifyState, type VerifiedState, type VerifyStateOptions } from './verifyState.ts';
import { verifyTx, type VerifiedTx, type VerifyTxOptions } from './verifyTx.ts';

const ClientParameters = z.strictObject({
  url: z
    .string()
    .url({ message: 'must be a URL such as "http://127.0.0.1:8080"' })
    .refine((url) => /^https?:$/.test(new URL(url).protocol), { message: 'must be an http:// or https:// URL' }),
  timeoutMs: Uint.min(1).optional(),
  waitMs: Uint.min(1).optional(),
});

export interface CreateClientParameters {
  /** The node's base URL, `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The key that signs this client's txs (`ain keys new`; runtime/keys' `readKeyFile` reads one); without it the client only reads. */
  readonly key?: KeyPair;
  /** A node that has not answered a read within this long is NODE_UNREACHABLE; default: no limit. */
  readonly timeoutMs?: number;
  /** How long `submit` waits for a tx's block by default; default 60 s. */
  readonly waitMs?: number;
}

/** An action bound to the client: its parameters without the node. */
type Bound<F> = F extends (client: NodeRef, ...rest: infer P) => infer R ? (...rest: P) => R : never;
type ReadActions = { readonly [K in keyof typeof actions]: Bound<(typeof actions)[K]> };

/** A client that reads from a node and follows its streams (viem's public client). */
export interface PublicClient extends ReadActions {
  readonly url: string;
  /** Submits a signed tx (`POST /v1/tx`); a refusal at the boundary is thrown as its AinError. */
  postTx(tx: Tx): Promise<TxAccepted>;
  /** Submits signed txs as one batch (`POST /v1/txs`); each is taken or refused on its own. */
  postTxs(txs: readonly Tx[]): Promise<TxsAnswer>;
  /** Waits (bounded by `waitMs`, default 30 s) for a tx's block; NOT_FOUND when it is not in one by then, TX_DROPPED at once when the node dropped it (a later nonce of its sender landed first). */
  waitForTx(hash: string, options?: { readonly waitMs?: number }): Promise<TxLanded>;
  /** Fetches a tx with its inclusion proof, waits until its block is final, and checks the proof here. */
  verifyTx(hash: string, options?: VerifyTxOptions): Promise<VerifiedTx>;
  /** A value with its Merkle proof, checked here against its block's header (with `shard`, through the parent too); PROOF_INVALID when it does not check. */
  verifyState(path: string, options?: VerifyStateOptions): Promise<VerifiedState>;
}

/** A public client with a key: it signs, submits and waits (viem's wallet client). */
export interface WalletClient extends PublicClient {
  readonly address: string;
  /** Signs `op` with the key's next nonce, submits it and waits for its block; a refused outcome is thrown as its AinError. */
  submit(op: Op, options?: { readonly waitMs?: number }): Promise<TxLanded>;
  /** Signs and submits `op` without waiting for its block. */
  append(op: Op): Promise<TxAccepted & { readonly tx: Tx }>;
  /** Signs and submits `ops` as one batch, in nonce order. */
  appendBatch(ops: readonly Op[]): Promise<TxsAnswer>;
  /** Signs `op` with the next nonce without submitting it (the nonce is used up). */
  sign(op: Op): Promise<Tx>;
}

export type CreateClientReturnType<P extends CreateClientParameters> = P extends { readonly key: KeyPair } ? WalletClient : PublicClient;

/** The key as the wire format has it, its public key and address those of its seed: BAD_KEY_FILE otherwise. */
function checkKey(key: unknown): KeyPair {
  let file: KeyFile;
  try {
    file = parseOrThrow(KeyFile, key, 'createClient key');
  } catch (cause) {
    throw new AinError('BAD_KEY_FILE', (cause as Error).message, { cause });
  }
  const pair = keyPairFromSeed(file.privateKey);
  if (pair.publicKey !== file.publicKey || pair.address !== file.address) {
    throw new AinError('BAD_KEY_FILE', 'createClient key is inconsistent: its publicKey or address does not belong to its privateKey.');
  }
  return pair;
}

/**
 * A client of one node: every read action bound to it and, with a `key`, the writes through one
 * submit queue (the key's txs are signed in the order they are asked for, nonces above the
 * ledger's). A bad `url` or `timeoutMs` is BAD_SCHEMA, a bad key BAD_KEY_FILE, both at once.
 * @example const client = createClient({ url: 'http://127.0.0.1:8080', key }); await client.submit({ type: 'set_value', path: '/apps/demo/x', value: 1 })
 */
export function createClient<P extends CreateClientParameters>(parameters: P): CreateClientReturnType<P>;
export function createClient(parameters: CreateClientParameters): PublicClient | WalletClient {
  const { key: given, ...rest } = (parameters ?? {}) as CreateClientParameters;
  const { url, timeoutMs, waitMs = 60_000 } = parseOrThrow(ClientParameters, rest, 'createClient parameter');
  const node: NodeRef = timeoutMs === undefined ? { url } : { url, timeoutMs };
  const bound = Object.fromEntries(
    Object.entries(actions).map(([name, action]) => [name, (...args: unknown[]) => (action as (client: NodeRef, ...a: unknown[]) => unknown)(node, ...args)]),
  ) as unknown as ReadActions;
  const client: PublicClient = {
    ...bound,
    url,
    postTx: (tx) => postTx(url, tx),
    postTxs: (txs) => postTxs(url, txs),
    waitForTx: (hash, { waitMs: wait = 30_000 } = {}) => waitForTx(url, hash, Date.now() + wait),
    verifyTx: (hash, options) => verifyTx(url, hash, options),
    verifyState: (path, options) => verifyState(url, path, options),
  };
  if (given === undefined) return client;
  const key = checkKey(given);
  const submitter: NodeSubmitter = createNodeSubmitter({ nodeUrl: url, key, waitMs });
  return {
    ...client,
    address: key.address,
    submit: (op, { waitMs: wait } = {}) => submitter.submit(op, wait),
    append: (op) => submitter.append(op),
    appendBatch: (ops) => submitter.appendBatch(ops),
    sign: (op) => submitter.sign(op),
  };
}
