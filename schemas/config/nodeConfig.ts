import { z } from 'zod';
import { ChainId, ShardPath, Uint } from '../primitives/index.ts';
import { Reservation } from '../storage/index.ts';
import { defaultMaxTxBytes } from '../tx/index.ts';
import { P2pConfig } from './p2pConfig.ts';
import { AinError } from '../errors/index.ts';

/** How the file log makes appends durable before it acknowledges them. */
export const FsyncPolicy = z.union([
  z.literal('always'),
  z.strictObject({
    groupCommit: z.strictObject({
      maxRecords: Uint.min(1).default(4096),
      maxDelayMs: Uint.max(1000).default(0),
    }),
  }),
  /** Acknowledges before the disk has the data: benchmarks only. */
  z.literal('never'),
]);
export type FsyncPolicy = z.infer<typeof FsyncPolicy>;

export const FileLogConfig = z.strictObject({
  kind: z.literal('file').default('file'),
  fsync: FsyncPolicy.default({ groupCommit: { maxRecords: 4096, maxDelayMs: 0 } }),
  segmentBytes: Uint.min(4096).default(64 * 1024 * 1024),
});

/** `host:port` of a Kafka broker. */
export const BrokerAddress = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, { message: 'must be host:port, e.g. "127.0.0.1:9092"' });

/** The shared log on Apache Kafka: one single-partition topic per chain and shard. */
export const KafkaLogConfig = z.strictObject({
  kind: z.literal('kafka'),
  brokers: z.array(BrokerAddress).min(1).max(64),
  /** Default `ain.<chain>.<shard>.<genesis>` (see kafkaTopicOf). */
  topic: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, { message: 'must be 1-249 characters of A-Z, a-z, 0-9, ".", "_" or "-"' })
    .optional(),
  /** Used when the node creates the topic on first use; 3 and 2 on a real cluster. */
  replicationFactor: Uint.min(1).max(16).default(1),
  minInsyncReplicas: Uint.min(1).max(16).default(1),
  compression: z.enum(['none', 'gzip']).default('none'),
  /** How long an append keeps sending the same records to an unreachable broker before the tx gets LOG_NOT_ACKNOWLEDGED. */
  appendRetryMs: Uint.min(100).max(600_000).default(30_000),
});
export type KafkaLogConfig = z.infer<typeof KafkaLogConfig>;

/**
 * The default topic of a chain's shard: `ain.<chain>.root` for `/`, `ain.<chain>.<labels joined
 * by .>` otherwise, then `.` and the first 16 hex digits of the chain's genesis hash. The genesis
 * keeps apart what a chain id and path do not: a shard path branched again (a new genesis, the
 * closed one's records in the old topic) and a chain made again under one name (`ain net init`
 * run twice against one broker); on one topic the new chain would replay the old one's log.
 * @example kafkaTopicOf('ain-local', '/apps/x', genesisHash) // 'ain.ain-local.apps.x.3f9c0a12d4e5b6a7'
 */
export function kafkaTopicOf(chain: string, shard: string, genesisHash: string): string {
  const tail =
    shard === '/'
      ? 'root'
      : shard
          .slice(1)
          .replaceAll('/', '.')
          .replace(/[^A-Za-z0-9._-]/g, '_');
  const suffix = `.${genesisHash.slice(0, 16)}`;
  return `ain.${chain}.${tail}`.slice(0, 249 - suffix.length) + suffix;
}

/**
 * The refusal of a topic named as kafkaTopicOf names another genesis's chain (`ain.….<16 hex>`
 * with other digits): its records are another chain's, and a node would fold none of them and
 * append its own after them, an audit find nothing to check. Undefined for any other name (an
 * operator's own names are taken as they are).
 * @example const refusal = topicOfAnotherChain(topic, genesisHash); if (refusal) throw refusal
 */
export function topicOfAnotherChain(topic: string, genesisHash: string): AinError | undefined {
  const named = /^ain\..+\.([0-9a-f]{16})$/.exec(topic)?.[1];
  if (named === undefined || named === genesisHash.slice(0, 16)) return undefined;
  return new AinError(
    'GENESIS_MISMATCH',
    `Kafka topic ${topic} is named for the chain of genesis ${named}… (as ain net init names a chain's topic), not of the genesis given (${genesisHash.slice(0, 16)}…): check --topic, or give that chain's genesis.`,
    { details: { topic, named, given: genesisHash } },
  );
}

