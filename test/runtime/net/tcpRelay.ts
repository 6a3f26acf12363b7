// A TCP relay for tests: every connection made to its port is forwarded byte for byte to a target
// port, so a test can cut the link between two processes it did not write, without root (no
// iptables, no network namespaces). `cut()` destroys every open connection and refuses new ones
// (accepted, then closed at once, so the port stays the relay's) until `restore()`.
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpRelayInit {
  readonly targetPort: number;
  /** Default 127.0.0.1. */
  readonly targetHost?: string;
  /** Where the relay listens on 127.0.0.1; 0 (default) takes any free port. */
  readonly port?: number;
  /** Connections forwarded at once, at most; more are refused like connections while cut. Default 64. */
  readonly connectionsMax?: number;
}

export interface TcpRelay {
  readonly port: number;
  /** The relay as a multiaddr, `/ip4/127.0.0.1/tcp/<port>`. */
  readonly multiaddr: string;
  /** Connections forwarded now. */
  connections(): number;
  /** Connections forwarded so far. */
  accepted(): number;
  /** Connections refused so far (while cut, or over `connectionsMax`). */
  refused(): number;
  /** Destroys every open connection, both sides, and refuses new ones. */
  cut(): void;
  /** Forwards new connections again. */
  restore(): void;
  /** Destroys every connection and stops listening; the relay is done. */
  close(): Promise<void>;
}

interface Pair {
  readonly inbound: Socket;
  readonly outbound: Socket;
}

/**
 * Starts a relay listening on 127.0.0.1 and forwarding to `targetHost:targetPort`.
 * @example
 * const relay = await startTcpRelay({ targetPort: 9001 })
 * relay.cut(); …; relay.restore(); await relay.close()
 */
export async function startTcpRelay(init: TcpRelayInit): Promise<TcpRelay> {
  const connectionsMax = init.connectionsMax ?? 64;
  const pairs = new Set<Pair>();
  let isCut = false;
  let closed = false;
  let refused = 0;
  let accepted = 0;

  const drop = (pair: Pair) => {
    if (!pairs.delete(pair)) return;
    pair.inbound.destroy();
    pair.outbound.destroy();
  };
  const server = createServer((inbound) => {
    if (isCut || closed || pairs.size >= connectionsMax) {
      refused++;
      inbound.on('error', () => undefined).destroy();
      return;
    }
    accepted++;
    // Backpressure through pipe bounds what the relay buffers to each socket's high-water mark.
    const outbound = createConnection({ host: init.targetHost ?? '127.0.0.1', port: init.targetPort });
    const pair: Pair = { inbound, outbound };
    pairs.add(pair);
    for (const socket of [inbound, outbound]) socket.on('error', () => drop(pair)).on('close', () => drop(pair));
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  server.listen(init.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;

  return {
    port,
    multiaddr: `/ip4/127.0.0.1/tcp/${port}`,
    connections: () => pairs.size,
    accepted: () => accepted,
    refused: () => refused,
    cut() {
      isCut = true;
      for (const pair of [...pairs]) drop(pair);
    },
    restore() {
      isCut = false;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
