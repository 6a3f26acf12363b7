import { checkTx } from '../../log/index.ts';
import { isAinError, isJobOp, isStateOp, type OpOf, type ShardEvent, type StateOp, type Tx } from '../../schemas/index.ts';
import {
  activeSetOf,
  applyAttest,
  applyCommit,
  applyEvidence,
  applyOfferStorage,
  applyReserveStorage,
  applySend,
  applyStake,
  applyUnstake,
  bandwidthFree,
  chargeBandwidth,
  noteReceived,
  ok,
  readAccount,
  readNonce,
  refuse,
  reservedRoots,
  slash,
  writeNonce,
  type CertifiedCommit,
  type Finalized,
  type JobEvent,
  type Outcome,
  type ValidatorSet,
} from '../../projections/index.ts';
import { applyJobOp, requestBandwidthPool } from '../job/index.ts';
import { applyBranch, applyCloseShard, applyReport, applyShardRules, shardedPathProblem, type ShardOpContext } from '../shard/index.ts';
import type { Offence } from './blockConsensus.ts';
import { genesisHashOf, type Ledger } from './ledger.ts';
import { genesisRootOf, shardGenesisOf } from './shardGenesis.ts';
import { mayCut } from './validatorPriorities.ts';

/** What one tx did beyond its outcome. */
export interface TxEffects {
  finalized?: Finalized;
  /** What a job-protocol op did, for the reputation and dashboard folds. */
  jobEvents?: readonly JobEvent[];
  slashed?: { readonly address: string; readonly amount: bigint };
  /** What the slashed validator did. */
  offence?: Offence;
  /** The certificate a `commit` proved. */
  commit?: CertifiedCommit;
  /** What a shard op did, for the `shards` stream. */
  shardEvents?: readonly ShardEvent[];
}

const shardValidatorsRefusal = (op: 'stake' | 'unstake') =>
  refuse(
    'SHARD_VALIDATORS',
    `This chain is a shard: its validators change by a shardRules tx, which its parent learns from the reports, so ${op} is refused here.`,
  );

/** The block a tx is applied in. */
export interface TxContext {
  readonly height: number;
  readonly time: number;
  /** Whose cut closed the block (the first proposer for a block closed by size). */
  readonly proposer: string;
}

/** A state op that would write where only the ledger writes (or replace the whole tree). */
function reservedProblem(op: StateOp): Outcome | undefined {
  const ops = op.type === 'set' ? op.ops : [op];
  for (const one of ops) {
    const path = (one as { path?: unknown }).path;
    if (typeof path !== 'string') continue;
    const end = path.indexOf('/', 1);
    const first = path.slice(1, end < 0 ? path.length : end); // the first label (path.split('/')[1]), without an array per tx
    if (reservedRoots.includes(first)) {
      return refuse(
        'RESERVED_PATH',
        `${path} is under /${first}, which only the ledger writes; move money with send, stake and unstake txs, jobs with the job-protocol ops, shards with branch, report and closeShard, and Big Storage with offerStorage and reserveStorage.`,
      );
    }
    if (path === '/' && (one.type === 'set_value' || one.type === 'inc_value' || one.type === 'dec_value')) {
      return refuse(
        'RESERVED_PATH',
        'Writing a value at / would replace the ledger’s /accounts, /consensus, /jobs, /shards and /storage; write below a path of your own.',
      );
    }
  }
  return undefined;
}

