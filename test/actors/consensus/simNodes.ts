import { createHash } from 'node:crypto';
import {
  decideConsensus,
  initialConsensusState,
  maySign,
  nextValidatorSet,
  type ConsensusConfig,
  type ConsensusEffect,
  type ConsensusEvent,
  type ConsensusState,
  type LockedValue,
} from '../../../actors/index.ts';
import type { Certificate, LastSigned, Proposal, ProposalBlock, UnsignedProposal, UnsignedVote, ValidatorSet, Vote } from '../../../schemas/index.ts';
import { fakePub, fakeSig } from './fixtures.ts';
import type { SeededRandom, Scheduler, SimMessage, SimNetwork } from './simNetwork.ts';

// The validators of the simulation. An honest node is the consensus step plus what runtime/ will
// do around it: sign (here: a fake signature) after keeping its last-signed record, loop its own
// messages back, judge blocks, keep decided blocks, answer a peer that is behind with the block
// and certificate it lacks, and feed timers back as events. Byzantine nodes stay silent or
// equivocate. The world records what would be a violation.

export const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** How a node's votes and proposals get their chain and signature. */
export interface Signer {
  readonly chain: string;
  vote(vote: Omit<UnsignedVote, 'pub'>): Vote;
  proposal(proposal: Omit<UnsignedProposal, 'pub'>): Proposal;
}

/** Well-formed but unsigned: the machine trusts the runtime to have checked signatures. */
export const fakeSigner: Signer = {
  chain: 'ain-sim',
  vote: (vote) => ({ ...vote, pub: fakePub, sig: fakeSig }),
  proposal: (proposal) => ({ ...proposal, pub: fakePub, sig: fakeSig }),
};

/** What all nodes share: the clock, the network, the validator set of each height, and the record of decisions. */
export class World {
  readonly sets: ValidatorSet[];
  readonly decisions = new Map<number, string>();
  /** The round each height was decided in (the first decision seen). */
  readonly decidedRounds = new Map<number, number>();
  /** Validators an honest node reported evidence against. */
  readonly accused = new Set<string>();
  readonly violations: string[] = [];
  network!: SimNetwork;

  constructor(
    readonly scheduler: Scheduler,
    readonly random: SeededRandom,
    readonly config: ConsensusConfig,
    genesis: ValidatorSet,
    readonly honest: ReadonlySet<string>,
    readonly signer: Signer = fakeSigner,
  ) {
    this.sets = [genesis, genesis];
  }

  /** The set of `height` (heights start at 1), each the next of the one before. */
  setAt(height: number): ValidatorSet {
    while (this.sets.length <= height) this.sets.push(nextValidatorSet(this.sets.at(-1)!));
    return this.sets[height]!;
  }

  decide(node: string, height: number, hash: string, round: number): void {
    const earlier = this.decisions.get(height);
    if (!this.decidedRounds.has(height)) this.decidedRounds.set(height, round);
    if (earlier === undefined) this.decisions.set(height, hash);
    else if (earlier !== hash) this.violations.push(`height ${height}: ${node} decided ${hash.slice(0, 8)}, another node ${earlier.slice(0, 8)}`);
  }
}

const catchUpAgainMs = 300;

export class HonestNode {
  state: ConsensusState;
  /** The node's log: decided blocks with their certificates. */
  readonly log = new Map<number, { block: ProposalBlock; certificate: Certificate }>();
  /** Kept on disk: survives restarts. */
  lastSigned: LastSigned | null = null;
  /** Kept on disk with the record: what it signed at its current height, given back after a restart. */
  #signedHere: { height: number; proposals: Proposal[]; votes: Vote[]; locked: LockedValue | null } = { height: 0, proposals: [], votes: [], locked: null };
  protected readonly signed = new Map<string, string | null>();
  readonly #local: ConsensusEvent[] = [];
  readonly #answered = new Map<string, number>();
  #blocks = 0;

  constructor(
    readonly address: string,
    protected readonly world: World,
  ) {
    this.state = initialConsensusState({ self: address, config: world.config });
  }

  get height(): number {
    return this.log.size;
  }

