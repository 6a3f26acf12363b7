import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import { createActor, type Actor } from 'xstate';
import {
  consensusMachine,
  defaultConsensusConfig,
  nextDeadline,
  type Chain,
  type ConsensusConfig,
  type ConsensusEffect,
  type ConsensusEvent,
  type ConsensusTimeouts,
  decidedElsewhere,
  reachedPower,
  holdsLiveProposal,
  roundReport,
} from '../../actors/index.ts';
import { readAccount } from '../../projections/index.ts';
import { merkleRoot, sha256Hex, signProposal, signVote, type EventLog, type KeyPair } from '../../log/index.ts';
import {
  ProposedBlock,
  type Certificate,
  type Evidence,
  type Genesis,
  type Proposal,
  type ProposalBlock,
  type ValidatorSet,
  type Vote,
} from '../../schemas/index.ts';
import type { BlockStore, BlockView } from '../blocks/index.ts';
import type { ReadBack } from '../ingest/index.ts';
import type { Transport } from '../net/index.ts';
import { certificateOf, createCatchUp, decidedAskPeer } from './catchUp.ts';
import { createConsensusGossip, type ConsensusMessage } from './consensusGossip.ts';
import { openCommitStore } from './commitStore.ts';
import { createDecidedAppender } from './decidedAppender.ts';
import { createEvidencePool, createEvidenceRegossip } from './evidencePool.ts';
import { createOwnKeyGuard, foreignSignatureWords, quietHeights, type ForeignSignature } from './ownKeyGuard.ts';
import { reachedValidators } from './reachedValidators.ts';
import { checkBlock, decidedRecordsOf, proposeBlock, verifiedBy, type HeldTx, type ProposalSource, type RecordVerifier } from './proposalBlocks.ts';
import { FilledBlocks, fillBlock } from './compactBlocks.ts';
import { createRecordsExchange } from './recordsExchange.ts';
import { openSigningRecord } from './signingRecord.ts';
import { judgedAt, validatorSetAt, votingSetAt, wasValidatorAtKept } from './validatorSets.ts';
import { WakingPeers } from './wakingPeers.ts';

type EffectOf<T extends ConsensusEffect['type']> = Extract<ConsensusEffect, { type: T }>;

export interface ConsensusServiceComponents {
  readonly logger: Logger;
  readonly now: () => number;
  readonly key: KeyPair;
  readonly genesis: Genesis;
  readonly dataDir: string;
  /** The node's own log: only decided blocks are appended to it. */
  readonly log: EventLog;
  readonly blockStore: BlockStore;
  readonly chain: Chain;
  /** Every block the follower applies, as it does. */
  readonly blocks$: Observable<BlockView>;
  readonly transport: Transport;
  /** Where the txs of new blocks come from. */
  readonly mempool: ProposalSource;
  /**
   * The node's verify threads (its verify pool's boundary check, records given as text): the
   * records of a proposed block the mempool does not hold yet are checked there before the block
   * is judged, not on this thread. Without it the check verifies them itself.
   */
  readonly verify?: RecordVerifier;
  /** The follower as an appender sees it: told of the records this service appends, so it need not verify them again. */
  readonly readBack?: ReadBack;
  /**
   * Txs on their way into the mempool (a peer's gossip being checked), by ref: resolves once
   * those of `refs` are held or refused; undefined when none is on its way. A compact proposal
   * naming them waits for that (at most `unheldWaitMs`) before asking peers for its records:
   * under load a tx's proposal often comes while its gossip is still being checked.
   */
  readonly arriving?: (refs: readonly string[]) => Promise<unknown> | undefined;
  /** Whether the follower has read the log as it stood at start. */
  readonly caughtUp: () => boolean;
  /**
   * Whether validator `address`'s node answered this one lately (ValidatorPresence); undefined
   * when this node never reached it directly. A stall counts such validators by it rather than by
   * their messages, which others re-send after they went down.
   */
  readonly answers?: (address: string) => boolean | undefined;
  readonly limits: { readonly maxTxs: number; readonly maxBytes: number; readonly clockDriftMs: number; readonly idleCheckMs: number };
  readonly config?: ConsensusConfig;
  /** The round timeouts of the next height, read from the ledger when a height starts, where they may change (a shard's rules). */
  readonly timeoutsAt?: () => ConsensusTimeouts;
}

export interface ConsensusStatus {
  readonly height: number;
  readonly round: number;
  readonly step: string;
  readonly validators: ValidatorSet | null;
  readonly lastCommit: { readonly height: number; readonly round: number; readonly hash: string } | null;
}