export const BlockLimits = z.strictObject({
  maxTxs: Uint.min(1).max(100_000).default(10_000),
  maxBytes: Uint.min(1024)
    .max(256 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /** How often the proposer appends a `cut` marker (maxTxs and maxBytes seed a dev genesis; a genesis file's win). */
  intervalMs: Uint.min(10).max(3_600_000).default(1000),
});
export type BlockLimits = z.infer<typeof BlockLimits>;

export const SnapshotConfig = z.strictObject({
  /** Write a snapshot every this many blocks (and when the node stops). */
  everyBlocks: Uint.min(1).max(1_000_000).default(100),
  /** Snapshots kept on disk, newest first. */
  keep: Uint.min(1).max(100).default(3),
});

/** The node's block history: every block on disk under `<dataDir>/history`, the recent ones in memory too (docs/limits.md). */
export const HistoryConfig = z.strictObject({
  /** Blocks kept in memory besides the disk: the recent ones the API, validator and CLI read most. */
  cacheBlocksMax: Uint.min(1).max(1_000_000).default(1024),
  /** Txs indexed by hash in memory at most; past it the oldest blocks leave memory first. */
  cacheTxsMax: Uint.min(1).max(100_000_000).default(262_144),
  /** Heights one range read of the store (`blocks(from, to)`) may span. */
  rangeBlocksMax: Uint.min(1).max(100_000).default(1000),
  /** Txs one range read holds at most (past its first block): it stops early, and says where. */
  rangeTxsMax: Uint.min(1).max(10_000_000).default(100_000),
});
export type HistoryConfig = z.infer<typeof HistoryConfig>;

/** Bounds of the HTTP API's state reads and streams (docs/limits.md). */
export const ApiLimits = z.strictObject({
  /** JSON bytes of the value one `GET /v1/state` answers with; a larger one is RESULT_TOO_LARGE (read it in pages). */
  readBytesMax: Uint.min(1024)
    .max(256 * 1024 * 1024)
    .default(1024 * 1024),
  /** Stream sockets open at once, each counted until it is closed; more are OVERLOADED. */
  streamsMax: Uint.min(1).max(1_000_000).default(2000),
  /** Bytes a stream's reader may leave unread before the node ends its stream with SLOW_CONSUMER. */
  streamBufferBytesMax: Uint.min(1024)
    .max(1024 * 1024 * 1024)
    .default(1024 * 1024),
  /** JSON bytes of one value stream event (`state/<path>`); a larger value ends the stream with RESULT_TOO_LARGE. */
  streamEventBytesMax: Uint.min(1024)
    .max(256 * 1024 * 1024)
    .default(1024 * 1024),
  /** How long an ended stream's socket may take to send what is left (its last event among it) before it is destroyed. */
  streamDrainMs: Uint.max(600_000).default(5000),
});
export type ApiLimits = z.infer<typeof ApiLimits>;

/** Addresses a node's config may grant Big Storage room to at most (the ledger's reservations are not counted). */
export const reservationsMax = 10_000;

/**
 * Room a node's operator grants in its Big Storage by address, beside what `reserveStorage` txs
 * bought on the ledger (an entry here wins for its address): `"node"` stands for the node's own
 * address (its key); an entry for that address itself wins.
 */
export const StorageReservations = z.record(z.string(), Reservation).superRefine((table, ctx) => {
  const names = Object.keys(table);
  if (names.length > reservationsMax) ctx.addIssue({ code: 'custom', message: `must name at most ${reservationsMax} addresses, not ${names.length}` });
  const stranger = names.find((name) => !/^(node|0x[0-9a-f]{40})$/.test(name));
  if (stranger !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [stranger],
      message: `"${stranger}" is not an address: use "node" (the node's own key) or "0x" followed by 40 lowercase hex characters`,
    });
  }
});
export type StorageReservations = z.infer<typeof StorageReservations>;

/** Big Storage under `<dataDir>/blobs` (docs/storage.md). */
export const StorageConfig = z.strictObject({
  /** None by default: room comes from the ledger's reservations. */
  reservations: StorageReservations.default({}),
});

