import { createChain, genesisHashOf } from '../../actors/index.ts';
import type { LogRecord, TxRecord } from '../../log/index.ts';
import type { Outcome } from '../../projections/index.ts';
import type { Genesis } from '../../schemas/index.ts';
import type { VerifyPool } from '../ingest/index.ts';
import { checkLogRecords, type NodeSnapshot } from '../node/index.ts';
import { createMismatchList, type Mismatch, type UnlistedMismatches } from './mismatchList.ts';
import { snapshotMismatches } from './snapshotMismatches.ts';

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
  /** Validators' attestations (those the ledger counted as votes) checked against the replayed block hashes. */
  readonly attestations: number;
  /**
   * Commit certificates (a network of validators' `commit` txs) the replay checked and took: each
   * the votes of more than 2/3 of a block's validator set for the block before it. The newest
   * block's is not in the log yet (the next block carries it).
   */
  readonly certificates: number;
  readonly snapshotsChecked: number;
  /** Listed mismatches, first first: at most `mismatchesMax`, and `mismatchesPerSignerMax` per signer and kind. */
  readonly mismatches: readonly Mismatch[];
  /** Mismatches past those caps, counted by kind and signer. */
  readonly unlisted: readonly UnlistedMismatches[];
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
  readonly mismatchesPerSignerMax?: number;
}

const chunkRecords = 8192;

/**
 * What the ledger counts as a validator's vote: `ok`, or `WRONG_HEADER` for a vote for another
 * hash. It gives either only to a validator of the block's set, once per height, inside the attest
 * window; any other attestation (NOT_VALIDATOR, BAD_ATTESTATION, ALREADY_ATTESTED, …) is a tx
 * anyone can sign, refused in its block, and says nothing about the log.
 */
const voteCodes: ReadonlySet<string> = new Set(['ok', 'WRONG_HEADER']);

/** Validators' attestations in a sealed block, with the outcome the ledger gave each. */
function* votesOf(txs: readonly TxRecord[], outcomes: readonly Outcome[]) {
  for (const [index, record] of txs.entries()) {
    const op = record.tx?.op;
    if (op?.type === 'attest' && voteCodes.has(outcomes[index]!.code)) yield { record, op, from: record.tx!.from };
  }
}

/**
 * Replays a chain's log from genesis with a fresh chain, re-checking every record (schema,
 * chain, signature, hash), recomputing every block (txRoot, prevHash, state root, outcomes) and
 * the read models, and comparing them with what validators attested and what the node's
 * snapshots recorded.
 */
export async function auditLog({
  source,
  genesis,
  snapshots = [],
  pool,
  strictRecords = true,
  onProgress,
  mismatchesMax = 100,
  mismatchesPerSignerMax = 10,
}: AuditOptions): Promise<AuditReport> {
  const genesisHash = genesisHashOf(genesis);
  const chain = createChain({ genesis });
  const { ledger } = chain;
  const hashes = new Map<number, { hash: string; firstOffset: number; lastOffset: number }>();
  const byHeight = new Map(snapshots.map((s) => [s.height, s]));
  const found = createMismatchList({ mismatchesMax, perSignerMax: mismatchesPerSignerMax, unlistedSignersMax: mismatchesMax });
  const mismatch = (m: Mismatch) => found.add(m);
  const outcomes: Record<string, number> = {};
  let blocks = 0;
  let txs = 0;
  let attestations = 0;
  let certificates = 0;
  let snapshotsChecked = 0;
  let finalized = { height: 0, hash: genesisHash };
  const last = source.lastOffset();
  // One chunk ahead: the next chunk is read and checked on the pool's threads while this one is applied.
  const fetchChunk = async (from: number) => {
    const records = from > last ? [] : await source.read(from, { maxRecords: chunkRecords });
    return { records, checked: checkLogRecords(records, genesis, pool) };
  };
  for (let pending = fetchChunk(0); ;) {
    const { records, checked } = await pending;
    if (records.length === 0) break;
    const from = records[records.length - 1]!.offset + 1;
    pending = fetchChunk(from);
    for (const checkedRecord of await checked) {
      const { record, verdict } = checkedRecord;
      if (verdict !== null && strictRecords) {
        mismatch({
          kind: 'record',
          offset: record.offset,
          tx: record.hash,
          from: record.tx?.from,
          message: `The record at offset ${record.offset} fails its boundary check (${verdict.code}: ${verdict.message}); the node only appends records that pass.`,
        });
      }
      const step = chain.push(checkedRecord);
      if (step === null) continue;
      const { block, hash, result } = step;
      const { height, firstOffset, lastOffset } = block.header;
      hashes.set(height, { hash, firstOffset, lastOffset });
      blocks++;
      txs += block.txs.length;
      for (const o of result.outcomes) outcomes[o.code] = (outcomes[o.code] ?? 0) + 1;
      for (const [index, record] of block.txs.entries()) if (record.tx?.op.type === 'commit' && result.outcomes[index]!.code === 'ok') certificates++;
      for (const { record, op, from } of votesOf(block.txs, result.outcomes)) {
        const replayed = hashes.get(op.height);
        if (replayed === undefined) continue;
        attestations++;
        if (replayed.hash !== op.hash) {
          mismatch({
            kind: 'attestation',
            height: op.height,
            offset: record.offset,
            tx: record.hash,
            from,
            message: `Block ${op.height} (log offsets ${replayed.firstOffset}-${replayed.lastOffset}) replays to ${replayed.hash.slice(0, 16)}…, but validator ${from} attested ${op.hash.slice(0, 16)}… at offset ${record.offset}: the records of that block differ from what was attested.`,
          });
        }
      }
      finalized = result.finalized;
      const snapshot = byHeight.get(height);
      if (snapshot !== undefined) {
        snapshotsChecked++;
        for (const found of snapshotMismatches(snapshot, chain)) mismatch(found);
      }
    }
    onProgress?.({ offset: from - 1, lastOffset: last, height: ledger.height });
  }
  for (const height of byHeight.keys()) {
    if (height > ledger.height)
      mismatch({
        kind: 'snapshot',
        height,
        message: `The node has a snapshot at height ${height}, but the log replays only to height ${ledger.height}: records are missing.`,
      });
  }
  const unlisted = found.unlisted();
  return {
    ok: found.listed.length === 0 && unlisted.length === 0,
    chain: genesis.chain,
    genesis: genesisHash,
    records: last + 1,
    blocks,
    txs,
    outcomes,
    finalized,
    stateRoot: ledger.tree.root(),
    attestations,
    certificates,
    snapshotsChecked,
    mismatches: found.listed,
    unlisted,
  };
}
