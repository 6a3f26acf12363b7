import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { decodeTxRecord, type EventLog } from '../../log/index.ts';
import { AinError, isAinError } from '../../schemas/index.ts';
import type { BlockHistory, BlockView, TxLocation } from './blockStore.ts';
import { protocolChanges, startAgain } from './dataDirProtocol.ts';
import { openHistoryStores, sealBlock, sealTx, txKey, txKeyRange, unsealBlock, unsealTx, type HistoryStores } from './historyStores.ts';

/**
 * The node's block history on disk: every block view it applied, and where each tx landed, in an
 * LMDB environment under `<dataDir>/history`.
 *
 * Derived data: everything here is rebuilt by replaying the log, so it is outside the log's
 * durability guarantee. What it must never do is serve a block or tx the log does not hold: on
 * open it is checked against the snapshot the node restored from and against the log, and every
 * record read is checked against its CRC.
 *
 * LMDB because reads are synchronous (the API, the validator and the CLI read blocks without
 * awaiting) and a write transaction is atomic and copy-on-write: a crash leaves the last committed
 * state, never a torn block. A block and its tx entries go in one commit.
 */

/**
 * Bumped when the layout changes: an older history is then dropped and rewritten by replay. Also
 * bumped when the protocol changes so that a chain's log no longer replays to its certificates;
 * a history of an earlier format of this chain is then refused instead (see protocolProblem). 2:
 * block headers carry recordsRoot. 3: votes, proposals and attestations sign the chain's genesis.
 */
const formatVersion = 3;

export interface OpenBlockHistoryOptions {
  readonly dir: string;
  /** The chain's genesis hash: a history of another chain is dropped. */
  readonly genesisHash: string;
  /** Height of the snapshot the node restored from (0: genesis). Blocks above it are replayed, so they are rewritten. */
  readonly fromHeight: number;
  /** Hash of the block at `fromHeight` (the snapshot's; the genesis hash at 0). */
  readonly fromHash: string;
  /** The node's log: the last block kept must end with the record the log holds there. */
  readonly log: Pick<EventLog, 'read' | 'lastOffset'>;
  readonly logger: Logger;
  /** A write failed (disk full, …): the history stops growing, the node goes on. Default: logged. */
  readonly onFailure?: (error: unknown) => void;
  /**
   * A history of this chain whose blocks end past the log's last record is dropped, unless this
   * is given (a log the data dir does not hold: Kafka): then its refusal is thrown, as the log is
   * not the one the node was on.
   */
  readonly pastLog?: (found: { readonly height: number; readonly lastOffset: number }) => Error;
}

const highestKey = (stores: HistoryStores, atMost?: number): number => {
  for (const key of stores.blocks.getKeys({ start: atMost, reverse: true, limit: 1 })) return key;
  return 0;
};
const lowestKey = (stores: HistoryStores): number => {
  for (const key of stores.blocks.getKeys({ limit: 1 })) return key;
  return 0;
};

/** Why a history on disk cannot be kept, or undefined when what it holds up to `fromHeight` fits the snapshot and the log. */
async function staleReason(stores: HistoryStores, { genesisHash, fromHeight, fromHash, log, pastLog }: OpenBlockHistoryOptions): Promise<string | undefined> {
  const meta = stores.meta.get('format');
  if (meta === undefined) return lowestKey(stores) === 0 ? undefined : 'it has no format record';
  if (meta.version !== formatVersion) return `it is format ${meta.version}, this node writes ${formatVersion}`;
  if (meta.genesis !== genesisHash) return `it is of genesis ${meta.genesis.slice(0, 16)}…, this chain's is ${genesisHash.slice(0, 16)}…`;
  if (pastLog !== undefined) {
    // Its newest block past the log's end: the log is not the one the node was on (its refusal, thrown).
    const top = highestKey(stores);
    const { view } = top === 0 ? { view: undefined } : unsealBlock(top, stores.blocks.get(top));
    if (view !== undefined && view.header.lastOffset > log.lastOffset()) throw pastLog({ height: top, lastOffset: view.header.lastOffset });
  }
  if (fromHeight === 0) return undefined; // all of it is above: truncated, then rewritten by the replay
  const height = highestKey(stores, fromHeight);
  if (height === 0) return undefined;
  const { view, damaged } = unsealBlock(height, stores.blocks.get(height));
  if (damaged || view === undefined) return `its block ${height} is damaged`;
  if (height === fromHeight && view.hash !== fromHash) return `its block ${height} is ${view.hash.slice(0, 16)}…, the snapshot's is ${fromHash.slice(0, 16)}…`;
  // Below the snapshot too (a gap above it): its last record must be the log's.
  const { lastOffset } = view.header;
  const last = view.txs.at(-1);
  if (last === undefined || last.offset !== lastOffset) return `its block ${height} does not end at its header's last offset`;
  if (lastOffset > log.lastOffset()) return `its block ${height} ends at log offset ${lastOffset}, past the log's last record ${log.lastOffset()}`;
  const [record] = await log.read(lastOffset, { maxRecords: 1 });
  const found = record === undefined ? undefined : decodeTxRecord(record.offset, record.value).hash;
  if (found !== last.hash)
    return `its block ${height} ends with tx ${last.hash.slice(0, 16)}… at log offset ${lastOffset}, the log holds ${found === undefined ? 'nothing' : `${found.slice(0, 16)}…`} there`;
  return undefined;
}

