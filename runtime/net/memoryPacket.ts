import type { PeerError } from '../../schemas/index.ts';

/** What travels between memory transports: every gossip hop, request and answer is one packet the network can drop, hold, repeat or reorder. */
export type Packet =
  | { readonly id: number; readonly kind: 'gossip'; readonly from: string; readonly to: string; readonly topic: string; readonly bytes: Uint8Array }
  | {
      readonly id: number;
      readonly kind: 'request';
      readonly from: string;
      readonly to: string;
      readonly protocol: string;
      readonly requestId: number;
      readonly bytes: Uint8Array;
    }
  | {
      readonly id: number;
      readonly kind: 'response';
      readonly from: string;
      readonly to: string;
      readonly protocol: string;
      readonly requestId: number;
      readonly answer: { readonly bytes: Uint8Array } | { readonly error: PeerError };
    };

/** A packet before the network numbers it. */
export type PacketDraft = Packet extends infer P ? (P extends Packet ? Omit<P, 'id'> : never) : never;

/** What the network needs of each memory transport. */
export interface MemoryPeer {
  readonly peerId: string;
  /** The topics it subscribes to, told to each peer it links to. */
  topics(): Iterable<string>;
  receive(packet: Packet): void;
  linkUp(peer: string, topics: Iterable<string>): void;
  linkDown(peer: string): void;
  remoteSubscription(peer: string, topic: string, subscribed: boolean): void;
}

/** What each memory transport needs of its network. */
export interface MemoryHub {
  /** Links a started transport to its peers (all running ones, or none when the caller wires the topology). */
  join(peer: MemoryPeer): void;
  /** Cuts every link of a stopping transport. */
  leave(peerId: string): void;
  linked(a: string, b: string): boolean;
  /** Tells the linked peers at once: subscriptions are not packets and suffer no faults. */
  announce(peerId: string, topic: string, subscribed: boolean): void;
  send(packet: PacketDraft): void;
}