function applyEquivocation(ledger: Ledger, op: OpOf<'equivocation'>): { outcome: Outcome; effects?: TxEffects } {
  const { chain, shard } = ledger.genesis;
  const { first, second } = op;
  if (first.op.genesis !== ledger.genesisHash || second.op.genesis !== ledger.genesisHash) {
    return {
      outcome: refuse('BAD_EVIDENCE', `An attestation in the evidence is for another chain's genesis than this one's (${ledger.genesisHash.slice(0, 16)}…).`),
    };
  }
  try {
    checkTx(first, { chain, shard });
    checkTx(second, { chain, shard });
  } catch (error) {
    if (!isAinError(error)) throw error;
    return { outcome: refuse('BAD_EVIDENCE', `An attestation in the evidence does not verify: ${error.message}`) };
  }
  if (first.from !== second.from || first.op.height !== second.op.height || first.op.hash === second.op.hash) {
    return { outcome: refuse('BAD_EVIDENCE', 'Evidence of equivocation is two attestations by one validator for one height with different hashes.') };
  }
  const account = readAccount(ledger.tree, first.from);
  if (account.stake + account.unbonding === 0n) {
    return { outcome: refuse('NOTHING_TO_SLASH', `${first.from} has no stake left to slash.`) };
  }
  const amount = slash(ledger.tree, first.from);
  return { outcome: ok, effects: { slashed: { address: first.from, amount }, offence: { height: first.op.height, kind: 'attest' } } };
}

/** `branch`, `report` and `closeShard`: the parent's ShardMachines (actors/shard). */
function applyShardOp(ledger: Ledger, tx: Tx, hash: string, ctx: TxContext): { outcome: Outcome; effects?: TxEffects } {
  const shardCtx: ShardOpContext = { tree: ledger.tree, from: tx.from, hash, time: ctx.time, height: ctx.height, chain: ledger.genesis.chain };
  const op = tx.op as OpOf<'branch' | 'report' | 'closeShard'>;
  const result =
    op.type === 'branch'
      ? applyBranch(shardCtx, op, () => {
          const genesis = shardGenesisOf(tx, hash);
          return { hash: genesisHashOf(genesis), root: genesisRootOf(genesis) };
        })
      : op.type === 'report'
        ? applyReport(shardCtx, op)
        : applyCloseShard(shardCtx, op);
  return result.events === undefined ? { outcome: result.outcome } : { outcome: result.outcome, effects: { shardEvents: result.events } };
}

/**
 * The validator set the genesis writes, of every account with stake (at most validatorsMax, the
 * largest): the set that votes on block 1.
 * @example genesisSetOf(chain.ledger).total
 */
export function genesisSetOf({ genesis }: Pick<Ledger, 'genesis'>): ValidatorSet {
  const stakes = new Map<string, bigint>();
  for (const address of Object.keys(genesis.accounts).sort()) {
    const stake = BigInt(genesis.accounts[address]!.stake);
    if (stake !== 0n) stakes.set(address, stake);
  }
  return activeSetOf(stakes);
}

/**
 * Applies one checked tx: the nonce first (a duplicate or stale nonce changes nothing), then its
 * sender's bandwidth (BANDWIDTH_EXCEEDED when its budget for the window is used up), then its op.
 * Every tx that passes the nonce check uses its nonce up, whatever its op's outcome.
 */
