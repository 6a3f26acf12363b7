import { z } from 'zod';
import { checkConsensusSignature, keyPairFromSeed, signProposal, signVote, type KeyPair } from '../../../log/index.ts';
import type { ConsensusGossip } from '../../../runtime/consensus/consensusGossip.ts';
import { createMemoryNetwork, type MemoryNetwork, type Packet, type Transport } from '../../../runtime/net/index.ts';
import { Certificate, Height, parseOrThrow, ProposalBlock } from '../../../schemas/index.ts';
import { groupsAt, type NetworkPlan, type SeededRandom, type Scheduler, type SimMessage, type SimNetwork } from '../../actors/consensus/simNetwork.ts';
import type { HonestNode, Signer } from '../../actors/consensus/simNodes.ts';

// The consensus simulation's world over the runtime's network: every validator has a memory
// transport of one network whose packets wait (manual delivery) until the simulated clock delivers,
// drops or repeats them as the scenario's plan says, and it speaks through createConsensusGossip,
// so its proposals and votes are really signed, put in the wire format and judged by the gossip
// validator before a node sees them or forwards them. A node that hears of a height above its next
// asks the peer that sent it for the decided block and its certificate, over a request.

export const simChain = 'ain-sim';
/** The simulated chain's genesis hash, which its votes and proposals sign. */
export const simGenesis = '5e'.repeat(32);

/** Validator `i`'s key (1-based), from a fixed seed, so one scenario seed replays one run. */
export const keyOf = (i: number): KeyPair => keyPairFromSeed(i.toString(16).padStart(64, '0'));

/** Signs with the key of the signer's address. */
export function keySigner(keys: readonly KeyPair[]): Signer {
  const byAddress = new Map(keys.map((k) => [k.address, k]));
  const keyFor = (address: string) => byAddress.get(address) ?? assertNever(`no key for ${address}`);
  return {
    chain: simChain,
    vote: ({ from, ...vote }) => signVote(keyFor(from), vote, simGenesis),
    proposal: ({ proposer, ...proposal }) => signProposal(keyFor(proposer), proposal, simGenesis),
  };
}

function assertNever(message: string): never {
  throw new Error(message);
}

/**
 * A memory network whose every packet is held until the scheduler delivers it after a delay drawn
 * for it (so packets overtake each other), lost, or repeated; partitions cut and restore links as
 * the plan says; from GST the network is whole and every packet arrives within `deltaMs`.
 */
export function scheduledNetwork(scheduler: Scheduler, random: SeededRandom, plan: NetworkPlan, peers: readonly string[]): MemoryNetwork {
  const stable = () => scheduler.nowMs >= plan.gstMs;
  const fate = () => {
    if (stable()) return 'deliver';
    if (random.chance(plan.lossPercent)) return 'drop';
    return random.chance(plan.duplicatePercent) ? 'duplicate' : 'deliver';
  };
  // Every packet sent (a repeat too) gets its time; one the fault dropped is no longer pending then.
  const hold = (packet: Packet) => {
    const delayMs = 1 + random.below(stable() ? plan.deltaMs : plan.delayMaxMs);
    scheduler.after(delayMs, () => network.deliver(packet.id));
  };
  const network = createMemoryNetwork({
    delivery: 'manual',
    faults: fate,
    onPacket: (packet, event) => void (event === 'sent' && hold(packet)),
    now: () => scheduler.nowMs,
    timers: scheduler.timers(),
  });
  const split = () => {
    network.heal();
    const groups = groupsAt(plan, peers.length, scheduler.nowMs);
    if (groups.length > 1) network.partition(groups.map((group) => group.map((i) => peers[i]!)));
  };
  const boundaries = plan.partitions.flatMap((p) => [p.startMs, p.endMs]).filter((ms) => ms < plan.gstMs);
  for (const atMs of new Set([...boundaries, plan.gstMs])) if (atMs < Number.MAX_SAFE_INTEGER) scheduler.after(atMs, split);
  return network;
}

/**
 * The sim's `SimNetwork` over each validator's consensus gossip: what a node sends to one peer or
 * to all is published to all (gossip has no other way), once per signed message.
 */
export class GossipWire implements SimNetwork {
  readonly #gossips = new Map<string, ConsensusGossip>();
  readonly #published = new Map<string, Set<string>>();

