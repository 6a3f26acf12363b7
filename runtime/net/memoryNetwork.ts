import { pino, type Logger } from 'pino';
import type { MemoryHub, MemoryPeer, Packet, PacketDraft } from './memoryPacket.ts';
import { createMemoryTransport, type MemoryTransportInit, type Timers } from './memoryTransport.ts';
import type { Transport } from './transport.ts';

/** What happens to a packet as it is sent: `hold` keeps it in `pending()` until the caller delivers or drops it (a delay, or a reorder). */
export type FaultDecision = 'deliver' | 'drop' | 'duplicate' | 'hold';

export type PacketEvent = 'sent' | 'delivered' | 'dropped' | 'lost';

export interface MemoryNetworkInit {
  /** `auto` (default): packets are delivered in the order sent, on the microtask queue; `manual`: every packet waits in `pending()` for the caller. */
  readonly delivery?: 'auto' | 'manual';
  /** `full` (default): a transport that starts links to every running one; `manual`: `connect` wires the topology. */
  readonly topology?: 'full' | 'manual';
  /** Decides each packet's fate as it is sent; every packet is delivered when absent. */
  readonly faults?: (packet: Packet) => FaultDecision;
  /** Sees each packet sent, delivered, dropped (by a fault or the bound) or lost (no link between its ends when it arrived). */
  readonly onPacket?: (packet: Packet, event: PacketEvent) => void;
  /** Clock of the transports' seen caches; default Date.now. */
  readonly now?: () => number;
  /** Timers of request and handler time limits; default the global ones. */
  readonly timers?: Timers;
  /** How long a message id is remembered (gossipsub's seenTTL); default 2 minutes. */
  readonly seenTtlMs?: number;
  /** Packets in flight and held, at most; more are dropped and logged. Default 100 000. */
  readonly maxPending?: number;
}

export interface MemoryNetwork {
  /** A transport of this network; start it to link it. Peer ids default to `peer-1`, `peer-2`, … */
  createTransport(init?: Partial<MemoryTransportInit>, components?: { readonly logger?: Logger }): Transport;
  /** Links two running transports (both see `connect`). */
  connect(a: string, b: string): void;
  /** Cuts the link between two transports (both see `disconnect`); packets on it are lost. */
  disconnect(a: string, b: string): void;
  /** Cuts every link between different groups; a peer named in no group is a group of its own. */
  partition(groups: readonly (readonly string[])[]): void;
  /** Restores the links `partition` cut, between transports still running. */
  heal(): void;
  setFaults(faults: ((packet: Packet) => FaultDecision) | undefined): void;
  /** Packets held by a fault, and in `manual` delivery every packet not yet delivered, oldest first. */
  pending(): readonly Packet[];
  /** Delivers a pending packet now; false when there is none with that id. */
  deliver(id: number): boolean;
  drop(id: number): boolean;
  /** Delivers the packets pending now (not those they cause), oldest first; returns how many. */
  deliverAll(): number;
}

const drainBatch = 1_000;
const linkKey = (a: string, b: string) => (a < b ? `${a}\n${b}` : `${b}\n${a}`);

/**
 * A network of in-process transports for tests and consensus simulations. Deterministic: packets
 * are numbered as sent and delivered in that order unless the caller's fault hook or manual
 * delivery decides otherwise, and nothing reads a clock but the given `now` and `timers`.
 * @example
 * const network = createMemoryNetwork({ faults: (p) => (p.kind === 'gossip' && p.to === 'peer-3' ? 'drop' : 'deliver') })
 * const a = network.createTransport(); const b = network.createTransport()
 * await a.start(); await b.start() // linked: the topology is full by default
 */
