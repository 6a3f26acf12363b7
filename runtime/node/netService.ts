import { join } from 'node:path';
import { z } from 'zod';
import { currentValidatorSet } from '../../projections/index.ts';
import { signPeerClaim } from '../../log/index.ts';
import { AinError, parseOrThrow, type NodeConfig, type PeerClaim } from '../../schemas/index.ts';
import type { BlockView } from '../blocks/index.ts';
import { createLibp2pTransport, defaultLimits, loadPeerSeed, peerIdOfAddress, peerJson, peerKeyFileName, protocolOf, type Transport } from '../net/index.ts';
import type { NodeComponents } from './components.ts';
import type { Service } from './lifecycle.ts';
import { createValidatorPresence, type ValidatorPresence } from './validatorPresence.ts';

export type NetServiceComponents = Pick<NodeComponents, 'config' | 'logger' | 'genesis' | 'genesisHash' | 'chain' | 'blocks' | 'key' | 'now'>;

type P2pConfig = NonNullable<NodeConfig['p2p']>;

/** What `GET /v1/net` answers: this node on the network, its peers, and the validators of the current set. */
export interface NetInfo {
  readonly peerId: string;
  readonly addresses: readonly string[];
  readonly peers: readonly string[];
  /**
   * Each validator of the current set with its stake and, once its node answered this one with
   * its signed claim (`status`'s `validator`), its peer id, whether it answered in the last 10 s,
   * and when it last did (ms since the epoch, this node's clock). This node is reachable.
   */
  readonly validators: readonly ValidatorInfo[];
  readonly height: number;
}

export interface ValidatorInfo {
  readonly address: string;
  readonly stake: string;
  readonly peerId?: string;
  readonly reachable?: boolean;
  readonly answeredAt?: number;
}

