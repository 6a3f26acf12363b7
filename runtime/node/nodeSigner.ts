import { checkTx, encodeTxRecord, parseTxJson, txHashOf, type EventLog, type KeyPair } from '../../log/index.ts';
import { AinError, isAinError, type Op, type Tx } from '../../schemas/index.ts';
import { createSubmitQueue } from '../client/index.ts';
import type { ReadBack } from '../ingest/index.ts';

export interface NodeSignerOptions {
  readonly log: EventLog;
  readonly key: KeyPair;
  readonly chain: string;
  readonly shard: string;
  /** The boundary's size limit: the node's own txs pass the checks every other tx passes. */
  readonly maxTxBytes: number;
  readonly now: () => number;
  /** The last nonce the ledger has seen from this key (after a restart, the floor). */
  readonly ledgerNonce: () => number;
  /**
   * The follower: told of each append as it starts and of the record written, so it need not
   * check it again; the append is done only once the record was read back at its offset.
   */
  readonly readBack?: ReadBack;
  /** Called once when the signer stops for good: it would have signed a tx the boundary refuses. */
  readonly onFatal?: (error: AinError) => void;
}

export interface NodeSigner {
  /** Signs an op with the node's key and appends it; resolves with its offset once durable and read back. */
  submit(op: Op): Promise<number>;
}

/**
 * The node's own txs (cut markers, attestations) in one submit queue (runtime/client): nonces
 * must rise in log order, so signing and appending happen one at a time. Nonces follow the
 * clock, never below the ledger's (asked before every sign), so a restart never reuses one. Each
 * tx passes the same boundary checks as any other before it is appended (its record is trusted
 * by the follower once read back equal): one that would fail them, such as a nonce past
 * 2^53 − 1 after someone spent the key's nonces, stops the signer for good instead.
 */
export function createNodeSigner({ log, key, chain, shard, maxTxBytes, now, ledgerNonce, readBack, onFatal }: NodeSignerOptions): NodeSigner {
  let stopped: AinError | undefined;
  const stop = (cause: unknown, what: string): AinError => {
    if (stopped !== undefined) return stopped;
    stopped = new AinError(
      'SIGNER_STOPPED',
      `The node's signer stopped: ${what}. It signs no more cut markers or attestations; see the cause, then give the node another key or chain.`,
      {
        details: { address: key.address },
        cause,
      },
    );
    onFatal?.(stopped);
    return stopped;
  };
  /** Appends one signed tx to the log; resolves with its offset once durable and read back. */
  const appendOne = async ([tx]: readonly Tx[]): Promise<number> => {
    if (stopped !== undefined) throw stopped;
    const record = encodeTxRecord(tx!);
    try {
      checkTx(parseTxJson(record.toString('utf8')), { chain, shard, maxTxBytes });
    } catch (error) {
      throw stop(
        error,
        `its own ${tx!.op.type} tx would be refused at the boundary (${error instanceof AinError ? `${error.code}: ${error.message}` : String(error)})`,
      );
    }
    let readingBack: Promise<void> | void = undefined;
    const appended = log.append([record]).then(([offset]) => {
      readingBack = readBack?.noteOwn([offset!], [{ hash: txHashOf(tx!), isCut: tx!.op.type === 'cut', value: record }]);
      return offset!;
    });
    readBack?.appending(appended);
    const offset = await appended;
    await readingBack;
    return offset;
  };
  const queue = createSubmitQueue({ key, chain: () => ({ chain, shard }), ledgerNonce, readLedgerNonce: 'everySign', now, append: appendOne });
  return {
    async submit(op) {
      if (stopped !== undefined) throw stopped;
      try {
        return (await queue.append([op])).answer;
      } catch (error) {
        if (!isAinError(error, 'NONCES_SPENT')) throw error;
        throw stop(
          error,
          `the next nonce of ${key.address} would be ${String(error.details.nonce)}, past the largest a tx may carry (${Number.MAX_SAFE_INTEGER})`,
        );
      }
    },
  };
}