/** Parent nodes a child validator reports to, at most. */
export const parentUrlsMax = 16;

/** `http://host:port` or `https://…` of a parent chain's node, without a path. */
const NodeUrl = z
  .string()
  .regex(/^https?:\/\/[A-Za-z0-9.\-[\]:]+(:\d{1,5})?\/?$/, { message: 'must be a node URL such as "http://127.0.0.1:8080" (no path)' })
  .transform((url) => url.replace(/\/$/, ''));

/**
 * On a child chain's validator (a shard's node, `ain net init --shard`): the parent chain's nodes
 * it reports its blocks to (runtime/node/shardReporter.ts), tried in turn.
 */
export const ParentConfig = z.strictObject({
  urls: z.array(NodeUrl).min(1).max(parentUrlsMax),
  /** The longest pause between tries while no parent answers (the pause doubles from 250 ms up to it). */
  retryMsMax: Uint.min(250).max(600_000).default(10_000),
  /**
   * How long each validator waits per place in the reporting order before it reports a height,
   * so one reports and the others stand by (the order turns with the height).
   */
  staggerMs: Uint.max(60_000).default(1000),
  /** How long a report may take to land in a parent block before it is signed and sent again. */
  landMs: Uint.min(1000).max(600_000).default(30_000),
});
export type ParentConfig = z.infer<typeof ParentConfig>;

/** A node's configuration: file, then `AIN_*` environment, then flags, validated here. */
export const NodeConfig = z.strictObject({
  chain: ChainId.default('ain-local'),
  shard: ShardPath.default('/'),
  dataDir: z.string().min(1),
  /** The genesis file; default `<dataDir>/genesis.json`, where a dev genesis is written if none exists. */
  genesis: z.string().min(1).optional(),
  snapshot: SnapshotConfig.default({ everyBlocks: 100, keep: 3 }),
  history: HistoryConfig.default({ cacheBlocksMax: 1024, cacheTxsMax: 262_144, rangeBlocksMax: 1000, rangeTxsMax: 100_000 }),
  host: z.string().min(1).default('127.0.0.1'),
  port: Uint.max(65535).default(8080),
  log: z
    .preprocess(
      // A log section without `kind` is the file log's (e.g. only `fsync` from AIN_FSYNC or --fsync).
      (value) => (value !== null && typeof value === 'object' && !('kind' in value) ? { ...value, kind: 'file' } : value),
      z.discriminatedUnion('kind', [FileLogConfig.extend({ kind: z.literal('file') }), KafkaLogConfig]),
    )
    .default({ kind: 'file', fsync: { groupCommit: { maxRecords: 4096, maxDelayMs: 0 } }, segmentBytes: 64 * 1024 * 1024 }),
  block: BlockLimits.default({ maxTxs: 10_000, maxBytes: 8 * 1024 * 1024, intervalMs: 1000 }),
  maxTxBytes: Uint.min(256)
    .max(1024 * 1024)
    .default(defaultMaxTxBytes),
  /** Most txs one `POST /v1/txs` may carry. */
  maxBatchTxs: Uint.min(1).max(100_000).default(5000),
  /**
   * Worker threads that check txs (signatures included); 0 means one per core, `none` checks them
   * on the node's own thread, a batch at a time: for nodes that share their cores with others
   * (several nodes on one machine), where handing every batch to a thread and back costs more
   * than the thread gives.
   */
  verifyThreads: z.union([Uint.max(256), z.literal('none')], { error: 'must be a whole number from 0 to 256, or "none"' }).default(0),
  api: ApiLimits.default({
    readBytesMax: 1024 * 1024,
    streamsMax: 2000,
    streamBufferBytesMax: 1024 * 1024,
    streamEventBytesMax: 1024 * 1024,
    streamDrainMs: 5000,
  }),
  storage: StorageConfig.default({ reservations: {} }),
  /** Where the node meets its peers: with it the node runs on the peer-to-peer network (docs/cli.md). */
  p2p: P2pConfig.optional(),
  /** A child chain's validator reports its blocks to these parent nodes. */
  parent: ParentConfig.optional(),
});
export type NodeConfig = z.infer<typeof NodeConfig>;
export type NodeConfigInput = z.input<typeof NodeConfig>;
