import { applyBlock, createLedger, type BlockResult } from '../../actors/index.ts';
import { BlockCutter, blockHashOf, genesisPosition, type LogRecord } from '../../events/index.ts';
import type { Refusal } from '../../projections/index.ts';
import type { Genesis } from '../../schemas/index.ts';
import type { VerifyPool } from '../ingest/index.ts';
import { checkLogRecords } from '../node/checkRecords.ts';
import type { NodeSnapshot } from '../node/snapshotStore.ts';
import { genesisHashOf } from '../../actors/index.ts';

/** Anything the replay disagrees with, located as precisely as the evidence allows. */
export interface Mismatch {
  readonly kind: 'log' | 'record' | 'attestation' | 'snapshot';
  readonly message: string;
  readonly height?: number;
  readonly offset?: number;
  readonly tx?: string;
}

export interface AuditReport {
  readonly ok: boolean;
  readonly chain: string;
  readonly genesis: string;
  readonly records: number;
  readonly blocks: number;
  readonly txs: number;
  readonly outcomes: Record<string, number>;
  readonly finalized: { readonly height: number; readonly hash: string };
  readonly stateRoot: string;
  /** Attestations checked against the replayed block hashes. */
  readonly attestations: number;
  readonly snapshotsChecked: number;
  readonly mismatches: readonly Mismatch[];
}

/** Where records come from: a file log reader, a Kafka log, any EventLog's `read`. */
export interface AuditSource {
  lastOffset(): number;
  read(from: number, options?: { maxRecords?: number }): Promise<LogRecord[]>;
}

export interface AuditOptions {
  readonly source: AuditSource;
  readonly genesis: Genesis;
  /** The node's snapshots, to compare with the replay at their heights. */
  readonly snapshots?: readonly NodeSnapshot[];
  /** Verifies on every core; without it, on this thread. */
  readonly pool?: VerifyPool;
  /**
   * Every record should pass its boundary check (a file log only holds what its node verified):
   * a record that fails is tampering. False for shared logs (Kafka) where anyone may write.
   */
  readonly strictRecords?: boolean;
  readonly onProgress?: (progress: { readonly offset: number; readonly lastOffset: number; readonly height: number }) => void;
  readonly mismatchesMax?: number;
}

const chunkRecords = 8192;

/**
 * Replays a chain's log from genesis with a fresh ledger, re-checking every record (schema,
 * chain, signature, hash), recomputing every block (txRoot, prevHash, state root, outcomes) and
 * comparing it with what validators attested and what the node's snapshots recorded.
 */
export async function auditLog({ source, genesis, snapshots = [], pool, strictRecords = true, onProgress, mismatchesMax = 100 }: AuditOptions): Promise<AuditReport> {
  const genesisHash = genesisHashOf(genesis);
  const ledger = createLedger(genesis);
  const verdicts = new Map<number, Refusal | null>();
  let sealed: BlockResult | undefined;
  const cutter = new BlockCutter(
    {
      chain: genesis.chain,
      shard: genesis.shard,
      maxTxs: genesis.block.maxTxs,
      maxBytes: genesis.block.maxBytes,
      proposers: genesis.proposers,
      seal: (header, txs) => (sealed = applyBlock(ledger, { header, txs, checks: txs.map((t) => verdicts.get(t.offset)) })),
    },
    { ...genesisPosition, prevHash: genesisHash },
  );
  const hashes = new Map<number, { hash: string; firstOffset: number; lastOffset: number }>();
  const byHeight = new Map(snapshots.map((s) => [s.height, s]));
  const mismatches: Mismatch[] = [];
  const outcomes: Record<string, number> = {};
  const mismatch = (m: Mismatch) => {
    if (mismatches.length < mismatchesMax) mismatches.push(m);
  };
  let blocks = 0;
  let txs = 0;
  let attestations = 0;
  let snapshotsChecked = 0;
  let finalized = { height: 0, hash: genesisHash };
  const last = source.lastOffset();
  // One chunk ahead: the next chunk is read and checked on the pool's threads while this one is applied.
  const fetchChunk = async (from: number) => {
    const records = from > last ? [] : await source.read(from, { maxRecords: chunkRecords });
    return { records, checked: checkLogRecords(records, genesis.chain, genesis.shard, pool) };
  };
  for (let pending = fetchChunk(0); ; ) {
    const { records, checked } = await pending;
    if (records.length === 0) break;
    const from = records[records.length - 1]!.offset + 1;
    pending = fetchChunk(from);
    for (const { record, verdict } of await checked) {
      verdicts.set(record.offset, verdict);
      if (verdict !== null && strictRecords) {
        mismatch({ kind: 'record', offset: record.offset, tx: record.hash, message: `The record at offset ${record.offset} fails its boundary check (${verdict.code}: ${verdict.message}); the node only appends records that pass.` });
      }
      const attest = record.tx?.op.type === 'attest' ? record.tx.op : undefined;
      if (attest !== undefined && record.tx !== null) {
        const replayed = hashes.get(attest.height);
        if (replayed !== undefined) {
          attestations++;
          if (replayed.hash !== attest.hash) {
            mismatch({
              kind: 'attestation',
              height: attest.height,
              offset: record.offset,
              tx: record.hash,
              message: `Block ${attest.height} (log offsets ${replayed.firstOffset}-${replayed.lastOffset}) replays to ${replayed.hash.slice(0, 16)}…, but ${record.tx.from} attested ${attest.hash.slice(0, 16)}… at offset ${record.offset}: the records of that block differ from what was attested.`,
            });
          }
        }
      }
      const block = cutter.push(record);
      if (block === null) continue;
      const result = sealed!;
      const hash = blockHashOf(block.header);
      const { height, firstOffset, lastOffset } = block.header;
      hashes.set(height, { hash, firstOffset, lastOffset });
      for (const t of block.txs) verdicts.delete(t.offset);
      blocks++;
      txs += block.txs.length;
      for (const o of result.outcomes) outcomes[o.code] = (outcomes[o.code] ?? 0) + 1;
      finalized = result.finalized;
      const snapshot = byHeight.get(height);
      if (snapshot !== undefined) {
        snapshotsChecked++;
        const root = ledger.tree.root();
        if (snapshot.blockHash !== hash || snapshot.ledger?.state?.root !== root || snapshot.position?.lastOffset !== lastOffset) {
          mismatch({
            kind: 'snapshot',
            height,
            message: `The node's snapshot at height ${height} records block ${String(snapshot.blockHash).slice(0, 16)}… with state root ${String(snapshot.ledger?.state?.root).slice(0, 16)}…; the replay gives block ${hash.slice(0, 16)}… with state root ${root.slice(0, 16)}….`,
          });
        }
      }
    }
    onProgress?.({ offset: from - 1, lastOffset: last, height: ledger.height });
  }
  for (const height of byHeight.keys()) {
    if (height > ledger.height) mismatch({ kind: 'snapshot', height, message: `The node has a snapshot at height ${height}, but the log replays only to height ${ledger.height}: records are missing.` });
  }
  return {
    ok: mismatches.length === 0,
    chain: genesis.chain,
    genesis: genesisHash,
    records: last + 1,
    blocks,
    txs,
    outcomes,
    finalized,
    stateRoot: ledger.tree.root(),
    attestations,
    snapshotsChecked,
    mismatches,
  };
}
