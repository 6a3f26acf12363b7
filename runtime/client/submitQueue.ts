import { signTx, txHashOf, type KeyPair } from '../../log/index.ts';
import { AinError, type Op, type Tx } from '../../schemas/index.ts';
import { nextNonce } from './nonce.ts';
import { refusalOf, type TxLanded } from './txApi.ts';

/** The chain and shard a queue signs for. */
export interface ChainRef {
  readonly chain: string;
  readonly shard: string;
}

export interface SubmitQueueOptions<A> {
  readonly key: KeyPair;
  /** The chain and shard to sign for: asked once, at the first sign (again if asking failed). */
  readonly chain: () => ChainRef | Promise<ChainRef>;
  /** The last nonce the ledger has of the key. */
  readonly ledgerNonce: () => number | Promise<number>;
  /**
   * When to ask `ledgerNonce`: `everySign` when it is cheap and in process (the node's own
   * ledger: the queue then never signs below a nonce someone else spent), `whenUnknown` (the
   * default) only before the queue's first sign and after `resync`, so a client over HTTP asks
   * once, not once per tx.
   */
  readonly readLedgerNonce?: 'everySign' | 'whenUnknown';
  /** The clock, in ms: the txs' `time` and the floor of their nonces. Default `Date.now`. */
  readonly now?: () => number;
  /** Appends signed txs, in nonce order, to the log (or submits them to a node); resolves once they are taken. */
  readonly append: (txs: readonly Tx[]) => Promise<A>;
  /** Most ops waiting their turn; one more is OVERLOADED. Default 10,000. */
  readonly queuedMax?: number;
}

export interface SubmitQueue<A> {
  readonly address: string;
  /**
   * Signs `ops` with the key's next nonces and appends them as one batch, after everything queued
   * before: one key's txs reach the log in nonce order. Resolves with the txs and what `append` answered.
   */
  append(ops: readonly Op[]): Promise<{ readonly txs: readonly Tx[]; readonly answer: A }>;
  /** Signs `op` with the next nonce, in turn, without appending it: the nonce is used up. */
  sign(op: Op): Promise<Tx>;
  /** The next sign asks the ledger's nonce again: after a tx came to BAD_NONCE. */
  resync(): void;
}

/**
 * One key's submit queue: signing and appending go one at a time, so the key's nonces reach the
 * log in the order its holder acts, while waiting for blocks (`submitAndWait`) does not hold up
 * the next tx. Nonces follow `nextNonce`: above the queue's last, above the ledger's, at least
 * the clock.
 * @example const queue = createSubmitQueue({ key, chain: () => ({ chain, shard }), ledgerNonce: () => 0, append: (txs) => log.append(txs.map(encodeTxRecord)) })
 */
export function createSubmitQueue<A>(options: SubmitQueueOptions<A>): SubmitQueue<A> {
  const { key, chain, ledgerNonce, readLedgerNonce = 'whenUnknown', now = Date.now, append, queuedMax = 10_000 } = options;
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  let lastNonce = 0;
  let ledgerKnown: number | undefined;
  let chainRef: Promise<ChainRef> | undefined;

  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    if (queued >= queuedMax) {
      return Promise.reject(
        new AinError(
          'OVERLOADED',
          `${queued} txs of ${key.address} are waiting to be signed (at most ${queuedMax}); wait for some to be taken, then submit again.`,
        ),
      );
    }
    queued++;
    const turn = tail.then(work).finally(() => queued--);
    tail = turn.catch(() => undefined);
    return turn;
  };

  const signAll = async (ops: readonly Op[]): Promise<Tx[]> => {
    chainRef ??= Promise.resolve(chain());
    const where = await chainRef.catch((error: unknown) => {
      chainRef = undefined;
      throw error;
    });
    if (ledgerKnown === undefined || readLedgerNonce === 'everySign') ledgerKnown = await ledgerNonce();
    return ops.map((op) => {
      const time = now();
      const nonce = nextNonce({ lastNonce, ledgerNonce: ledgerKnown!, timeMs: time, address: key.address });
      lastNonce = nonce;
      return signTx({ key, op, nonce, time, chain: where.chain, shard: where.shard });
    });
  };

  return {
    address: key.address,
    append: (ops) =>
      inTurn(async () => {
        const txs = await signAll(ops);
        return { txs, answer: await append(txs) };
      }),
    sign: (op) => inTurn(async () => (await signAll([op]))[0]!),
    resync() {
      ledgerKnown = undefined;
    },
  };
}

export interface SubmitAndWaitOptions {
  /** Resolves once the tx with this hash is in a block; throws once `deadlineMs` (clock time) passes. */
  readonly landed: (hash: string, deadlineMs: number) => Promise<TxLanded>;
  /** How long to wait for the tx's block, over all tries, before giving up (the tx may still land later). */
  readonly waitMs: number;
  /** Signing again after BAD_NONCE is safe (a refused nonce changed nothing); this many tries at most. Default 3. */
  readonly triesMax?: number;
}

/**
 * Appends `op` through the key's queue and waits for its block. When another signer of the key
 * took the nonce first (BAD_NONCE) it signs again above the ledger's, `triesMax` times at most;
 * any other refused outcome is thrown as its AinError.
 * @example const { height } = await submitAndWait(queue, op, { landed: (hash, deadlineMs) => waitForTx(nodeUrl, hash, deadlineMs), waitMs: 30_000 })
 */
export async function submitAndWait(queue: SubmitQueue<unknown>, op: Op, { landed, waitMs, triesMax = 3 }: SubmitAndWaitOptions): Promise<TxLanded> {
  const deadlineMs = Date.now() + waitMs;
  for (let tries = 1; ; tries++) {
    const { txs } = await queue.append([op]);
    const result = await landed(txHashOf(txs[0]!), deadlineMs);
    if (result.outcome.code === 'ok') return result;
    if (result.outcome.code === 'BAD_NONCE' && tries < triesMax) {
      queue.resync();
      continue;
    }
    throw refusalOf(result);
  }
}