/**
 * Removes the blocks above `height` and their tx entries, in one commit. Undefined, and nothing
 * removed, when one of them is damaged: its tx entries could not be found to be removed.
 */
function truncateAbove(stores: HistoryStores, height: number): number | undefined {
  const above: { height: number; hashes: string[] }[] = [];
  for (const { key, value } of stores.blocks.getRange({ start: height + 1 })) {
    const { view } = unsealBlock(key, value);
    if (view === undefined) return undefined;
    above.push({ height: key, hashes: view.txs.map((tx) => tx.hash) });
  }
  if (above.length === 0) return 0;
  stores.env.transactionSync(() => {
    for (const block of above) {
      for (const [index, hash] of block.hashes.entries()) stores.txs.removeSync(txKey(hash, block.height, index));
      stores.blocks.removeSync(block.height);
    }
  });
  return above.length;
}

async function dropped(dir: string, reason: string, logger: Logger): Promise<HistoryStores> {
  logger.warn({ dir, reason }, 'dropping the block history: the node rewrites the blocks it replays');
  await rm(dir, { recursive: true, force: true });
  return await openHistoryStores(dir);
}

/**
 * A history of an earlier format of this chain, beside a log that holds records, was written by
 * an earlier protocol (history formats 1 and 2 were protocols 1 and 2: protocolChanges): that log replays here to other block hashes than its
 * certificates signed, or to certificates and attestations this version does not take, so
 * finality would stop at once. The node refuses it with a sentence instead of dropping it and
 * folding on. (A history of another genesis is stale, and dropped as before. A data dir whose
 * history is gone is caught before, by its protocol marker: checkDataDirProtocol.)
 */
function protocolProblem(stores: HistoryStores, { dir, genesisHash, log }: OpenBlockHistoryOptions): AinError | undefined {
  const meta = stores.meta.get('format');
  const change = meta === undefined ? undefined : protocolChanges[meta.version];
  if (change === undefined || meta!.genesis !== genesisHash || log.lastOffset() < 0) return undefined;
  return new AinError(
    'DATA_DIR_OLD',
    `The block history in ${dir} was written by an earlier ain (history format ${meta!.version}), in which ${change}: this version cannot continue that chain (its log does not replay to what its certificates signed). ${startAgain}`,
  );
}

/** Opens the stores and checks them; a history that fails to open or to check is dropped whole and made anew. */
async function openChecked(options: OpenBlockHistoryOptions): Promise<HistoryStores> {
  let reason: string;
  try {
    const stores = await openHistoryStores(options.dir);
    const problem = protocolProblem(stores, options);
    if (problem !== undefined) {
      await stores.env.close();
      throw problem;
    }
    const stale = await staleReason(stores, options).catch(async (error: unknown) => {
      await stores.env.close();
      throw error;
    });
    if (stale === undefined) return stores;
    await stores.env.close();
    reason = stale;
  } catch (error) {
    if (isAinError(error, 'DATA_DIR_OLD') || isAinError(error, 'LOG_BEHIND_DATA_DIR')) throw error;
    reason = `it cannot be read (${(error as Error).message})`;
  }
  return await dropped(options.dir, reason, options.logger);
}

/**
 * Opens the history and makes it fit the log: a history of another chain, format or log, or one
 * that cannot be read, is dropped whole; blocks above `fromHeight` are removed (the follower
 * replays and rewrites them). What stays is served as it is; the heights up to `fromHeight` it
 * lacks (an older data dir, a dropped history) are counted in `missingAtOpen`, for
 * `startHistoryRebuild` to fill.
 *
 * @example
 * const history = await openBlockHistory({ dir: join(dataDir, 'history'), genesisHash, fromHeight, fromHash, log, logger });
 */
