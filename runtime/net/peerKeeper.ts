import { KEEP_ALIVE, type ConnectionGater, type PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Libp2p } from 'libp2p';
import type { Logger } from 'pino';
import { AinError } from '../../schemas/index.ts';

/** A peer to stay connected to: its address and the peer id it ends in. */
export interface KeptPeer {
  readonly address: Multiaddr;
  readonly peerId: PeerId;
}

/**
 * Reads a peer address, which must end in `/p2p/<peer id>` (the id is how the node knows it
 * reached the right peer).
 * @example keptPeer('/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…')
 */
export function keptPeer(address: string): KeptPeer {
  let parsed: Multiaddr;
  try {
    parsed = multiaddr(address);
  } catch (cause) {
    throw new AinError('BAD_CONFIG', `Peer address ${address} is not a multiaddr, e.g. /ip4/127.0.0.1/tcp/4001/p2p/<peer id>.`, { cause });
  }
  const id = parsed.getComponents().find((component) => component.name === 'p2p')?.value;
  if (id === undefined) throw new AinError('BAD_CONFIG', `Peer address ${address} does not end in /p2p/<peer id>.`);
  try {
    return { address: parsed, peerId: peerIdFromString(id) };
  } catch (cause) {
    throw new AinError('BAD_CONFIG', `Peer address ${address} names ${id}, which is not a peer id.`, { cause });
  }
}

/** The peer id a peer address ends in (`…/p2p/<peer id>`); BAD_CONFIG as keptPeer. */
export const peerIdOfAddress = (address: string): string => keptPeer(address).peerId.toString();

/**
 * Reads an address this node announces: a multiaddr without a peer id, since libp2p ends each
 * announced address in the node's own.
 * @example announceAddress('/ip4/203.0.113.7/tcp/9001')
 */
export function announceAddress(address: string): Multiaddr {
  let parsed: Multiaddr;
  try {
    parsed = multiaddr(address);
  } catch (cause) {
    throw new AinError('BAD_CONFIG', `Announce address ${address} is not a multiaddr, e.g. /ip4/203.0.113.7/tcp/9001.`, { cause });
  }
  if (parsed.getComponents().some((component) => component.name === 'p2p')) {
    throw new AinError('BAD_CONFIG', `Announce address ${address} names a peer id; leave it out, the node adds its own.`);
  }
  return parsed;
}

/**
 * A connection gater under which the node dials only the kept peers' configured addresses: an
 * address a peer told it about (identify, peer exchange) is never dialled, not even for a kept
 * peer, so a node behind sentries reaches the network only through them. Dials in are not gated.
 * @example createLibp2p({ connectionGater: configuredDialsOnly(peers, logger), … })
 */
export function configuredDialsOnly(peers: readonly KeptPeer[], logger: Logger): ConnectionGater {
  // The dialler ends every address of a known peer in its /p2p/<peer id>, as kept peers' addresses end.
  const allowed = new Set(peers.map((peer) => peer.address.toString()));
  return {
    denyDialMultiaddr(address) {
      const denied = !allowed.has(address.toString());
      if (denied) logger.debug({ address: address.toString() }, 'not dialling an address that is not in the config');
      return denied;
    },
  };
}

export interface PeerKeeper {
  start(): Promise<void>;
  stop(): void;
}

const keepTag = `${KEEP_ALIVE}-ain`;

/**
 * Keeps this node connected to the given peers (bootstrap peers, validators): they are tagged
 * keep-alive, so the connection manager neither prunes them nor gives up on them at once, and
 * every `redialIntervalMs` each one not connected is dialled again (one dial at a time per peer,
 * each bounded by `dialTimeoutMs`), for as long as the node runs: a validator restarted after
 * minutes is found again.
 */
export function createPeerKeeper({
  libp2p,
  peers,
  redialIntervalMs,
  dialTimeoutMs,
  logger,
}: {
  libp2p: Libp2p;
  peers: readonly KeptPeer[];
  redialIntervalMs: number;
  dialTimeoutMs: number;
  logger: Logger;
}): PeerKeeper {
  const dialing = new Set<string>();
  const failures = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  const tag = (peer: KeptPeer) =>
    libp2p.peerStore.merge(peer.peerId, { multiaddrs: [peer.address], tags: { [keepTag]: { value: 100 } } }).then(
      () => undefined,
      (error: unknown) => logger.debug({ err: error, peer: peer.peerId.toString() }, 'could not tag a kept peer'),
    );

  function dial(peer: KeptPeer): void {
    const id = peer.peerId.toString();
    if (dialing.has(id) || libp2p.getConnections(peer.peerId).length > 0) return;
    dialing.add(id);
    libp2p
      .dial(peer.address, { signal: AbortSignal.timeout(dialTimeoutMs) })
      .then(
        async () => {
          const failed = failures.get(id) ?? 0;
          failures.delete(id);
          if (failed > 0) logger.info({ peer: id, failedDials: failed }, 'reconnected to a kept peer');
          await tag(peer); // the reconnect queue drops keep-alive tags when it gives up
        },
        (error: unknown) => {
          const failed = (failures.get(id) ?? 0) + 1;
          failures.set(id, failed);
          logger.debug(
            { peer: id, address: peer.address.toString(), failedDials: failed, reason: (error as Error).message },
            'could not reach a kept peer; will retry',
          );
        },
      )
      .finally(() => dialing.delete(id));
  }

  function tick(): void {
    if (!running) return;
    for (const peer of peers) dial(peer);
    timer = setTimeout(tick, redialIntervalMs);
  }

  return {
    async start() {
      running = true;
      await Promise.all(peers.map(tag));
      tick();
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}