export interface NetService extends Service {
  readonly transport: Transport;
  /**
   * With `p2p.validatorMesh` (the bootstrap peers are every other validator, each keeping this
   * node too), their peer ids: peers that gossip every tx batch to all the others themselves.
   * Empty otherwise.
   */
  readonly validatorMesh: ReadonlySet<string>;
  /** Which validator each peer is, and whether it answers (asked every 2 s). */
  readonly presence: ValidatorPresence;
  info(): NetInfo;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Blocks one `blocks-by-range` request may ask for. */
export const blocksByRangeCountMax = 64;

/** A `blocks-by-range` request: `count` heights from `from`. */
export const BlocksByRangeRequest = z.strictObject({
  from: z.number().int().min(1),
  count: z.number().int().min(1).max(blocksByRangeCountMax),
});

/** What a `status` request answers: where this node's chain stands. */
export interface NetStatus {
  readonly chain: string;
  readonly shard: string;
  readonly genesis: string;
  readonly height: number;
  /** The hash of the last block (the genesis hash before the first). */
  readonly hash: string;
  readonly finalized: number;
  /** This node's key's signed claim to be the peer that answers (which validator a peer is, when the key is one). */
  readonly validator: PeerClaim;
}

/** What a `blocks-by-range` request answers: the blocks held from `from` to `to` (the last height covered; ask again from `to + 1`). */
export interface BlocksByRange {
  readonly from: number;
  readonly to: number;
  readonly blocks: readonly BlockView[];
}

const encoder = new TextEncoder();
/** Room in an answer for what wraps the blocks (`from`, `to`, brackets and commas). */
const rangeEnvelopeBytes = 256;

/**
 * The blocks of a range as this node serves them (`GET /v1/blocks`), as many from the first as
 * fit in `maxBytes` of JSON; `to` says where they stop. One block over the limit is NET_TOO_LARGE.
 */
export function blocksInRange(blocks: NodeComponents['blocks'], from: number, count: number, maxBytes: number): BlocksByRange {
  const range = blocks.blocks(from, from + count - 1);
  const kept: BlockView[] = [];
  let bytes = rangeEnvelopeBytes;
  for (const block of range.blocks) {
    bytes += Buffer.byteLength(JSON.stringify(block)) + 1;
    if (bytes > maxBytes) {
      if (kept.length === 0) {
        throw new AinError('NET_TOO_LARGE', `Block ${block.header.height} alone is more than the ${maxBytes} bytes an answer may hold.`, {
          details: { height: block.header.height, maxBytes },
        });
      }
      return { from, to: block.header.height - 1, blocks: kept };
    }
    kept.push(block);
  }
  return { from, to: range.to, blocks: kept };
}

/**
 * The node's peer-to-peer endpoint, made only when the config has a `p2p` section: its libp2p
 * identity from `<dataDir>/p2p.key` (created when absent), listening on the node's host and the
 * p2p port, telling peers to dial the `announce` addresses when there are any, dialling the
 * bootstrap peers and staying connected to them (with `dialConfiguredOnly`, at those addresses
 * only). It answers `status` and `blocks-by-range` for the chain's shard; a peer's bad request is
 * refused with a code (BAD_JSON, BAD_SCHEMA) and never reaches the node.
 * @example const net = await createNetService(components, config.p2p); await net.start()
 */
export async function createNetService(c: NetServiceComponents, p2p: P2pConfig): Promise<NetService> {
  const { config, logger, genesis, genesisHash, chain, blocks, key } = c;
  const { seed, created } = await loadPeerSeed(join(config.dataDir, peerKeyFileName));
  // The bootstrap peers are also made direct peers (every gossip message goes to them): in a
  // network written by `ain net init` they are the other validators. Once the validator set can
  // change, the direct peers should follow it instead.
  const transport = await createLibp2pTransport(
    {
      seed,
      host: config.host,
      port: p2p.port,
      bootstrap: p2p.bootstrap,
      directPeers: p2p.bootstrap,
      announce: p2p.announce,
      dialConfiguredOnly: p2p.dialConfiguredOnly,
    },
    { logger: logger.child({ service: 'net' }) },
  );
  if (created) logger.info({ peerId: transport.peerId, file: join(config.dataDir, peerKeyFileName) }, 'new peer key');
  const protocol = (kind: 'status' | 'blocks-by-range') => protocolOf(genesis.chain, genesis.shard, kind);
  const claim = signPeerClaim(key, { chain: genesis.chain, shard: genesis.shard, peerId: transport.peerId }, genesisHash);
  const presence = createValidatorPresence({
    transport,
    statusProtocol: protocol('status'),
    chain: genesis.chain,
    shard: genesis.shard,
    genesisHash,
    // Those named with their peer id (a bootstrap address may leave it out).
    bootstrap: p2p.bootstrap.filter((address) => address.includes('/p2p/')).map(peerIdOfAddress),
    validators: () => currentValidatorSet(chain.ledger.tree).stakes,
    now: c.now,
    logger: logger.child({ service: 'net' }),
  });
  const validatorInfo = (address: string, stake: bigint): ValidatorInfo => {
    if (address === key.address) return { address, stake: stake.toString(), peerId: transport.peerId, reachable: true, answeredAt: c.now() };
    const reach = presence.of(address);
    return {
      address,
      stake: stake.toString(),
      ...(reach === undefined ? {} : { peerId: reach.peerId, reachable: reach.reachable, answeredAt: reach.answeredMs }),
    };
  };

  const status = (): NetStatus => ({
    chain: genesis.chain,
    shard: genesis.shard,
    genesis: genesisHash,
    height: chain.ledger.height,
    hash: chain.position.prevHash,
    finalized: blocks.latest()?.finalized.height ?? 0,
    validator: claim,
  });
  const answer = (value: unknown) => encoder.encode(JSON.stringify(value));

  return {
    transport,
    validatorMesh: new Set(p2p.validatorMesh ? p2p.bootstrap.map(peerIdOfAddress) : []),
    presence,
    info: () => ({
      peerId: transport.peerId,
      addresses: transport.addresses(),
      peers: transport.peers(),
      validators: [...currentValidatorSet(chain.ledger.tree).stakes].map(([address, stake]) => validatorInfo(address, stake)),
      height: chain.ledger.height,
    }),
    async start() {
      await transport.handle(protocol('status'), async () => answer(status()));
      await transport.handle(protocol('blocks-by-range'), async (bytes) => {
        const { from, count } = parseOrThrow(BlocksByRangeRequest, peerJson(bytes, 'blocks-by-range request'), 'blocks-by-range request');
        return answer(blocksInRange(blocks, from, count, defaultLimits.maxResponseBytes));
      });
      try {
        await transport.start();
      } catch (error) {
        await transport.stop().catch(() => undefined);
        throw listenError(error, config.host, p2p.port);
      }
      logger.info(
        { peerId: transport.peerId, addresses: transport.addresses(), bootstrap: p2p.bootstrap.length, dialConfiguredOnly: p2p.dialConfiguredOnly },
        'network started',
      );
      presence.start();
    },
    async stop() {
      presence.stop();
      await transport.stop();
    },
  };
}

/** A p2p port that is taken (libp2p names it only in its message) is the config's to change. */
function listenError(error: unknown, host: string, port: number): unknown {
  if ((error as Error).name !== 'UnsupportedListenAddressesError') return error;
  return new AinError(
    'BAD_CONFIG',
    `The node cannot listen for peers on ${host}:${port} (taken, or not an address of this machine); choose another p2p.port or host.`,
    {
      cause: error,
    },
  );
}