/** What this node's consensus has done since it started, for the metrics. */
export interface ConsensusFigures {
  /**
   * Records of the blocks it judged (each proposal) or fetched (catch-up), by how each was
   * checked: held by the mempool (checked as it came in), on the verify threads, or on the
   * consensus thread (the proposer's commit and cut, a few others, what the threads were too slow
   * for). Many off the mempool mean txs reach proposals before their gossip reaches this node.
   */
  readonly records: { readonly mempool: number; readonly verifyThreads: number; readonly thisThread: number };
  /** Decided blocks fetched from peers (catch-up) and appended. */
  readonly fetchedBlocks: number;
  /** Records of proposals asked of peers: neither the mempool nor a recent block held them (their gossip had not come). */
  readonly fetchedRecords: number;
  /**
   * Peers' consensus messages the gossip validator refused, by `<kind> <validation> <cause>`:
   * `reject` (provably invalid: not of the schema, another chain, a bad signature, not a
   * validator's) or `ignore` (a past height, a signer not judged yet), and why (RefusalCause).
   * Each is logged at debug with its reason.
   */
  readonly refusedMessages: { readonly [kindValidationCause: string]: number };
}

/** A height consensus has not decided for a while (ConsensusService.stalled). */
export interface ConsensusStall {
  readonly height: number;
  readonly round: number;
  readonly step: string;
  /** Since when (the node's clock) the node has been at this height. */
  readonly sinceMs: number;
  /** The power of the validators this node had a proposal or vote from in the last 10 s (itself included), and the set's total. */
  readonly heard: bigint;
  readonly total: bigint;
  /** The validators it had none from in the last 10 s: down, or cut off from it. */
  readonly unheard: readonly string[];
  /** Whether those heard from hold more than 2/3 of the power (a decision is in reach). */
  readonly quorumHeard: boolean;
  /** The height of a peer's message past this one: the network decided this height, and this node is behind, catching up. */
  readonly aheadHeight?: number;
}

export interface ConsensusService {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ConsensusStatus;
  /** The height when no block was decided at it for 10 s (see ConsensusStall); undefined otherwise, and while idle. */
  stalled(): ConsensusStall | undefined;
  /** A signature of this node's key it never made, while it keeps this node from signing (ownKeyGuard.ts); undefined otherwise. */
  foreignSignature(): ForeignSignature | undefined;
  figures(): ConsensusFigures;
  /** Decisions as they are appended, with their certificates (for the metrics and waitFinal). */
  readonly commits$: Observable<{ readonly height: number; readonly certificate: Certificate }>;
  /**
   * The certificate that decided block `height`: from the next block's `commit` tx, or for the
   * newest block (and those still in memory) from the commit store; undefined when this node
   * holds neither.
   */
  certificateOf(height: number): Promise<Certificate | undefined>;
  /**
   * An equivocation found outside this node's own voting (two certificates of one height, one
   * the parent took from a report): held until a block commits it, and gossiped.
   */
  addEvidence(evidence: Evidence): Promise<void>;
}

/** How often a node that lacks a block the others precommitted looks again whether to fetch it, and how many asks a height at most. */
const refetchMs = 250;
const refetchTimesMax = 20;
/** Blocks of other proposers decided past their time by more than the clock drift, in a row, before a node says its clock looks ahead. */
const clockAheadBlocks = 3;
/** Signatures held while this node may not sign (see `hold`), at most, and how often it looks whether it may. */
const heldMax = 64;
const heldCheckMs = 100;
/** How long a height may run undecided before the node says so (a round is ~3.5 s at first), and how often it says it again. */
const stallWarnMs = 10_000;
const stallWarnAgainMs = 60_000;

/**
 * Runs the consensus machine (actors/consensus) for a node of a peer-to-peer network and carries
 * out its effects, in the order decided: proposals built from the mempool, votes signed only after
 * the signing record is on disk, timeouts, blocks judged, decided blocks appended to the node's
 * own log (the follower then folds them as any block), evidence and re-sends gossiped. A height
 * starts once there is something to decide (txs waiting, a job deadline due, evidence to commit,
 * or peers with a third of the power already at it or past it: WakingPeers), so an idle chain
 * makes no blocks. A node behind its peers fetches decided blocks with
 * their certificates (catchUp.ts).
 * @example const consensus = await createConsensusService(components); await consensus.start()
 */
