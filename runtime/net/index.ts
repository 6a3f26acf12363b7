export {
  defaultLimits,
  defaultRequestTimeoutMs,
  maxGossipBytes,
  type GossipHandler,
  type PeerEvent,
  type PublishResult,
  type RequestHandler,
  type RequestOptions,
  type Transport,
  type TransportLimits,
  type Validation,
} from './transport.ts';
export { protocolOf, topicOf, type GossipKind, type RequestKind } from './topics.ts';
export { createMemoryNetwork, type FaultDecision, type MemoryNetwork, type MemoryNetworkInit, type PacketEvent } from './memoryNetwork.ts';
export type { Packet } from './memoryPacket.ts';
export type { MemoryTransportInit, Timers } from './memoryTransport.ts';
