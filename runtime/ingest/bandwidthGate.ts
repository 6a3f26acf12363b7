import { requestBandwidthPool, type Ledger } from '../../actors/index.ts';
import { bandwidthFree, bandwidthRoom, usedBy, windowOf } from '../../projections/index.ts';
import type { Op, Refusal } from '../../schemas/index.ts';
import type { Admission, AdmitDecision, AdmitTx } from './ingest.ts';
import type { TxSender } from './verifyChunk.ts';

/**
 * The ledger's bandwidth rule (projections/accounts/bandwidth.ts) at the boundary, so a spammer's
 * txs past its budget are refused before they cost the network a block's room: the same budget,
 * what the ledger counted in the window the node's clock is in, plus `queued` txs of the sender
 * taken in but not yet folded. The fold stays the judge (BANDWIDTH_EXCEEDED there too); this only
 * keeps what it would refuse out of the log and the mempool.
 */
export function bandwidthRefusal(
  ledger: Pick<Ledger, 'tree' | 'bandwidth' | 'proposers'>,
  tx: { readonly sender: TxSender; readonly record: Uint8Array },
  queued: number,
  nowMs: number,
): Refusal | undefined {
  const rules = ledger.bandwidth;
  const { from, type } = tx.sender;
  if (rules === null || bandwidthFree(ledger.tree, ledger.proposers, from, type)) return undefined;
  // Past its own budget, a party's tx about a request draws on the request's lock: the op is read only then.
  const pool = () =>
    requestBandwidthPool(
      ledger.tree,
      rules,
      from,
      (JSON.parse(Buffer.from(tx.record.buffer, tx.record.byteOffset, tx.record.byteLength).toString('utf8')) as { op: Op }).op,
    );
  const room = bandwidthRoom(ledger.tree, rules, from, windowOf(rules, nowMs), pool, queued);
  return 'refusal' in room ? (room.refusal as Refusal) : undefined;
}

/** Senders the embedded ingest counts before it forgets the ones the ledger has caught up with. */
const admittedSendersMax = 100_000;

/**
 * The ingest's admission on a node without a mempool (the embedded file log, Kafka): refuses
 * what `bandwidthRefusal` refuses, counting the txs of each sender it let in during the current
 * window of the node's clock (the ledger may not have folded them yet).
 * @example createIngest({ log, pool, admission: bandwidthAdmission(() => chain.ledger, Date.now) })
 */
export function bandwidthAdmission(ledger: () => Pick<Ledger, 'tree' | 'bandwidth' | 'proposers'>, now: () => number): Admission {
  let window = -1;
  const admitted = new Map<string, number>();
  let pruneAt = admittedSendersMax;
  return {
    admit(tx: AdmitTx): AdmitDecision {
      const current = ledger();
      const rules = current.bandwidth;
      if (rules === null || tx.sender === undefined) return 'append';
      const nowMs = now();
      if (windowOf(rules, nowMs) !== window) {
        window = windowOf(rules, nowMs);
        admitted.clear();
        pruneAt = admittedSendersMax;
      }
      const { from } = tx.sender;
      const mine = admitted.get(from) ?? 0;
      // What the ledger counted may already include some of these: the larger of the two is what is spent.
      const queued = Math.max(0, mine - usedBy(current.tree, from, window));
      const refusal = bandwidthRefusal(current, { sender: tx.sender, record: tx.record }, queued, nowMs);
      if (refusal !== undefined) return refusal;
      if (!bandwidthFree(current.tree, current.proposers, from, tx.sender.type)) admitted.set(from, mine + 1);
      // Many senders in one long window: forget those whose txs the ledger has all counted.
      if (admitted.size > pruneAt) {
        for (const [sender, count] of admitted) if (count <= usedBy(current.tree, sender, window)) admitted.delete(sender);
        pruneAt = Math.max(admittedSendersMax, 2 * admitted.size); // amortized: a scan per doubling at most
      }
      return 'append';
    },
    // An append that failed leaves its txs counted until the window ends: a rare I/O failure errs
    // on the side of the network, and no hash is kept per tx for it.
    release() {},
  };
}