export async function createConsensusService(c: ConsensusServiceComponents): Promise<ConsensusService> {
  const { logger, now, key, genesis, chain, transport, mempool } = c;
  const { chain: chainId, shard } = genesis;
  const record = await openSigningRecord(c.dataDir, chain.ledger.genesisHash);
  const commits = await openCommitStore(c.dataDir, chain.ledger.genesisHash);
  const evidence = createEvidencePool();
  const guard = createOwnKeyGuard({ address: key.address, record, now, signedBefore: record.loaded.lastSigned !== null });

  /** Says, once an episode, that another node signs with this node's key (or its record was lost). */
  function sayForeign(found: ForeignSignature | undefined): void {
    if (found === undefined) return;
    logger.error(
      { validator: key.address, height: found.height, round: found.round, step: found.step, via: found.via },
      `another node signs with this node's validator key: ${foreignSignatureWords(found)} is none this node signed (consensus/signed.json). Two nodes on one key sign conflicting votes, and its stake is burned for it: this node signs nothing until ${quietHeights} heights are decided past the last such signature. Stop the other node (a copy of this data dir?); if this node's consensus/ record was lost instead, it resumes by itself once two heights are decided without it, which needs the other validators to hold more than 2/3 of the stake`,
    );
  }
  /**
   * Once the node has read its log at start: the certificates of its last two decided blocks (the
   * newest from the commit store, the one before from the newest block's commit tx) are held to
   * its record as any certificate is. A precommit of its key there that its record does not hold
   * is one its lost record made (consensus/ deleted) or another node's: it waits, as for any
   * (CometBFT's double_sign_check_height, two blocks deep).
   */
  let lookedBack = false;
  const lookBack = async () => {
    const top = chain.ledger.height;
    for (const height of [top - 1, top]) {
      const certificate = height < 1 ? undefined : await certificateOf(c, commits, height);
      if (certificate !== undefined) sayForeign(guard.certified(certificate));
    }
  };
  const actor: Actor<typeof consensusMachine> = createActor(
    consensusMachine.provide({
      actions: {
        propose: (_, e) => enqueue(e),
        vote: (_, e) => enqueue(e),
        schedule: (_, e) => schedule(e),
        check: (_, e) => enqueue(e),
        commit: (_, e) => enqueue(e),
        evidence: (_, e) => enqueue(e),
        gossip: (_, e) => enqueue(e),
      },
    }),
    { input: { self: key.address, config: c.config ?? defaultConsensusConfig } },
  );
  const timers = new Set<NodeJS.Timeout>();
  let running = false;
  let work: Promise<void> = Promise.resolve();
  /** Set between deciding a height and starting the next, while the chain is idle. */
  let waitingFor: number | null = null;
  /** Which peers are at the heights after the ledger's: when they start an idle node's next height. */
  const waking = new WakingPeers();

  const state = () => actor.getSnapshot().context;
  /** The peers of the latest message for the height being decided (`at`) and for a later one (`ahead`: that peer decided this height). */
  const lastPeer: { at?: { peer: string; height: number }; ahead?: { peer: string; height: number } } = {};
  /** The current round's start, and when its first proposal and a verdict on one came: for the log of a round that ends undecided. */
  const round = { startedMs: 0, proposalMs: undefined as number | undefined, judgedMs: undefined as number | undefined };
  let refetch: NodeJS.Timeout | undefined;
  const refetched = { height: 0, times: 0 };
  /**
   * The others precommitted a block of this height that this node cannot decide (it lacks the
   * proposal): fetch it from the peer most likely to have appended it, and look again shortly (it
   * may not have yet), every other ask of another connected peer (see decidedAskPeer), at most
   * `refetchTimesMax` asks a height; catch-up's usual asks go on after.
   */
  const fetchIfDecidedElsewhere = () => {
    const s = state();
    const peer = (lastPeer.ahead?.height ?? 0) > s.height ? lastPeer.ahead : lastPeer.at;
    if (!running || peer === undefined || s.height !== chain.ledger.height + 1 || decidedElsewhere(s) === null) return;
    if (refetched.height !== s.height) Object.assign(refetched, { height: s.height, times: 0 });
    if (refetched.times >= refetchTimesMax) return;
    if (catchUp.decidedElsewhere(decidedAskPeer(peer.peer, transport.peers(), refetched.times), s.height)) refetched.times++;
    if (refetch !== undefined) return;
    refetch = setTimeout(() => {
      refetch = undefined;
      fetchIfDecidedElsewhere();
    }, refetchMs);
  };
  const send = (event: ConsensusEvent) => {
    if (!running) return;
    const before = state();
    actor.send(event);
    const after = state();
    fetchIfDecidedElsewhere();
    if (after.height === before.height && after.round === before.round) {
      if (event.type === 'proposal' && event.proposal.height === after.height && event.proposal.round === after.round) {
        if (event.valid === undefined || event.proposal.proposer === key.address) round.proposalMs ??= now();
        if (event.valid !== undefined) round.judgedMs ??= now();
      }
      return;
    }
    // A round of a height catch-up has appended meanwhile ended for nothing: not worth a line.
    if (after.height === before.height && before.height > chain.ledger.height) {
      const at = (ms: number | undefined) => (ms === undefined ? null : ms - round.startedMs);
      const cause = event.type === 'timeout' ? `the ${event.step} timeout` : 'a third of the power in a later round';
      logger.info(
        {
          ...roundReport(before, before.round),
          lastedMs: now() - round.startedMs,
          proposalAfterMs: at(round.proposalMs),
          judgedAfterMs: at(round.judgedMs),
          cause,
        },
        'round ended without a decision',
      );
    }
    Object.assign(round, { startedMs: now(), proposalMs: undefined, judgedMs: undefined });
  };
  const enqueue = (effect: ConsensusEffect) => {
    work = work
      .then(() => (running ? carryOut(effect) : undefined))
      .catch((error: unknown) => logger.error({ err: error, effect: effect.type }, 'consensus effect failed'));
  };
  /**
   * Signatures this node may not make yet (ownKeyGuard: it listens after a restart, or another
   * node signs with its key), in the order consensus asked for them: carried out, in that order,
   * once it may sign, those of heights not decided meanwhile. Held, not dropped: a round whose
   * validators all dropped their votes (all restarted at once) would wait for them for ever, since
   * its timeouts start only once 2/3 of the votes are in.
   */
  const unsigned: (EffectOf<'propose'> | EffectOf<'vote'>)[] = [];
  let unsignedTimer: NodeJS.Timeout | undefined;
  const hold = (effect: EffectOf<'propose'> | EffectOf<'vote'>) => {
    unsigned.push(effect);
    if (unsigned.length > heldMax) unsigned.shift();
    unsignedTimer ??= setInterval(releaseHeld, heldCheckMs);
  };
  const releaseHeld = () => {
    // Those of heights decided meanwhile go; the rest wait while the guard says so.
    unsigned.splice(0, unsigned.length, ...unsigned.filter((effect) => effect.height > chain.ledger.height));
    if (running && unsigned.length > 0 && !guard.maySign(chain.ledger.height)) return;
    clearInterval(unsignedTimer);
    unsignedTimer = undefined;
    if (!running || unsigned.length === 0) return;
    // Carried out on the effects' queue, in the order held; `unsigned` stays non-empty until then,
    // so a signature queued before this (behind a slow publish) is held behind them, never signed
    // before them (the record's last signature would go back, and a restart could sign against it).
    work = work.then(drainHeld).catch((error: unknown) => logger.error({ err: error, effect: 'held signatures' }, 'consensus effect failed'));
  };
  const drainHeld = async () => {
    while (running && unsigned.length > 0) {
      const effect = unsigned[0]!;
      if (effect.height > chain.ledger.height && !guard.maySign(chain.ledger.height)) {
        unsignedTimer ??= setInterval(releaseHeld, heldCheckMs);
        return;
      }
      unsigned.shift();
      if (effect.height > chain.ledger.height) await carryOut(effect, true);
    }
  };
  const schedule = ({ height, round, step, timeoutMs }: EffectOf<'schedule'>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      send({ type: 'timeout', height, round, step });
    }, timeoutMs);
    timers.add(timer);
  };

  const figures = {
    records: { mempool: 0, verifyThreads: 0, thisThread: 0 },
    fetchedBlocks: 0,
    fetchedRecords: 0,
    refusedMessages: {} as Record<string, number>,
  };
  const wasValidator = wasValidatorAtKept();
  const gossip = createConsensusGossip(
    transport,
    {
      chain: chainId,
      shard,
      genesis: chain.ledger.genesisHash,
      ...judgedAt(state, () => chain.ledger, c.caughtUp),
      wasValidatorAt: (a, height) => wasValidator(chain.ledger, a, height),
      proposalBlock: ProposedBlock,
    },
    (kind, from, reason, validation, cause) => {
      const key = `${kind} ${validation} ${cause}`;
      figures.refusedMessages[key] = (figures.refusedMessages[key] ?? 0) + 1;
      logger.debug({ kind, from, reason, validation, cause }, 'consensus message refused');
    },
    now(),
    now,
  );
  const appendBlock = createDecidedAppender({ ...c, commits });
  /** A decided block into the log (once, in order), then on to the next height. */
  async function appendDecided(...[height, ...rest]: Parameters<typeof appendBlock>): Promise<void> {
    const [, certificate] = rest;
    sayForeign(guard.certified(certificate));
    await appendBlock(height, ...rest);
    advance(height);
  }
  /** Records of a block about to be checked: `held` of them by the mempool or the verify threads (`byThreads`). */
  const noteChecked = (records: number, held: number, byThreads: number) => {
    figures.records.mempool += held - byThreads;
    figures.records.verifyThreads += byThreads;
    figures.records.thisThread += records - held;
  };
  /** How a fetched block's records were checked (noteChecked's arguments), counted once the block is appended: a block verified ahead and then dropped is not. */
  const heldCounts = new WeakMap<ReadonlyMap<string, HeldTx>, [records: number, held: number, byThreads: number]>();
  const catchUp = createCatchUp({
    ...c,
    commits,
    appendDecided: async (height, records, certificate, held) => {
      await appendDecided(height, records, certificate);
      figures.fetchedBlocks++;
      const counts = held === undefined ? undefined : heldCounts.get(held);
      if (counts !== undefined) noteChecked(...counts);
    },
    heldOf: (height, texts) => heldOfDecided(height, texts),
    mayDecide: () => holdsLiveProposal(state()),
  });

  /** Records of a proposed block the mempool lacks that this thread checks itself (the commit and the cut); more go to the verify threads. */
  const unheldOnThisThreadMax = 8;
  /** How long a proposal's judging waits for the verify threads before checking those records itself (well under the propose timeout). */
  const unheldWaitMs = 500;
  // Compact proposals (compactBlocks.ts): the records of the blocks this node proposed or judged,
  // filled; the peer each proposal came from, asked first for what the mempool lacks.
  const filled = new FilledBlocks();
  const sources = new Map<string, string>();
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true }); // a leading U+FEFF kept: the text encodes back to the record's bytes
  /** A ref's record text from the mempool (noted in `held`, when given) or a recent block. */
  const textOf = (ref: string, held?: Map<string, HeldTx>): string | undefined => {
    const tx = mempool.heldByRef?.(ref);
    if (tx === undefined) return filled.textOf(ref);
    const text = utf8.decode(tx.record);
    held?.set(text, tx);
    return text;
  };
  const records = createRecordsExchange({ logger, chain: chainId, shard, transport, textOf });
  const stopping = new AbortController();
  /**
   * A compact block filled from the mempool and recent blocks, then from peers (for at most
   * `fetchBudgetMs`); undefined when some record could not be had, or when the block names more
   * records than a block may hold (nothing is fetched for it).
   */
  async function fullBlockOf(block: ProposalBlock, held?: Map<string, HeldTx>): Promise<ProposalBlock | undefined> {
    let local = fillBlock(block, (ref) => textOf(ref, held));
    if (local.missing === undefined) return local.block;
    if (local.missing.length > c.limits.maxTxs) return undefined;
    const arriving = c.arriving?.(local.missing);
    if (arriving !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([arriving, new Promise((resolve) => (timer = setTimeout(resolve, unheldWaitMs)))]);
      clearTimeout(timer);
      local = fillBlock(block, (ref) => textOf(ref, held));
      if (local.missing === undefined) return local.block;
    }
    const fetched = await records.fetch(local.missing, sources.get(block.hash), stopping.signal);
    figures.fetchedRecords += fetched.size;
    const again = fillBlock(block, (ref) => fetched.get(ref) ?? textOf(ref, held));
    return again.missing === undefined ? again.block : undefined;
  }
  /**
   * Judges a proposal's block, filled (`held`: the records it was filled with from the mempool,
   * checked when they came in), and tells consensus; a valid block's records are kept for its commit.
   * More than a few records the mempool lacks (txs whose gossip is still on its way) are checked on
   * the verify threads first: those that pass, byte for byte canonical, join `held`; the check
   * takes the rest as it would (and refuses what fails).
   */
  function judgeVerified(proposal: Proposal, full: ProposalBlock, held: Map<string, HeldTx>): void {
    const records = (full as Partial<ProposedBlock>).records;
    const texts = Array.isArray(records) ? records : [];
    void verifyUnheld(texts, held, proposal.height)
      .then((byThreads) => {
        if (!running || proposal.height !== chain.ledger.height + 1) return;
        noteChecked(texts.length, held.size, byThreads);
        judge(proposal, full, held);
      })
      .catch((error: unknown) => {
        logger.error({ err: error, height: proposal.height, round: proposal.round }, 'judging a proposal failed; refused');
        send({ type: 'proposal', proposal, valid: false });
      });
  }
  /**
   * Records of block `height` not in `held`, more than a few, checked on the verify threads: those
   * that pass, byte for byte canonical, join `held`. Resolves once they have, or after
   * `unheldWaitMs` (the threads' queue may be long, a burst of ingest), or when the threads fail:
   * the block's check takes what is not held as it would (and refuses what fails). Resolves with
   * how many joined.
   */
  async function verifyUnheld(texts: readonly unknown[], held: Map<string, HeldTx>, height: number): Promise<number> {
    const unheld = texts.filter((text): text is string => typeof text === 'string' && !held.has(text));
    if (c.verify === undefined || unheld.length <= unheldOnThisThreadMax) return 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), unheldWaitMs)));
    try {
      const verified = await Promise.race([verifiedBy(c.verify, unheld), late]);
      if (verified === undefined)
        logger.debug({ height, records: unheld.length, unheldWaitMs }, 'the verify threads were slow; this thread checks the records');
      for (const [text, tx] of verified ?? []) held.set(text, tx);
      return verified?.size ?? 0;
    } catch (error) {
      logger.warn({ err: error, height }, 'the verify threads did not check a block’s records; this thread does');
      return 0;
    } finally {
      clearTimeout(timer);
    }
  }
  /**
   * The records of a decided block a peer sent that this node checked already: those its mempool
   * holds (found by their ref, taken only byte for byte), then what the verify threads pass of the rest.
   */
  async function heldOfDecided(height: number, texts: readonly string[]): Promise<Map<string, HeldTx>> {
    const held = new Map<string, HeldTx>();
    if (mempool.heldByRef !== undefined)
      for (const text of texts) {
        const tx = mempool.heldByRef(sha256Hex(text));
        if (tx !== undefined && utf8.decode(tx.record) === text) held.set(text, tx);
      }
    const fromMempool = held.size;
    const byThreads = await verifyUnheld(texts, held, height);
    heldCounts.set(held, [texts.length, fromMempool + byThreads, byThreads]);
    return held;
  }
  function judge(proposal: Proposal, full: ProposalBlock, held: ReadonlyMap<string, HeldTx>): void {
    const refusal = checkBlock({ ...proposal, block: full }, { ...c, commits, nowMs: now(), mempool, held });
    if (refusal !== null) logger.warn({ height: proposal.height, round: proposal.round, proposer: proposal.proposer, ...refusal }, 'proposal refused');
    else if (full !== proposal.block) filled.add(proposal.block, (full as ProposedBlock).records, held);
    send({ type: 'proposal', proposal, valid: refusal === null });
  }

  /** `released`: a held signature, carried out now in its order (releaseHeld). */
  async function carryOut(effect: ConsensusEffect, released = false): Promise<void> {
    // A height a peer's certificate already put in the log (catch-up) needs no more signatures here.
    if ((effect.type === 'propose' || effect.type === 'vote') && effect.height <= chain.ledger.height) return;
    // Another node signs with this key (or this node just started past genesis, and listens first): held until it may sign.
    if ((effect.type === 'propose' || effect.type === 'vote') && !released && (unsigned.length > 0 || !guard.maySign(chain.ledger.height))) return hold(effect);
    switch (effect.type) {
      case 'propose':
        return propose(effect);
      case 'vote': {
        const vote: Vote = signVote(
          key,
          { chain: chainId, shard, height: effect.height, round: effect.round, kind: effect.kind, hash: effect.hash },
          chain.ledger.genesisHash,
        );
        await record.keep(effect.lastSigned, { vote }, effect.locked);
        send({ type: 'vote', vote });
        return gossip.publish({ vote });
      }
      case 'check': {
        const { proposal } = effect;
        const held = new Map<string, HeldTx>();
        const local = fillBlock(proposal.block, (ref) => textOf(ref, held));
        if (local.missing === undefined) return judgeVerified(proposal, local.block, held);
        // Txs whose gossip has not reached this node: asked of peers off the effects' queue, for
        // at most fetchBudgetMs (consensus holds its nil prevote for the verdict meanwhile).
        void fullBlockOf(proposal.block, held)
          .then((full) => {
            if (!running || proposal.height !== chain.ledger.height + 1) return;
            if (full !== undefined) return judgeVerified(proposal, full, held);
            logger.warn(
              { height: proposal.height, round: proposal.round, proposer: proposal.proposer, missing: local.missing.length },
              'proposal refused: some of its records are in no mempool or recent block of this node, and no peer sent them in time',
            );
            send({ type: 'proposal', proposal, valid: false });
          })
          .catch((error: unknown) => {
            logger.error({ err: error, height: proposal.height, round: proposal.round }, 'judging a compact proposal failed; refused');
            send({ type: 'proposal', proposal, valid: false });
          });
        return;
      }
      case 'commit':
        return commit(effect);
      case 'evidence':
        holdEvidence(effect.evidence, 'seen');
        return gossip.publish({ evidence: effect.evidence });
      case 'gossip':
        for (const proposal of effect.proposals) await gossip.publish({ proposal });
        for (const vote of effect.votes) await gossip.publish({ vote });
        return;
      case 'schedule':
        return schedule(effect);
    }
  }

  async function propose(effect: EffectOf<'propose'>): Promise<void> {
    let block: ProposalBlock | null = effect.value;
    if (block === null) {
      const built = proposeBlock({
        ...c,
        commits,
        height: effect.height,
        nonce: readAccount(chain.ledger.tree, key.address).nonce,
        nowMs: now(),
        evidence: evidence.pending(chain.ledger),
      });
      if (built === null) {
        logger.warn({ height: effect.height, round: effect.round }, 'no certificate of the previous block at hand: not proposing this round');
        return;
      }
      filled.add(built.compact, built.full.records, built.held);
      block = built.compact;
    }
    const proposal: Proposal = signProposal(
      key,
      { chain: chainId, shard, height: effect.height, round: effect.round, validRound: effect.validRound, block },
      chain.ledger.genesisHash,
    );
    await record.keep({ ...effect.lastSigned, hash: block.hash }, { proposal });
    send({ type: 'proposal', proposal, valid: true });
    await gossip.publish({ proposal });
  }

  async function commit({ height, block, certificate }: EffectOf<'commit'>): Promise<void> {
    const kept = filled.fullOf(block);
    const full = kept ?? (await fullBlockOf(block).then((b) => (b as ProposedBlock | undefined)?.records));
    if (full === undefined) {
      // Its certificate is here but not all its txs: catch-up fetches the block from a peer that appended it.
      logger.warn({ height, hash: block.hash }, 'some records of a decided block are in no mempool here or at a peer: left to catch-up');
      return;
    }
    // The records this node judged come with their bytes and hashes (its mempool's): not encoded and hashed again.
    const { records, hashes, refs } = decidedRecordsOf(full, kept === undefined ? undefined : filled.heldOf(block.hash));
    // The bytes about to be appended are the ones the certified header names (its recordsRoot), or
    // none are; their refs (each one's SHA-256: the mempool's, taken of these very bytes as they
    // came in, where it holds them) go on with them, so the follower and the cutter need not hash them again.
    if (merkleRoot(refs) !== (block as ProposedBlock).header.recordsRoot) {
      logger.error({ height, hash: block.hash }, 'the records at hand for a decided block are not the bytes its header names: left to catch-up');
      return;
    }
    await appendDecided(height, records, certificate, hashes, refs);
    logger.info({ height, round: certificate.round, hash: block.hash }, 'block committed');
    // A block decided in a later round may carry the time of an earlier round's proposal (its valid value): not counted.
    if (certificate.round === 0) noteBlockTime((block as ProposedBlock).header);
  }

  /**
   * Whether this node's clock looks ahead of the network's: the blocks other validators proposed
   * are decided here more than `clockDriftMs` after their time, `clockAheadBlocks` in a row. Its
   * own proposals are then refused by every other validator (a block's time may be at most that
   * far ahead of theirs), and only their logs said so; the node says it in its own, every minute
   * while it lasts.
   */
  const clockAhead = { inRow: 0, saidMs: Number.NEGATIVE_INFINITY };
  function noteBlockTime(header: { readonly time: number; readonly proposer: string; readonly height: number }): void {
    if (header.proposer === key.address) return;
    const behindMs = now() - header.time;
    clockAhead.inRow = behindMs > c.limits.clockDriftMs ? clockAhead.inRow + 1 : 0;
    if (clockAhead.inRow < clockAheadBlocks || now() - clockAhead.saidMs < stallWarnAgainMs) return;
    clockAhead.saidMs = now();
    logger.warn(
      { height: header.height, behindMs, clockDriftMs: c.limits.clockDriftMs },
      `this node's clock looks ${Math.round(behindMs / 1000)} s ahead of the network's: the last ${clockAhead.inRow} blocks other validators proposed were decided here more than ${c.limits.clockDriftMs} ms after their time. The others refuse this node's proposals while it is (a block's time may be at most that far ahead of their clocks); check its clock (NTP)`,
    );
  }

  /** Block `height` is in the log: start the next height now if there is work, else once there is. */
  function advance(height: number): void {
    if (!running || height < state().height) return;
    waitingFor = height + 1;
    startIfWork();
  }

  function hasWork(): boolean {
    const deadline = nextDeadline(chain.ledger.tree);
    return (
      mempool.hasReady() ||
      (deadline !== null && deadline <= now()) ||
      (waitingFor !== null && waking.wakes(waitingFor, () => votingSetAt(chain.ledger, waitingFor!))) ||
      (evidence.size > 0 && evidence.pending(chain.ledger).length > 0)
    );
  }

  function startIfWork(): void {
    if (waitingFor === null || !hasWork()) return;
    const height = waitingFor;
    waitingFor = null;
    const validators = validatorSetAt(chain.ledger.tree, height);
    const timeouts = c.timeoutsAt?.();
    if (state().height === 0) {
      const loaded = record.loaded;
      send({ type: 'start', height, validators, lastSigned: loaded.lastSigned, locked: loaded.locked, ...(timeouts === undefined ? {} : { timeouts }) });
      if (loaded.lastSigned?.height === height) {
        for (const proposal of loaded.proposals) send({ type: 'proposal', proposal, valid: true });
        for (const vote of loaded.votes) send({ type: 'vote', vote });
      }
    } else {
      send({ type: 'applied', height: height - 1, validators, ...(timeouts === undefined ? {} : { timeouts }) });
    }
  }

  /** An equivocation, seen here or gossiped by a peer: held until a block commits it, proposed when this node proposes. */
  function holdEvidence(offence: Evidence, how: 'seen' | 'gossiped' | 'reported'): void {
    if (!evidence.add(offence, chain.ledger)) return;
    const { from, height, round, kind } = offence.a;
    logger.warn({ validator: from, height, round, kind, how }, 'equivocation held for the next block');
    startIfWork();
  }

  function onMessage(message: ConsensusMessage, from: string): void {
    if ('evidence' in message) return holdEvidence(message.evidence, 'gossiped');
    const height = 'proposal' in message ? message.proposal.height : message.vote.height;
    sayForeign(guard.heard(message));
    heardAt.set('proposal' in message ? message.proposal.proposer : message.vote.from, now());
    if (height > chain.ledger.height + 1) {
      lastPeer.ahead = { peer: from, height };
      catchUp.behind(from, height);
    } else if (height === chain.ledger.height + 1) lastPeer.at = { peer: from, height };
    if ('proposal' in message) {
      sources.set(message.proposal.block.hash, from);
      if (sources.size > 64) sources.delete(sources.keys().next().value!);
    }
    // Noted for the two heights after the ledger's, whether this node waits or not; a node that
    // waits starts once the peers at its next height or the one after hold a third of the power,
    // or its proposer proposed (WakingPeers).
    const signer = 'proposal' in message ? message.proposal.proposer : message.vote.from;
    waking.heard(chain.ledger.height, height, signer, 'proposal' in message && message.proposal.round === 0);
    if (waitingFor !== null && height >= waitingFor && height <= waitingFor + 1) startIfWork();
    send('proposal' in message ? { type: 'proposal', proposal: message.proposal } : { type: 'vote', vote: message.vote });
  }

  /** The height consensus was last seen deciding, since when, and when the node last said it was stuck there. */
  const stall = { height: 0, sinceMs: 0, warnedMs: 0 };
  /**
   * When each validator's last proposal or vote (any height) came: a live one's machine gossips
   * its messages of the height again every `gossipMs` (1 s), so one silent for `stallWarnMs` is
   * down or cut off from this node. Others re-send what it signed, though: for a validator whose
   * node this one reaches directly, `answers` says instead (reachedValidators).
   */
  const heardAt = new Map<string, number>();
  /**
   * The height when it has been undecided for `stallWarnMs`, with the power of the validators
   * reached lately (reachedValidators) and those not; undefined otherwise, and while the chain is idle
   * or the node lags its ledger. Each call notes the height it sees (the idle check calls it
   * every `idleCheckMs`, and so does `GET /v1/health`).
   */
  const stalled = (): ConsensusStall | undefined => {
    const s = state();
    if (s.height === 0 || s.height !== chain.ledger.height + 1) return undefined;
    const t = now();
    if (stall.height !== s.height) return void Object.assign(stall, { height: s.height, sinceMs: t, warnedMs: 0 });
    if (t - stall.sinceMs < stallWarnMs) return undefined;
    const addresses = s.validators.validators.map((v) => v.address);
    const reached = reachedValidators(addresses, key.address, heardAt, c.answers ?? (() => undefined), t, stallWarnMs);
    const { heard, total, unheard } = reachedPower(s, reached);
    const ahead = lastPeer.ahead !== undefined && lastPeer.ahead.height > s.height ? { aheadHeight: lastPeer.ahead.height } : {};
    return { height: s.height, round: s.round, step: s.step, sinceMs: stall.sinceMs, heard, total, unheard, quorumHeard: 3n * heard > 2n * total, ...ahead };
  };
  /**
   * A height undecided for `stallWarnMs` is worth a warning (again every `stallWarnAgainMs`), and
   * when the validators heard from at it hold 2/3 of the power or less, that is why: no round can
   * decide until more are reached (a lone node, a network half down); the warning names them.
   */
  const warnIfStalled = () => {
    const found = stalled();
    const t = now();
    if (found === undefined || t - stall.warnedMs < stallWarnAgainMs) return;
    stall.warnedMs = t;
    const { height, round, step, heard, total, unheard, quorumHeard, aheadHeight } = found;
    const fields = { height, round, step, undecidedMs: t - found.sinceMs, heardPower: `${heard} of ${total}`, notHeardFrom: unheard };
    if (aheadHeight !== undefined)
      logger.warn({ ...fields, aheadHeight }, 'this node is behind: a peer is at a later height, and this one fetches the blocks decided up to it');
    else if (quorumHeard) logger.warn(fields, 'no block decided at this height for a while, though validators with more than 2/3 of the power are heard from');
    else
      logger.warn(
        fields,
        `no block can be decided: the validators reached in the last 10 s (their nodes answer this one, or their votes come) hold 2/3 of the power or less, and a decision needs more; are the others (${unheard.join(', ')}) running and reachable? (GET /v1/net lists the peers)`,
      );
  };

  const evidenceAgain = createEvidenceRegossip(
    evidence,
    (offence) => void gossip.publish({ evidence: offence }).catch((error: unknown) => logger.debug({ err: error }, 'gossiping evidence again failed')),
    now,
  );

  let idle: NodeJS.Timeout | undefined;
  return {
    commits$: commits.commits$,
    certificateOf: (height) => certificateOf(c, commits, height),
    async addEvidence(offence) {
      holdEvidence(offence, 'reported');
      await gossip.publish({ evidence: offence });
    },
    figures: () => ({ ...figures, records: { ...figures.records }, refusedMessages: { ...figures.refusedMessages } }),
    stalled,
    foreignSignature: () => guard.holding(chain.ledger.height),
    status() {
      const s = state();
      const last = commits.latest();
      return {
        height: s.height,
        round: s.round,
        step: s.step,
        validators: s.height === 0 ? null : s.validators,
        lastCommit: last === null ? null : { height: last.height, round: last.certificate.round, hash: last.certificate.hash },
      };
    },
    async start() {
      running = true;
      actor.start();
      gossip.subscribe(onMessage);
      await records.start();
      await catchUp.start();
      const begin = () => {
        if (!c.caughtUp()) return;
        if (!lookedBack) {
          lookedBack = true;
          void lookBack().catch((error: unknown) => logger.warn({ err: error }, 'reading the last certificates at start failed'));
        }
        warnIfStalled();
        evidenceAgain.tick(chain.ledger);
        if (state().height === 0 && waitingFor === null) waitingFor = chain.ledger.height + 1;
        startIfWork();
      };
      idle = setInterval(begin, c.limits.idleCheckMs);
      begin();
    },
    async stop() {
      running = false;
      stopping.abort();
      clearInterval(idle);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      clearTimeout(refetch);
      clearInterval(unsignedTimer);
      gossip.unsubscribe();
      await catchUp.stop();
      await records.stop();
      actor.stop();
      await work;
      commits.close();
    },
  };
}