export function createMemoryNetwork(init: MemoryNetworkInit = {}): MemoryNetwork {
  const { delivery = 'auto', topology = 'full', onPacket, now = Date.now, timers = globalThis as Timers, seenTtlMs = 120_000, maxPending = 100_000 } = init;
  let faults = init.faults;
  const logger = pino({ level: 'silent' });
  const peers = new Map<string, MemoryPeer>(); // running transports
  const ids = new Set<string>();
  const links = new Map<string, readonly [string, string]>();
  const cut = new Map<string, readonly [string, string]>();
  let separated: ((a: string, b: string) => boolean) | undefined;
  const queue: Packet[] = [];
  const held = new Map<number, Packet>();
  let nextId = 0;
  let created = 0;
  let scheduled = false;

  function link(a: string, b: string): void {
    const [pa, pb] = [peers.get(a), peers.get(b)];
    if (pa === undefined || pb === undefined) throw new Error(`memory network: ${pa === undefined ? a : b} is not running`);
    if (a === b || links.has(linkKey(a, b))) return;
    links.set(linkKey(a, b), [a, b]);
    pa.linkUp(b, pb.topics());
    pb.linkUp(a, pa.topics());
  }
  function unlink(a: string, b: string): boolean {
    if (!links.delete(linkKey(a, b))) return false;
    peers.get(a)?.linkDown(b);
    peers.get(b)?.linkDown(a);
    return true;
  }

  function dispatch(packet: Packet): void {
    const target = peers.get(packet.to);
    if (target === undefined || !links.has(linkKey(packet.from, packet.to))) return onPacket?.(packet, 'lost');
    onPacket?.(packet, 'delivered');
    target.receive(packet);
  }
  function drain(): void {
    scheduled = false;
    for (let count = 0; queue.length > 0; count++) {
      if (count === drainBatch) return void setImmediate(schedule); // let timers and I/O run between batches
      dispatch(queue.shift() as Packet);
    }
  }
  function schedule(): void {
    if (scheduled || queue.length === 0) return;
    scheduled = true;
    queueMicrotask(drain);
  }
  function enqueue(packet: Packet, hold: boolean): void {
    if (queue.length + held.size >= maxPending) {
      logger.warn({ packet: packet.id }, 'memory network: too many packets in flight; dropped');
      return onPacket?.(packet, 'dropped');
    }
    if (hold || delivery === 'manual') held.set(packet.id, packet);
    else {
      queue.push(packet);
      schedule();
    }
  }

  const hub: MemoryHub = {
    join(peer) {
      peers.set(peer.peerId, peer);
      if (topology !== 'full') return;
      for (const other of peers.keys()) if (other !== peer.peerId && separated?.(other, peer.peerId) !== true) link(other, peer.peerId);
    },
    leave(peerId) {
      for (const [a, b] of [...links.values()]) if (a === peerId || b === peerId) unlink(a, b);
      peers.delete(peerId);
    },
    linked: (a, b) => links.has(linkKey(a, b)),
    announce(peerId, topic, subscribed) {
      for (const [a, b] of links.values()) {
        if (a === peerId) peers.get(b)?.remoteSubscription(a, topic, subscribed);
        if (b === peerId) peers.get(a)?.remoteSubscription(b, topic, subscribed);
      }
    },
    send(draft: PacketDraft) {
      const packet = { ...draft, id: ++nextId } as Packet;
      onPacket?.(packet, 'sent');
      const decision = faults?.(packet) ?? 'deliver';
      if (decision === 'drop') return onPacket?.(packet, 'dropped');
      enqueue(packet, decision === 'hold');
      if (decision === 'duplicate') {
        const copy = { ...packet, id: ++nextId };
        onPacket?.(copy, 'sent');
        enqueue(copy, false);
      }
    },
  };

  return {
    createTransport(transportInit = {}, components = {}) {
      const peerId = transportInit.peerId ?? `peer-${++created}`;
      if (ids.has(peerId)) throw new Error(`memory network: a transport ${peerId} exists already`);
      ids.add(peerId);
      return createMemoryTransport({ ...transportInit, peerId }, { hub, logger: components.logger ?? logger, now, timers, seenTtlMs, seenMax: 65_536 });
    },
    connect: link,
    disconnect: (a, b) => void unlink(a, b),
    partition(groups) {
      const groupOf = new Map(groups.flatMap((group, index) => group.map((peer) => [peer, index] as const)));
      separated = (a, b) => groupOf.get(a) === undefined || groupOf.get(a) !== groupOf.get(b);
      for (const [key, [a, b]] of [...links]) if (separated(a, b) && unlink(a, b)) cut.set(key, [a, b]);
    },
    heal() {
      separated = undefined;
      for (const [key, [a, b]] of [...cut]) {
        cut.delete(key);
        if (peers.has(a) && peers.has(b)) link(a, b);
      }
    },
    setFaults(next) {
      faults = next;
    },
    pending: () => [...held.values()],
    deliver(id) {
      const packet = held.get(id);
      if (packet === undefined) return false;
      held.delete(id);
      dispatch(packet);
      return true;
    },
    drop(id) {
      const packet = held.get(id);
      if (packet === undefined) return false;
      held.delete(id);
      onPacket?.(packet, 'dropped');
      return true;
    },
    deliverAll() {
      const now = [...held.values()];
      held.clear();
      for (const packet of now) dispatch(packet);
      return now.length;
    },
  };
}