export async function openBlockHistory(options: OpenBlockHistoryOptions): Promise<BlockHistory> {
  const { dir, genesisHash, fromHeight, logger } = options;
  let stores = await openChecked(options);
  let removed = truncateAbove(stores, fromHeight);
  if (removed === undefined) {
    await stores.env.close();
    stores = await dropped(dir, `a block above height ${fromHeight} is damaged, so its tx entries cannot be removed`, logger);
    removed = 0;
  }
  if (stores.meta.get('format') === undefined) stores.meta.putSync('format', { version: formatVersion, genesis: genesisHash });
  if (removed > 0) logger.info({ removed, fromHeight }, 'block history: the blocks above the snapshot are replayed and rewritten');
  const lowest = lowestKey(stores);
  const highest = highestKey(stores);
  // Every key is a height from 1 to fromHeight now, so the count says how many are missing.
  const missingAtOpen = fromHeight - (stores.blocks.getStats() as { entryCount: number }).entryCount;
  if (missingAtOpen > 0) {
    logger.warn(
      { dir, held: highest === 0 ? null : [lowest, highest], missing: missingAtOpen, fromHeight },
      `the block history lacks ${missingAtOpen} of the heights up to the snapshot at ${fromHeight} (an older data dir, or a deleted or dropped history); they answer 404 until the node has rebuilt them from the log`,
    );
  }
  return historyOf(stores, { lowest, highest, missingAtOpen, logger, onFailure: options.onFailure });
}

function historyOf(
  stores: HistoryStores,
  init: { lowest: number; highest: number; missingAtOpen: number; logger: Logger; onFailure?: (error: unknown) => void },
): BlockHistory {
  const { env, blocks, txs } = stores;
  const { logger } = init;
  let { lowest, highest } = init;
  let failed = false;
  let closed = false;
  let damageReported = false;
  let committedHeight = highest;
  let lastWrite: Promise<unknown> = Promise.resolve();
  const onFailure =
    init.onFailure ??
    ((error: unknown) => logger.error({ err: error }, 'writing the block history failed; it stops growing (derived data: the log holds everything)'));
  const damaged = (what: string) => {
    if (!damageReported)
      logger.error(
        { what },
        `the block history is damaged (${what}): it is served as missing; stop the node and delete its history directory: the node rebuilds it from the log`,
      );
    damageReported = true;
    return undefined;
  };
  const get = (height: number): BlockView | undefined => {
    if (closed) return undefined;
    const { view, damaged: bad } = unsealBlock(height, blocks.get(height));
    return bad ? damaged(`block ${height}`) : view;
  };
  return {
    missingAtOpen: init.missingAtOpen,
    get lowest() {
      return lowest;
    },
    get highest() {
      return highest;
    },
    get committedHeight() {
      return committedHeight;
    },
    get failed() {
      return failed;
    },
    put(view) {
      if (failed || closed) return;
      const height = view.header.height;
      // One event turn, one commit: the block and its tx entries land together or not at all.
      const written = blocks.put(height, sealBlock(view));
      for (const [index, tx] of view.txs.entries()) {
        const key = txKey(tx.hash, height, index);
        void txs.put(key, sealTx(key, { offset: tx.offset, outcome: tx.outcome }));
      }
      lowest = lowest === 0 ? height : Math.min(lowest, height); // a rebuild writes below
      highest = Math.max(highest, height);
      lastWrite = written.then(
        () => void (committedHeight = Math.max(committedHeight, height)),
        (error: unknown) => {
          if (!failed) onFailure(error);
          failed = true;
        },
      );
    },
    get,
    findTx(hash) {
      if (closed) return undefined;
      for (const { key, value } of txs.getRange({ ...txKeyRange(hash), limit: 1 })) {
        const entry = unsealTx(key, value);
        if (entry === undefined) return damaged(`tx ${hash}`);
        const found: TxLocation = { hash, height: key.readUInt32BE(32), index: key.readUInt32BE(36), offset: entry.offset, outcome: entry.outcome };
        return found;
      }
      return undefined;
    },
    async flushed() {
      await lastWrite;
      if (!failed && !closed) await env.flushed;
    },
    async close() {
      if (closed) return;
      closed = true;
      await lastWrite;
      await env.close();
    },
  };
}
