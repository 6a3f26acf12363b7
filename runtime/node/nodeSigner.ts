import { encodeTxRecord, signTx, txHashOf, type EventLog, type KeyPair } from '../../events/index.ts';
import type { Op } from '../../schemas/index.ts';

export interface NodeSignerOptions {
  readonly log: EventLog;
  readonly key: KeyPair;
  readonly chain: string;
  readonly shard: string;
  readonly now: () => number;
  /** The last nonce the ledger has seen from this key (after a restart, the floor). */
  readonly ledgerNonce: () => number;
  /** Told of each record appended, so the follower need not check it again. */
  readonly onAppended?: (offset: number, hash: string, isCut: boolean) => void;
  /** Told of each append as it starts: the promise settles after `onAppended` was called (or the append failed). */
  readonly onAppending?: (settled: Promise<unknown>) => void;
}

export interface NodeSigner {
  /** Signs an op with the node's key and appends it; resolves with its offset once durable. */
  submit(op: Op): Promise<number>;
}

/**
 * The node's own txs (cut markers, attestations) in one queue: nonces must rise in log order,
 * so signing and appending happen one at a time. Nonces follow the clock, never below the
 * ledger's, so a restart never reuses one.
 */
export function createNodeSigner({ log, key, chain, shard, now, ledgerNonce, onAppended, onAppending }: NodeSignerOptions): NodeSigner {
  let lastNonce = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const submitNow = async (op: Op) => {
    const time = now();
    lastNonce = Math.max(lastNonce + 1, ledgerNonce() + 1, time);
    const tx = signTx({ key, op, nonce: lastNonce, time, chain, shard });
    const appended = log.append([encodeTxRecord(tx)]).then(([offset]) => {
      onAppended?.(offset!, txHashOf(tx), op.type === 'cut');
      return offset!;
    });
    onAppending?.(appended);
    return appended;
  };
  return {
    submit(op) {
      const result = queue.then(() => submitNow(op));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
