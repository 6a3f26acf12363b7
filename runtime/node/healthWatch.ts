import type { Logger } from 'pino';
import type { Observable, Subscription } from 'rxjs';
import type { EventLog } from '../../log/index.ts';
import {
  currentValidatorSet,
  readAccount,
  readBlockRecord,
  readFinalized,
  readValidatorSet,
  type StateTree,
  type ValidatorSet,
} from '../../projections/index.ts';
import type { HealthProblem, HealthProblemCode } from '../../schemas/index.ts';
import { foreignSignatureWords, quietHeights, type ConsensusStall, type ForeignSignature } from '../consensus/index.ts';
import type { ValidatorPresence } from './validatorPresence.ts';

/** How long a block with txs may wait for finality after this node applied it before it is a problem. */
export const finalityStallMs = 10_000;
/** Peers or hashes a problem names at most (the rest are counted). */
const namesMax = 8;
/** How often the watch looks (and says in the log what appeared and what cleared). */
const watchEveryMs = 5_000;
/** Blocks whose local time of application is kept (as PendingWork keeps their kind). */
const appliedKeptMax = 1024;

/** What the watch reads of ValidatorPresence. */
type Presence = Pick<ValidatorPresence, 'of' | 'claimants' | 'silentBootstrap' | 'otherGenesis'>;

export interface HealthWatchOptions {
  readonly logger: Logger;
  readonly now: () => number;
  /** The node's validator key. */
  readonly address: string;
  /** The chain's genesis hash (this node's). */
  readonly genesisHash: string;
  readonly log: Pick<EventLog, 'outage'>;
  readonly ledger: { readonly tree: StateTree; readonly height: number };
  /** Each block as the node applies it (the follower's): when it did, by its own clock. */
  readonly blocks$: Observable<{ readonly header: { readonly height: number } }>;
  /** Whether block `height` held txs besides cut markers and attestations (Follower.holdsWork); undefined when not known. */
  readonly holdsWork: (height: number) => boolean | undefined;
  /** Whether the node has read its log as it stood at start: while it replays, old blocks are not a stall now. */
  readonly caughtUp: () => boolean;
  /**
   * A network validator's consensus: its stalls are its problem (it says them in the log itself),
   * and its blocks are final once decided. Absent on a node whose blocks are final once attested
   * (one node, a Kafka cluster).
   */
  readonly consensus?: { stalled(): ConsensusStall | undefined; foreignSignature?(): ForeignSignature | undefined };
  /** On a node of a peer-to-peer network: which validator each peer is, and whether it answers. */
  readonly presence?: Presence;
  /** The config's bootstrap addresses (`p2p.bootstrap`): a silent bootstrap peer is named with the address dialled (a wrong port shows). */
  readonly bootstrapAddresses?: readonly string[];
}