  attach(address: string, gossip: ConsensusGossip): void {
    this.#gossips.set(address, gossip);
    this.#published.set(address, new Set());
  }

  send(from: string, _to: string, message: SimMessage): void {
    const gossip = this.#gossips.get(from);
    if (gossip === undefined) return;
    const publish = (m: Parameters<ConsensusGossip['publish']>[0]) => void gossip.publish(m).catch(() => undefined);
    switch (message.type) {
      case 'proposal':
        return this.#once(from, message.proposal.sig) ? publish({ proposal: message.proposal }) : undefined;
      case 'vote':
        return this.#once(from, message.vote.sig) ? publish({ vote: message.vote }) : undefined;
      case 'gossip':
        for (const proposal of message.proposals) publish({ proposal });
        for (const vote of message.votes) publish({ vote });
        return;
      case 'catchUp':
        return; // a node behind asks for decided blocks itself (DecidedExchange)
    }
  }

  /** An equivocator hands each peer its own version; published, each distinct one goes out once. */
  #once(from: string, sig: string): boolean {
    const seen = this.#published.get(from)!;
    if (seen.has(sig)) return false;
    if (seen.size >= 4_096) seen.clear();
    seen.add(sig);
    return true;
  }
}

const decidedProtocol = `/ain/1/${simChain}/req/sim-decided`;
const DecidedRequest = z.strictObject({ height: Height });
const DecidedAnswer = z.strictObject({ height: Height, block: ProposalBlock, certificate: Certificate });
/** Not sooner than this after an answer or a failure, a node behind asks again. */
const askAgainMs = 300;
const askTimeoutMs = 1_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Catch-up between sim validators over the transport: a node answers a request for a height it
 * decided with the block and certificate, and a node that hears of a height above its next asks
 * that message's signer, one request at a time, checks every signature of the certificate and
 * hands the block to the node, which appends it when the certificate holds more than 2/3 of the
 * power. A signer at a height has decided the heights below it, and here a validator's peer id is
 * its address; the peer that forwarded the message may be as far behind as this node. Only a
 * signer ahead is asked (as the runtime's catch-up asks only a peer ahead): a node asking whoever
 * it heard last could ask, each time its pause ended, a peer as far behind as itself (or itself,
 * its messages looped back), and never the one ahead, whose resends came during the pause.
 */
export class DecidedExchange {
  /** Blocks this node appended from a peer's answer. */
  caughtUp = 0;
  #asking = false;
  #lastAskedMs = -Infinity;

  constructor(
    private readonly node: HonestNode,
    private readonly transport: Transport,
    private readonly scheduler: Scheduler,
  ) {}

  async serve(): Promise<void> {
    await this.transport.handle(decidedProtocol, async (bytes) => {
      const { height } = parseOrThrow(DecidedRequest, JSON.parse(decoder.decode(bytes)) as unknown, 'decided request');
      const decided = this.node.log.get(height);
      if (decided === undefined) throw new Error(`height ${height} is not decided here`);
      return encoder.encode(JSON.stringify({ height, ...decided }));
    });
  }

  /** `peer` signed a message of `height`. */
  heard(peer: string, height: number): void {
    if (height <= this.node.height + 1 || this.#asking || this.scheduler.nowMs - this.#lastAskedMs < askAgainMs) return;
    this.#asking = true;
    const next = this.node.height + 1;
    void this.transport
      .request(peer, decidedProtocol, encoder.encode(JSON.stringify({ height: next })), { timeoutMs: askTimeoutMs })
      .then((bytes) => {
        const answer = parseOrThrow(DecidedAnswer, JSON.parse(decoder.decode(bytes)) as unknown, 'decided answer');
        if (!answer.certificate.votes.every((vote) => checkConsensusSignature(vote, simGenesis))) throw new Error('a certificate vote does not verify');
        this.node.receive(peer, { type: 'catchUp', ...answer });
        if (this.node.height >= next) this.caughtUp++;
      })
      .catch(() => undefined)
      .then(() => {
        // Straight on to the next height when this one was appended; otherwise after a pause.
        this.#lastAskedMs = this.node.height >= next ? -Infinity : this.scheduler.nowMs;
      })
      .finally(() => {
        this.#asking = false;
        this.heard(peer, height);
      });
  }
}
