import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Subject } from 'rxjs';
import { BlockCutter, decodeOwnTxRecord, decodeTxRecord, encodeTxRecord, openFileLog, signTx, type EventLog, type KeyPair } from '../../events/index.ts';
import type { NodeConfig } from '../../schemas/index.ts';
import { createApi } from '../api/index.ts';
import { createIngest, createVerifyPool, type VerifyPool } from '../ingest/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import { createBlockStore, type BlockView } from './blockStore.ts';

export interface AinNode {
  readonly key: KeyPair;
  /** `http://host:port` once started. */
  readonly url: string;
  /** Every block this node cuts, as it cuts it. */
  readonly blocks$: Subject<BlockView>;
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  readonly config: NodeConfig;
  readonly logger: Logger;
  /** Wall clock for the proposer's cut markers; tests inject one. */
  readonly now?: () => number;
}

/**
 * Assembles one node: key, file log, verify pool, block cutter following the log, the
 * proposer's timer and the HTTP API. Stops in reverse order: intake first, the log last.
 */
export async function startNode({ config, logger, now = Date.now }: StartNodeOptions): Promise<AinNode> {
  await mkdir(config.dataDir, { recursive: true });
  const { key, created } = await loadOrCreateKeyFile(join(config.dataDir, 'node.key'));
  if (created) logger.info({ address: key.address }, 'created node key');
  const log = await openFileLog({
    dir: join(config.dataDir, 'log'),
    fsync: config.log.fsync,
    segmentBytes: config.log.segmentBytes,
    onRecovery: (report) => logger.warn({ report }, 'log tail was torn by a crash and has been cut off'),
  });
  let pool: VerifyPool | undefined;
  try {
    pool = createVerifyPool({ chain: config.chain, shard: config.shard, maxTxBytes: config.maxTxBytes, threads: config.verifyThreads });
    const blocks = createBlockStore();
    const blocks$ = new Subject<BlockView>();
    const cutter = new BlockCutter({ chain: config.chain, shard: config.shard, maxTxs: config.block.maxTxs, maxBytes: config.block.maxBytes, proposers: [key.address] });
    const following = new AbortController();
    const ownHashes = new Map<number, OwnRecord>();
    const followDone = followLog(log, cutter, ownHashes, following.signal, (view) => {
      logger.info({ height: view.header.height, txs: view.txs.length, hash: view.hash, lastOffset: view.header.lastOffset }, 'block');
      blocks$.next(view);
    }, blocks);
    followDone.catch((error) => logger.fatal({ err: error }, 'following the log failed; the node stops folding'));

    const proposer = startProposer({ log, cutter, key, config, now, logger });
    const api = createApi({
      ingest: createIngest({
        log,
        pool,
        onAppended: (offsets, appended) => {
          if (ownHashes.size > ownHashesMax) return; // the follower lags far behind: let it hash again
          for (const [i, offset] of offsets.entries()) ownHashes.set(offset, appended[i]!);
        },
      }),
      maxBatchTxs: config.maxBatchTxs,
      bodyBytesMax: config.maxBatchTxs * config.maxTxBytes * 2,
      blocks,
      status: () => ({ chain: config.chain, shard: config.shard, address: key.address, lastOffset: log.lastOffset(), height: blocks.latest()?.header.height ?? 0 }),
    });
    await api.listen({ host: config.host, port: config.port });
    const address = api.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url, address: key.address, chain: config.chain, dataDir: config.dataDir }, 'node started');

    return {
      key,
      url,
      blocks$,
      async stop() {
        await api.close();
        proposer.stop();
        await pool!.close();
        following.abort();
        await log.close();
        await followDone.catch(() => undefined);
        blocks$.complete();
        logger.info('node stopped');
      },
    };
  } catch (error) {
    await pool?.close();
    await log.close();
    throw error;
  }
}

/** What the node knows of a record it verified and appended, kept until its follower reads it. */
interface OwnRecord {
  readonly hash: string;
  readonly isCut: boolean;
}
const ownHashesMax = 1_000_000;

async function followLog(
  log: EventLog,
  cutter: BlockCutter,
  ownHashes: Map<number, OwnRecord>,
  signal: AbortSignal,
  onBlock: (view: BlockView) => void,
  blocks: ReturnType<typeof createBlockStore>,
): Promise<void> {
  for await (const { offset, value } of log.follow(0, { signal })) {
    const own = ownHashes.get(offset);
    if (own !== undefined) ownHashes.delete(offset);
    const block = cutter.push(own === undefined ? decodeTxRecord(offset, value) : decodeOwnTxRecord(offset, value, own.hash, own.isCut));
    if (block !== null) onBlock(blocks.add(block));
  }
}

interface ProposerOptions {
  readonly log: EventLog;
  readonly cutter: BlockCutter;
  readonly key: KeyPair;
  readonly config: NodeConfig;
  readonly now: () => number;
  readonly logger: Logger;
}

/**
 * Appends a signed `cut` marker for the next height when its timer fires and records wait
 * beyond the last block, once per height. Nonces follow the clock so a restart never reuses one.
 */
function startProposer({ log, cutter, key, config, now, logger }: ProposerOptions): { stop(): void } {
  let lastNonce = 0;
  let lastCutHeight = 0;
  let busy = false;
  const timer = setInterval(async () => {
    const { height, lastOffset } = cutter.position;
    if (busy || height <= lastCutHeight || log.lastOffset() <= lastOffset) return;
    busy = true;
    try {
      const time = now();
      lastNonce = Math.max(lastNonce + 1, time);
      const tx = signTx({ key, op: { type: 'cut', height }, nonce: lastNonce, time, chain: config.chain, shard: config.shard });
      await log.append([encodeTxRecord(tx)]);
      lastCutHeight = height;
    } catch (error) {
      logger.warn({ err: error }, 'could not append a cut marker; will retry');
    } finally {
      busy = false;
    }
  }, config.block.intervalMs);
  return { stop: () => clearInterval(timer) };
}