export interface HealthWatch {
  /** What keeps the node from its work now (`GET /v1/health`'s `problems`). */
  problems(): HealthProblem[];
  /** Looks now, as the timer does every 5 s: says in the log what appeared and what cleared since the last look. */
  look(): void;
  start(): void;
  stop(): void;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** What the log says when a problem is gone. */
const cleared: Readonly<Record<HealthProblemCode, string>> = {
  LOG_UNAVAILABLE: 'the Kafka brokers answer again',
  CONSENSUS_STALLED: 'blocks are decided again',
  FINALITY_STALLED: 'the blocks with txs are final again',
  VALIDATOR_SLASHED: 'the validator key is no longer slashed',
  VALIDATORS_UNREACHABLE: 'the validators and bootstrap peers this node reached before answer again',
  VALIDATOR_KEY_SHARED: 'one node answers and signs as each validator again',
  GENESIS_MISMATCH: 'no bootstrap peer reached lately runs this chain id from another genesis',
};

/**
 * What keeps a node that answers from its work, for `GET /v1/health` and the log: its Kafka
 * brokers not answering, consensus stuck at a height (and whose votes it lacks), a block with txs
 * not final `finalityStallMs` after the node applied it (and whose attestations it lacks: on a
 * Kafka cluster a validator that is down, or on another topic, stops finality without a word),
 * its own key slashed. Every `watchEveryMs` it says in the log what appeared (warn) and what
 * cleared (info), but for consensus stalls, which the consensus service says itself. Blocks that
 * hold only cut markers and attestations are not waited for: an idle chain's last few stay
 * unattested until the next tx, by design.
 * @example const watch = createHealthWatch({ logger, now, address, log, ledger, blocks$, holdsWork, caughtUp }); watch.start()
 */
export function createHealthWatch(options: HealthWatchOptions): HealthWatch {
  const { logger, now, address, genesisHash, log, ledger, holdsWork, caughtUp, consensus, presence } = options;
  const appliedMs = new Map<number, number>();
  let startedMs = Number.POSITIVE_INFINITY;

  const finalityStall = (): HealthProblem | undefined => {
    if (!caughtUp()) return undefined;
    const finalized = readFinalized(ledger.tree).height;
    // The first block not final that holds txs; its finality is what the chain waits for.
    for (let height = Math.max(finalized + 1, ledger.height - appliedKeptMax + 1); height <= ledger.height; height++) {
      if (holdsWork(height) !== true) continue;
      // A block applied before the watch started (replayed at start) waits from then.
      const since = appliedMs.get(height) ?? startedMs;
      if (now() - since < finalityStallMs) return undefined;
      const record = readBlockRecord(ledger.tree, height);
      if (record === null) return undefined;
      const set = readValidatorSet(ledger.tree, record.set);
      const missing = [...set.stakes.keys()].filter((v) => record.votes?.[v] !== record.hash).sort();
      return {
        code: 'FINALITY_STALLED',
        message: `Block ${height}, which holds txs, is not final ${seconds(now() - since)} after this node applied it: the blocks after it hold attestations of it by validators with ${record.power} of ${set.total} AIN staked, and finality needs more than 2/3; none by ${missing.join(', ')}. Are those validators running, on this chain's log?`,
        since,
        missing,
      };
    }
    return undefined;
  };

  /**
   * Validators of the current set whose node answered this one before and not in the last 10 s
   * (ValidatorPresence), and bootstrap peers that never answered: one validator down of four
   * stops nothing yet, but the next one does.
   */
  /** A bootstrap peer with the address of the config this node dials it at, when there is one. */
  const dialledAt = (peer: string): string => {
    const addresses = (options.bootstrapAddresses ?? []).filter((address) => address.endsWith(`/p2p/${peer}`));
    return addresses.length === 0 ? peer : addresses.join(' or ');
  };
  const unreachable = (presence: Presence, set: ValidatorSet): HealthProblem | undefined => {
    const t = now();
    const silent: { address: string; peerId: string; answeredMs: number }[] = [];
    let answering = 0n;
    // Validators this node never reached directly (behind relays): whether they are up is not known here.
    let unknown = 0n;
    for (const [validator, stake] of set.stakes) {
      const reach = validator === address ? { peerId: '', answeredMs: t, reachable: true } : presence.of(validator);
      if (reach?.reachable === true) answering += stake;
      else if (reach !== undefined) silent.push({ address: validator, ...reach });
      else unknown += stake;
    }
    const bootstrap = presence.silentBootstrap();
    if (silent.length === 0 && bootstrap.length === 0) return undefined;
    silent.sort((a, b) => a.address.localeCompare(b.address));
    const parts: string[] = [];
    if (silent.length > 0) {
      const named = silent.map((v) => `${v.address} (peer ${v.peerId}, last answered ${seconds(t - v.answeredMs)} ago)`).join(', ');
      // The least stake whose loss leaves 2/3 or less: 3 (answering − x) ≤ 2 total.
      const spare = answering - (2n * set.total) / 3n;
      const verdict =
        3n * answering > 2n * set.total
          ? `more than 2/3, so blocks are still decided, but not once validators holding ${spare} AIN or more of it stop too`
          : 3n * (answering + unknown) > 2n * set.total
            ? `2/3 or less; with the ${unknown} staked by validators this node never reached directly (behind relays, say), whose nodes may be up, it is more`
            : `2/3 or less${unknown > 0n ? `, even with the ${unknown} staked by validators this node never reached directly` : ''}, so no block can be decided until more answer`;
      parts.push(
        `${silent.length === 1 ? 'the node of validator' : 'the nodes of validators'} ${named} ${silent.length === 1 ? 'does' : 'do'} not answer this node; the validators that do${set.stakes.has(address) ? ', this one included,' : ''} hold ${answering} of ${set.total} AIN staked: ${verdict}`,
      );
    }
    if (bootstrap.length > 0)
      parts.push(
        `the bootstrap peer${bootstrap.length === 1 ? '' : 's'} ${bootstrap.map(dialledAt).join(', ')} (no validator's node here, or not yet known as one) ${bootstrap.length === 1 ? 'does' : 'do'} not answer this node: none in the 30 s since it started, or none for 10 s since the last (a node whose p2p.key was made anew answers under another peer id: its address in this node's bootstrap list is then out of date)`,
      );
    return {
      code: 'VALIDATORS_UNREACHABLE',
      message: `${parts.join('; ').replace(/^t/, 'T')}. Are they running, and reachable from here? (GET /v1/net lists the peers and validators.)`,
      ...(silent.length === 0 ? {} : { since: Math.min(...silent.map((v) => v.answeredMs)) }),
      missing: silent.map((v) => v.address),
      ...(bootstrap.length === 0 ? {} : { peers: bootstrap }),
    };
  };

  /**
   * A validator key that two nodes run: their peers' answers with its claim interleaved within
   * 10 s (this node's own key: any other peer answered with it). Such nodes sign conflicting votes, and the stake is slashed.
   */
  const sharedKeys = (presence: Presence, set: ValidatorSet): HealthProblem | undefined => {
    const found: { address: string; peers: string[] }[] = [];
    for (const validator of set.stakes.keys()) {
      // This node's own key: any other peer that answered as it lately (this node asks no one as itself).
      const own = validator === address ? presence.of(validator) : undefined;
      const peers = [...new Set([...presence.claimants(validator), ...(own?.reachable === true ? [own.peerId] : [])])].sort();
      if (peers.length > 0) found.push({ address: validator, peers });
    }
    if (found.length === 0) return undefined;
    const named = found
      .map(
        (f) =>
          `${f.address === address ? `this node's key ${f.address}: peer${f.peers.length === 1 ? '' : 's'}` : `validator ${f.address}: peers`} ${f.peers.join(', ')}`,
      )
      .join('; ');
    return {
      code: 'VALIDATOR_KEY_SHARED',
      message: `Two nodes or more run one validator key, each answering as it in the last 10 s (${named}). Nodes on one key sign conflicting votes, and its stake is slashed for it: stop all but one, and give the others keys of their own.`,
      missing: found.map((f) => f.address).sort(),
      peers: [...new Set(found.flatMap((f) => f.peers))].sort(),
    };
  };

  /**
   * A signature of this node's key that it never made (ownKeyGuard.ts): a node with the same
   * peer key (a whole data dir copied) is not told apart by its answers, only by what it signs.
   */
  const foreignSigning = (found: ForeignSignature): HealthProblem => ({
    code: 'VALIDATOR_KEY_SHARED',
    message: `Another node signs with this node's validator key ${address}: ${foreignSignatureWords(found)} ${seconds(now() - found.heardMs)} ago is none this node signed (consensus/signed.json). So that its stake is not slashed for two conflicting votes, this node signs nothing until ${quietHeights} heights are decided past the last such signature: stop the other node (a copy of this data dir?). If this node's consensus/ record was lost instead, it resumes by itself once two heights are decided without it, which needs the other validators to hold more than 2/3 of the stake.`,
    since: found.heardMs,
    missing: [address],
  });

  /**
   * Bootstrap peers that answer for this chain id and shard from another genesis: their blocks are
   * not this chain's, and a node whose own genesis.json is the odd one follows no one, quietly.
   */
  const otherGenesis = (presence: Presence): HealthProblem | undefined => {
    const found = presence.otherGenesis();
    if (found.length === 0) return undefined;
    const hashes = [...new Set(found.map((f) => f.genesis))].map((g) => `${g.slice(0, 16)}…`);
    const peers = found.map((f) => f.peer);
    const named = peers.length <= namesMax ? peers.join(', ') : `${peers.slice(0, namesMax).join(', ')} and ${peers.length - namesMax} more`;
    return {
      code: 'GENESIS_MISMATCH',
      message: `${peers.length === 1 ? 'The bootstrap peer' : `${peers.length} bootstrap peers`} ${named} ${peers.length === 1 ? 'runs' : 'run'} this chain id from another genesis (${hashes.slice(0, namesMax).join(', ')}) than this node's (${genesisHash.slice(0, 16)}…): their blocks are not this chain's, and this node takes none of them. If this node's genesis.json is the odd one, start it on a new data dir holding the network's (the same bytes as every node's; a data dir whose log holds blocks keeps the genesis it began with); if theirs are, they are another network's nodes: take them out of this node's bootstrap list.`,
      peers: peers.slice(0, namesMax),
    };
  };

  const problems = (): HealthProblem[] => {
    const out: HealthProblem[] = [];
    const outage = log.outage?.();
    if (outage !== undefined)
      out.push({ code: 'LOG_UNAVAILABLE', message: `${outage.message}; since then the node takes no tx and cuts no block.`, since: outage.sinceMs });
    const stall = consensus?.stalled();
    if (stall !== undefined) {
      const why =
        stall.aheadHeight !== undefined
          ? `a peer is at height ${stall.aheadHeight}: this node is behind, and fetches the blocks decided up to it`
          : stall.quorumHeard
            ? 'validators with more than 2/3 of the power are heard from'
            : `the validators reached in the last 10 s (their nodes answer this one, or their votes come) hold ${stall.heard} of ${stall.total} power, and a decision needs more than 2/3: are ${stall.unheard.join(', ')} running and reachable?`;
      out.push({
        code: 'CONSENSUS_STALLED',
        message: `No block decided here at height ${stall.height} for ${seconds(now() - stall.sinceMs)} (round ${stall.round}, ${stall.step}): ${why}`,
        since: stall.sinceMs,
        ...(stall.aheadHeight === undefined ? { missing: [...stall.unheard] } : {}),
      });
    }
    const notOwn = consensus?.foreignSignature?.();
    const signing = notOwn === undefined ? undefined : foreignSigning(notOwn);
    if (presence !== undefined) {
      // The set read once for both.
      const set = currentValidatorSet(ledger.tree);
      const silent = unreachable(presence, set);
      if (silent !== undefined) out.push(silent);
      const shared = sharedKeys(presence, set);
      if (shared !== undefined)
        out.push(
          signing === undefined
            ? shared
            : { ...shared, message: `${shared.message} ${signing.message}`, missing: [...new Set([...shared.missing!, address])].sort() },
        );
      else if (signing !== undefined) out.push(signing);
      const foreign = otherGenesis(presence);
      if (foreign !== undefined) out.push(foreign);
    } else if (signing !== undefined) out.push(signing);
    if (consensus === undefined) {
      const finality = finalityStall();
      if (finality !== undefined) out.push(finality);
    }
    if (readAccount(ledger.tree, address).slashed) {
      out.push({
        code: 'VALIDATOR_SLASHED',
        message: `This node's key ${address} was slashed for signing two conflicting votes or attestations: its stake is burned, and it no longer proposes, votes or attests.`,
      });
    }
    return out;
  };

  let said = new Map<HealthProblemCode, HealthProblem>();
  const look = () => {
    const seen = new Map(problems().map((p) => [p.code, p]));
    // Said when it appears, and again when whom it names changes (a second validator down, say).
    const named = (p: HealthProblem | undefined) => JSON.stringify([p?.missing ?? [], p?.peers ?? []]);
    for (const [code, problem] of seen) {
      if ((!said.has(code) || named(said.get(code)) !== named(problem)) && code !== 'CONSENSUS_STALLED')
        logger.warn({ problem: code, missing: problem.missing, peers: problem.peers, since: problem.since }, problem.message);
    }
    for (const code of said.keys()) {
      if (!seen.has(code) && code !== 'CONSENSUS_STALLED') logger.info({ problem: code }, cleared[code]);
    }
    said = seen;
  };

  let timer: ReturnType<typeof setInterval> | undefined;
  let applied: Subscription | undefined;
  return {
    problems,
    look,
    start() {
      startedMs = Math.min(startedMs, now());
      applied ??= options.blocks$.subscribe(({ header: { height } }) => {
        appliedMs.set(height, now());
        appliedMs.delete(height - appliedKeptMax);
      });
      timer ??= setInterval(look, watchEveryMs);
      timer.unref();
    },
    stop() {
      applied?.unsubscribe();
      applied = undefined;
      clearInterval(timer);
      timer = undefined;
    },
  };
}