export function applyTx(ledger: Ledger, tx: Tx, hash: string, ctx: TxContext): { outcome: Outcome; effects?: TxEffects } {
  const { tree } = ledger;
  const account = readNonce(tree, tx.from);
  if (tx.nonce <= account.nonce) {
    return {
      outcome:
        hash === account.last
          ? refuse('DUPLICATE_TX', `The tx ${hash.slice(0, 16)}… is already in the chain; this copy is ignored.`)
          : refuse('BAD_NONCE', `Nonce ${tx.nonce} of ${tx.from} is not above its last nonce ${account.nonce}; sign with a larger nonce.`),
    };
  }
  writeNonce(tree, tx.from, tx.nonce, hash);
  const op = tx.op;
  const rules = ledger.bandwidth;
  if (rules !== null && !bandwidthFree(tree, ledger.proposers, tx.from, op.type)) {
    const exceeded = chargeBandwidth(tree, rules, tx.from, ctx.time, () => requestBandwidthPool(tree, rules, tx.from, op));
    if (exceeded !== undefined) return { outcome: exceeded };
  }
  if (isStateOp(op)) {
    const problem = reservedProblem(op) ?? shardedPathProblem(tree, op);
    if (problem !== undefined) return { outcome: problem };
    return { outcome: tree.apply(op, { auth: { addr: tx.from }, time: ctx.time, height: ctx.height }) };
  }
  if (isJobOp(op)) {
    const { outcome, events } = applyJobOp(
      { tree, from: tx.from, hash, time: ctx.time, height: ctx.height, windows: ledger.jobWindows, chain: ledger.genesis.chain },
      op,
    );
    return events === undefined || events.length === 0 ? { outcome } : { outcome, effects: { jobEvents: events } };
  }
  switch (op.type) {
    case 'send': {
      const outcome = applySend(tree, tx.from, op);
      // AIN received buys bandwidth from the next window on (projections/accounts/bandwidth.ts).
      if (rules !== null && outcome.code === 'ok' && op.to !== tx.from) noteReceived(tree, rules, op.to, BigInt(op.amount), ctx.time);
      return { outcome };
    }
    case 'stake':
      return {
        outcome: ledger.genesis.branch === undefined ? applyStake(tree, tx.from, op, ctx.time, ledger.genesis.unbondingMs) : shardValidatorsRefusal('stake'),
      };
    case 'unstake':
      return {
        outcome:
          ledger.genesis.branch === undefined ? applyUnstake(tree, tx.from, op, ctx.time, ledger.genesis.unbondingMs) : shardValidatorsRefusal('unstake'),
      };
    case 'cut':
      return { outcome: mayCut(ledger, tx.from) ? ok : refuse('NOT_PROPOSER', `${tx.from} is not a proposer of this chain; its cut marker is ignored.`) };
    case 'attest': {
      const result = applyAttest(tree, tx.from, op, ctx.height + 1, ledger.genesisHash);
      const effects: TxEffects = {};
      if (result.finalized !== undefined) effects.finalized = result.finalized;
      if (result.slashed !== undefined) {
        effects.slashed = { address: tx.from, amount: result.slashed };
        effects.offence = { height: op.height, kind: 'attest' };
      }
      return { outcome: result.outcome, effects };
    }
    case 'commit': {
      const { chain, shard } = ledger.genesis;
      const result = applyCommit(tree, tx.from, op, {
        chain,
        shard,
        genesis: ledger.genesisHash,
        height: ctx.height,
        proposer: ctx.proposer,
        genesisSet: () => genesisSetOf(ledger),
      });
      return result.certified === undefined
        ? { outcome: result.outcome }
        : { outcome: result.outcome, effects: { finalized: result.finalized, commit: result.certified } };
    }
    case 'equivocation':
      return applyEquivocation(ledger, op);
    case 'evidence': {
      const { chain, shard } = ledger.genesis;
      const result = applyEvidence(tree, op, { chain, shard, genesis: ledger.genesisHash, height: ctx.height, genesisSet: () => genesisSetOf(ledger) });
      if (result.slashed === undefined) return { outcome: result.outcome };
      const { height, round, kind } = op.evidence.a;
      return { outcome: result.outcome, effects: { slashed: result.slashed, offence: { height, round, kind } } };
    }
    case 'branch':
    case 'report':
    case 'closeShard':
      return applyShardOp(ledger, tx, hash, ctx);
    case 'reserveStorage':
      return { outcome: applyReserveStorage(tree, tx.from, hash, op, ctx.time) };
    case 'offerStorage':
      return { outcome: applyOfferStorage(tree, tx.from, op) };
    case 'shardRules':
      return { outcome: applyShardRules({ tree, genesis: ledger.genesis, from: tx.from, height: ctx.height }, op).outcome };
    default:
      // Every op of the catalogue has a case above; an op added to it without one is recorded and changes nothing.
      return {
        outcome: refuse('UNSUPPORTED_OP', `This ledger does not fold ${(op as { type: string }).type} txs yet; the tx is recorded and changes nothing.`),
      };
  }
}
