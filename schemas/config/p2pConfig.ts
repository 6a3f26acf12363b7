import { z } from 'zod';
import { Uint } from '../primitives/index.ts';

const ipv4 = String.raw`(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const port = String.raw`(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3})`;
const host = String.raw`(?:/ip4/${ipv4}|/ip6/[0-9a-fA-F:.]{2,45}|/dns[46]?/[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)`;
/** A libp2p peer id in base58btc (`12D3KooW…`, `Qm…`) or a CIDv1 (`b…`). */
const peerId = String.raw`(?:/p2p/[1-9A-HJ-NP-Za-km-z]{40,100}|/p2p/b[a-z2-7]{50,100})`;

/**
 * A TCP multiaddr of a peer ending in its peer id: `/ip4/127.0.0.1/tcp/9001/p2p/<peer id>`, or
 * `/ip6/::1/…`, `/dns4/node.example/…` (the id is how the node knows it reached that peer, and
 * which peers it keeps: a bootstrap address without one is refused here, with the rest of the config).
 */
export const PeerMultiaddr = z.string().regex(new RegExp(`^${host}/tcp/${port}${peerId}$`), {
  message: 'must be a TCP multiaddr ending in the peer\'s id, such as "/ip4/127.0.0.1/tcp/9001/p2p/12D3KooW…"',
});

/**
 * An address this node tells its peers to dial: a TCP multiaddr without a peer id (the node ends
 * it in its own `/p2p/<peer id>`), e.g. a port forward or a sentry's address in front of it.
 */
export const AnnounceMultiaddr = z.string().regex(new RegExp(`^${host}/tcp/${port}$`), {
  message: 'must be a TCP multiaddr without a peer id, such as "/ip4/203.0.113.7/tcp/9001" (the node adds its own /p2p/<peer id>)',
});

/** Peers a node dials at start, at most. */
export const bootstrapPeersMax = 64;
/** Addresses a node announces, at most. */
export const announceAddressesMax = 16;

/**
 * Bounds of the mempool: the txs a peer-to-peer node holds, checked and journaled, until a
 * decided block takes them (runtime/mempool).
 */
export const MempoolConfig = z.strictObject({
  /** Txs held at most; past it submissions are refused with MEMPOOL_FULL. */
  maxTxs: Uint.min(1).max(1_000_000).default(10_000),
  /** Bytes of records held at most; past it MEMPOOL_FULL. */
  maxBytes: Uint.min(4096)
    .max(4 * 1024 * 1024 * 1024)
    .default(64 * 1024 * 1024),
  /** Txs of one address held at most; past it MEMPOOL_SENDER_FULL. */
  maxTxsPerSender: Uint.min(1).max(100_000).default(1024),
  /** How often txs still waiting are gossiped again, since gossip can lose a message. */
  regossipMs: Uint.min(100).max(3_600_000).default(5000),
  /** Txs gossiped again per round, at most. */
  regossipTxsMax: Uint.min(1).max(100_000).default(1000),
  /**
   * How long a tx whose nonce skips one of its sender's waits for the skipped one before a block
   * may take it: a sender's txs sent to different nodes at once arrive in either order, and the
   * earlier nonce would be spent by the later one's block. 0 (the default): no wait — for senders
   * that count their nonces one by one; this repo's client signs nonces that follow the clock
   * (runtime/client/nonce.ts), so every one of its txs skips nonces and would wait.
   */
  gapWaitMs: Uint.max(600_000).default(0),
});
export type MempoolConfig = z.infer<typeof MempoolConfig>;

export const defaultMempoolConfig: MempoolConfig = {
  maxTxs: 10_000,
  maxBytes: 64 * 1024 * 1024,
  maxTxsPerSender: 1024,
  regossipMs: 5000,
  regossipTxsMax: 1000,
  gapWaitMs: 0,
};

/**
 * The node's peer-to-peer endpoint: the TCP port it listens on for other nodes, and the peers it
 * dials first. `ain net init` writes one per node with the other nodes as bootstrap peers. A
 * validator behind sentries or a port forward (CometBFT's `external_address` and `pex = false`)
 * sets `announce` and `dialConfiguredOnly`.
 */
export const P2pConfig = z.strictObject({
  /** TCP port for peers, on the node's `host`; 0 lets the system choose one. */
  port: Uint.max(65535),
  bootstrap: z
    .array(PeerMultiaddr)
    .max(bootstrapPeersMax)
    .refine((list) => new Set(list).size === list.length, { message: 'must not name a peer twice' })
    .default([]),
  /**
   * What peers are told to dial instead of the listen address (libp2p's announce addresses):
   * where this node is reachable from outside, e.g. through a port forward. Empty: the listen address.
   */
  announce: z
    .array(AnnounceMultiaddr)
    .max(announceAddressesMax)
    .refine((list) => new Set(list).size === list.length, { message: 'must not name an address twice' })
    .default([]),
  /**
   * Dial only the addresses written here (`bootstrap`), never one learned from a peer (identify,
   * peer exchange): a validator that reaches the network only through the sentries it names.
   * Peers may still dial in.
   */
  dialConfiguredOnly: z.boolean({ error: 'must be true or false' }).default(false),
  /**
   * The bootstrap peers are every other validator of the chain, each with this node among its
   * own (what `ain net init` writes): a tx batch one of them gossips is taken and not forwarded,
   * since it went to all the others already. Leave it false when a bootstrap peer is a sentry, a
   * follower, or only some of the validators: a batch is then forwarded as gossipsub does.
   */
  validatorMesh: z.boolean({ error: 'must be true or false' }).default(false),
  mempool: MempoolConfig.default(defaultMempoolConfig),
});
export type P2pConfig = z.infer<typeof P2pConfig>;