  start(): void {
    const height = this.height + 1;
    this.state = initialConsensusState({ self: this.address, config: this.world.config });
    const locked = this.#signedHere.height === height ? this.#signedHere.locked : null;
    this.feed({ type: 'start', height, validators: this.world.setAt(height), lastSigned: this.lastSigned, locked });
    if (this.#signedHere.height !== height) return;
    for (const proposal of this.#signedHere.proposals) this.feed({ type: 'proposal', proposal, valid: true });
    for (const vote of this.#signedHere.votes) this.feed({ type: 'vote', vote });
  }

  /** Keeps what it signs at a height, as the runtime keeps it next to the last-signed record. */
  #keep(message: { proposal: Proposal } | { vote: Vote }, locked?: LockedValue): void {
    const height = 'vote' in message ? message.vote.height : message.proposal.height;
    if (this.#signedHere.height !== height) this.#signedHere = { height, proposals: [], votes: [], locked: null };
    if (locked !== undefined) this.#signedHere.locked = locked;
    if ('vote' in message) this.#signedHere.votes.push(message.vote);
    else this.#signedHere.proposals.push(message.proposal);
  }

  receive(from: string, message: SimMessage): void {
    switch (message.type) {
      case 'proposal':
        return this.#behind(from, message.proposal.height) ? undefined : this.feed(this.#judged(message.proposal));
      case 'vote':
        return this.#behind(from, message.vote.height) ? undefined : this.feed({ type: 'vote', vote: message.vote });
      case 'gossip': {
        const heights = [...message.votes.map((v) => v.height), ...message.proposals.map((p) => p.height)];
        if (heights.length > 0 && this.#behind(from, Math.min(...heights))) return;
        for (const vote of message.votes) this.feed({ type: 'vote', vote });
        for (const proposal of message.proposals) this.feed(this.#judged(proposal));
        return;
      }
      case 'catchUp':
        return this.#catchUp(message);
    }
  }

  /** Folds one event and carries out its effects; events they cause locally run right after, in order. */
  feed(event: ConsensusEvent): void {
    this.#local.push(event);
    if (this.#local.length > 1) return;
    while (this.#local.length > 0) {
      const step = decideConsensus(this.state, this.#local[0]!);
      this.state = step.state;
      for (const effect of step.effects) this.effect(effect);
      this.#local.shift();
    }
  }

  protected local(event: ConsensusEvent): void {
    this.#local.push(event);
  }

  protected effect(effect: ConsensusEffect): void {
    switch (effect.type) {
      case 'propose': {
        if (this.signed.has(`${effect.height}:${effect.round}:propose`))
          this.world.violations.push(`${this.address} proposed twice at ${effect.height}/${effect.round}`);
        this.signed.set(`${effect.height}:${effect.round}:propose`, null);
        const block = effect.value ?? this.newBlock(effect.height);
        this.lastSigned = { ...effect.lastSigned, hash: block.hash };
        return this.sendProposal(this.proposalOf(effect, block));
      }
      case 'vote': {
        const key = `${effect.height}:${effect.round}:${effect.kind}`;
        if (this.signed.has(key) && this.signed.get(key) !== effect.hash) this.world.violations.push(`${this.address} signed two ${key} votes`);
        if (!maySign(this.lastSigned, effect.height, effect.round, effect.kind, effect.hash))
          this.world.violations.push(`${this.address} signed ${key} against its record`);
        this.signed.set(key, effect.hash);
        this.lastSigned = effect.lastSigned;
        return this.sendVote(this.voteOf(effect, effect.hash), effect.locked);
      }
      case 'schedule': {
        const { height, round, step } = effect;
        return void this.world.scheduler.after(effect.timeoutMs, () => this.feed({ type: 'timeout', height, round, step }));
      }
      case 'check':
        return this.local(this.#judged(effect.proposal, true));
      case 'commit':
        if (effect.height !== this.height + 1) return;
        if (this.world.honest.has(this.address)) this.world.decide(this.address, effect.height, effect.block.hash, effect.certificate.round);
        this.log.set(effect.height, { block: effect.block, certificate: effect.certificate });
        return this.local({ type: 'applied', height: effect.height, validators: this.world.setAt(effect.height + 1) });
      case 'evidence':
        if (!this.world.honest.has(this.address)) return;
        if (this.world.honest.has(effect.evidence.a.from))
          this.world.violations.push(`${this.address} reported evidence against honest ${effect.evidence.a.from}`);
        this.world.accused.add(effect.evidence.a.from);
        return;
      case 'gossip':
        return this.world.network.send(this.address, 'all', { type: 'gossip', proposals: effect.proposals, votes: effect.votes });
    }
  }

  protected newBlock(height: number): ProposalBlock {
    return { hash: sha(`${this.address}/${height}/${this.#blocks++}`), height };
  }

  protected proposalOf(effect: Extract<ConsensusEffect, { type: 'propose' }>, block: ProposalBlock): Proposal {
    const { height, round, validRound } = effect;
    return this.world.signer.proposal({ chain: this.world.signer.chain, shard: '/', height, round, validRound, block, proposer: this.address });
  }

  protected voteOf(effect: Extract<ConsensusEffect, { type: 'vote' }>, hash: string | null): Vote {
    const { height, round, kind } = effect;
    return this.world.signer.vote({ chain: this.world.signer.chain, shard: '/', height, round, kind, hash, from: this.address });
  }

  protected sendProposal(proposal: Proposal): void {
    this.#keep({ proposal });
    this.local({ type: 'proposal', proposal, valid: true });
    this.world.network.send(this.address, 'all', { type: 'proposal', proposal });
  }

  protected sendVote(vote: Vote, locked?: LockedValue): void {
    this.#keep({ vote }, locked);
    this.local({ type: 'vote', vote });
    this.world.network.send(this.address, 'all', { type: 'vote', vote });
  }

  /** A block is valid when it was made for the proposal's height and is not marked bad. */
  #judged(proposal: Proposal, judge = proposal.height === this.height + 1): ConsensusEvent {
    if (!judge) return { type: 'proposal', proposal };
    return { type: 'proposal', proposal, valid: proposal.block.height === proposal.height && proposal.block.bad !== true };
  }

  /** A peer sent a message for a height this node has decided: send it that block, now and then. */
  #behind(from: string, height: number): boolean {
    const decided = this.log.get(height);
    if (decided === undefined) return false;
    const key = `${from}:${height}`;
    const last = this.#answered.get(key);
    if (last === undefined || this.world.scheduler.nowMs - last >= catchUpAgainMs) {
      this.#answered.set(key, this.world.scheduler.nowMs);
      this.world.network.send(this.address, from, { type: 'catchUp', height, ...decided });
    }
    return true;
  }

  /** A block with its certificate, appended once the certificate holds more than 2/3 of that height's power. */
  #catchUp({ height, block, certificate }: Extract<SimMessage, { type: 'catchUp' }>): void {
    if (height !== this.height + 1 || certificate.hash !== block.hash || certificate.height !== height) return;
    const set = this.world.setAt(height);
    const power = (address: string) => BigInt(set.validators.find((v) => v.address === address)?.power ?? '0');
    const total = set.validators.reduce((sum, v) => sum + BigInt(v.power), 0n);
    const signers = new Set(certificate.votes.filter((v) => v.kind === 'precommit' && v.hash === block.hash && v.height === height).map((v) => v.from));
    const signed = [...signers].reduce((sum, a) => sum + power(a), 0n);
    if (3n * signed <= 2n * total) return;
    if (this.world.honest.has(this.address)) this.world.decide(this.address, height, block.hash, certificate.round);
    this.log.set(height, { block, certificate });
    this.feed({ type: 'applied', height, validators: this.world.setAt(height + 1) });
  }
}

/** A byzantine validator that sends nothing at all. */
export class SilentNode extends HonestNode {
  override start(): void {}
  override receive(): void {}
}

/**
 * A byzantine validator that follows the protocol to know what to say, then says different things
 * to different peers: each peer gets the intended vote, nil or some other hash; as proposer it
 * makes two blocks and sends each peer one. What it resends on its timer is what it told itself.
 */
export class EquivocatingNode extends HonestNode {
  constructor(
    address: string,
    world: World,
    private readonly random: SeededRandom,
    private readonly peers: readonly string[],
  ) {
    super(address, world);
  }

  protected override effect(effect: ConsensusEffect): void {
    if (effect.type !== 'propose' && effect.type !== 'vote') return super.effect(effect);
    if (effect.type === 'propose') {
      const blocks = [effect.value ?? this.newBlock(effect.height), this.newBlock(effect.height)];
      this.local({ type: 'proposal', proposal: this.proposalOf(effect, blocks[0]!), valid: true });
      for (const peer of this.peers)
        this.world.network.send(this.address, peer, { type: 'proposal', proposal: this.proposalOf(effect, blocks[this.random.below(2)]!) });
      return;
    }
    this.local({ type: 'vote', vote: this.voteOf(effect, effect.hash) });
    const choices = [effect.hash, null, sha(`${this.address}/${effect.height}/${effect.round}/${effect.kind}`)];
    for (const peer of this.peers) this.world.network.send(this.address, peer, { type: 'vote', vote: this.voteOf(effect, choices[this.random.below(3)]!) });
  }
}
