export {
  answerLimitOf,
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
export { protocolOf, statusAnswerMaxBytes, topicOf, type GossipKind, type RequestKind } from './topics.ts';
export { createLibp2pTransport, smallNetworkMesh, type Libp2pTransportComponents, type Libp2pTransportInit, type MeshParams } from './libp2pTransport.ts';
export { createMemoryNetwork, type FaultDecision, type MemoryNetwork, type MemoryNetworkInit, type PacketEvent } from './memoryNetwork.ts';
export type { Packet } from './memoryPacket.ts';
export type { MemoryTransportInit, Timers } from './memoryTransport.ts';
export { loadPeerSeed, peerIdOfSeed, peerKeyFileName } from './peerKey.ts';
export { maxPeerJsonDepth, peerJson, peerJsonText } from './netErrors.ts';
export { peerIdOfAddress } from './peerKeeper.ts';
