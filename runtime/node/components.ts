import type { Logger } from 'pino';
import type { Chain } from '../../actors/index.ts';
import type { RatingHistory } from '../../projections/index.ts';
import type { EventLog, KeyPair } from '../../log/index.ts';
import type { Genesis, NodeConfig } from '../../schemas/index.ts';
import type { Ingest, VerifyPool } from '../ingest/index.ts';
import type { BlobStore } from '../storage/index.ts';
import type { StreamHub } from '../streams/index.ts';
import type { BlockHistory, BlockStore } from './blockStore.ts';
import type { Follower } from './follower.ts';
import type { NodeMetrics } from './metrics.ts';
import type { NodeSigner } from './nodeSigner.ts';
import type { Proposer } from './proposer.ts';
import type { SnapshotStore } from './snapshotStore.ts';
import type { WaitFinal } from './waitFinal.ts';

/**
 * The parts of one node, each made once by `startNode` and handed to the services that need it
 * (js-libp2p's components): a service names the few it uses, `Pick<NodeComponents, …>`, and gets
 * them when it is made, never later.
 */
export interface NodeComponents {
  readonly config: NodeConfig;
  readonly logger: Logger;
  /** Wall clock for the node's own txs (cut markers, attestations) and job deadlines. */
  readonly now: () => number;
  /** The node's key (`<dataDir>/node.key`): it signs cut markers and attestations. */
  readonly key: KeyPair;
  readonly genesis: Genesis;
  readonly genesisHash: string;
  readonly metrics: NodeMetrics;
  /** The node's log (file or Kafka), every append timed into the metrics. */
  readonly log: EventLog;
  /** Checks signatures on every core: for the txs submitted and the records the node did not append. */
  readonly pool: VerifyPool;
  /** The snapshot files under `<dataDir>/snapshots`. */
  readonly snapshotStore: SnapshotStore;
  /** The chain, restored from the newest usable snapshot (or genesis); the follower feeds it. */
  readonly chain: Chain;
  /** Height of the snapshot the chain was restored from, 0 from genesis. */
  readonly restoredFrom: number;
  /** Every block on disk, under `<dataDir>/history`. */
  readonly history: BlockHistory;
  /** The blocks the node serves: the recent ones in memory, the rest from the history. */
  readonly blocks: BlockStore;
  /** Big Storage under `<dataDir>/blobs`. */
  readonly blobs: BlobStore;
  /** Reads the log into the chain; its streams carry every block, and the attestations a proposer acts on. */
  readonly follower: Follower;
  /** Every projection as a stream, for the API's Server-Sent Events. */
  readonly hub: StreamHub;
  /** Each node's recent Elo ratings, folded from the blocks the follower applies (`GET /v1/reputation/<address>/history`). */
  readonly ratings: RatingHistory;
  /** The node's own txs, one submit queue so their nonces rise in log order. */
  readonly signer: NodeSigner;
  /** Absent on a node that is not among the genesis's proposers. */
  readonly proposer: Proposer | undefined;
  /** The boundary every submitted tx crosses into the log. */
  readonly ingest: Ingest;
  readonly waitFinal: WaitFinal;
}
