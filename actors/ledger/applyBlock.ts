import { checkRecord, merkleRootOfTextDigests, proposalHashOf, type TxRecord, type UnsealedHeader } from '../../log/index.ts';
import {
  currentValidatorSet,
  noteProposalHash,
  pruneBlockRecords,
  readFinalized,
  recordBlock,
  releaseUnbonded,
  applyStorageExpiries,
  type Finalized,
  type FiredTrigger,
  type JobEvent,
  type Outcome,
  type Refusal,
} from '../../projections/index.ts';
import type { RulesProof, ShardEvent, SignedAttest } from '../../schemas/index.ts';
import { applyJobDeadlines } from '../job/index.ts';
import { activateShardRules, applyShardDeadlines, recordShardSlash, rulesProofAfter } from '../shard/index.ts';
import { stakeChanges, type BlockConsensus } from './blockConsensus.ts';
import type { Ledger } from './ledger.ts';
import { applyTx } from './applyTx.ts';
import { applyValidatorPriorities } from './validatorPriorities.ts';

/** The ops whose outcome may slash a validator. */
const slashingOps: ReadonlySet<string> = new Set(['evidence', 'equivocation', 'attest']);

/** A block as the ledger folds it: the header without its state root, and its records. */
export interface LedgerBlock {
  readonly header: UnsealedHeader;
  readonly txs: readonly TxRecord[];
  /**
   * The records' verdicts the caller already has, by index (`null`: passed), e.g. from verify
   * threads; a missing one is checked here with the same function (events' checkRecord).
   */
  readonly checks?: readonly (Refusal | null | undefined)[];
}

export interface BlockResult {
  /** The state root after the block: what its header carries. */
  readonly stateRoot: string;
  /** The root of what each tx came to (see outcomeRootOf): what its header carries. */
  readonly outcomeRoot: string;
  /** Each record's outcome, in block order: `ok` or a refusal with a code. */
  readonly outcomes: readonly Outcome[];
  /** Functions whose paths the block wrote, for the agents that run them. */
  readonly triggers: readonly FiredTrigger[];
  readonly finalized: Finalized;
  readonly slashed: readonly { readonly address: string; readonly amount: bigint }[];
  /** What the job protocol did in this block (deadlines first, then by tx), for reputation and dashboard. */
  readonly jobEvents: readonly JobEvent[];
  /** What it did in consensus: its proposal hash, the certificate it carried, evidence, voting power changed. */
  readonly consensus: BlockConsensus;
  /** What the shards branched from this chain did in this block (stalls first, then by tx). */
  readonly shardEvents: readonly ShardEvent[];
  /** On a shard's chain, a block that changed its rules: the record with its proof against `stateRoot`, for the reports. */
  readonly rulesProof?: RulesProof;
  /**
   * On a shard's chain, the attestations the block counted (outcome ok), as signed: what proves
   * the blocks they name to the parent when the shard runs on Kafka.
   */
  readonly attestations?: readonly SignedAttest[];
}

/**
 * Folds one block into the ledger: records the previous block's hash for attestations and
 * commits, notes this block's proposal hash (for the commit in the next block), releases
 * unbonded stake and Big Storage reservations due at block time, applies each tx (refusals are outcomes, never exceptions),
 * writes the next height's validator set with its proposer priorities, and returns the new state
 * root. Pure: the block's time and contents are its only inputs.
 * @example const { stateRoot, outcomes } = applyBlock(ledger, { header, txs })
 */
export function applyBlock(ledger: Ledger, block: LedgerBlock): BlockResult {
  const { header, txs, checks } = block;
  if (header.height !== ledger.height + 1) {
    throw new Error(`applyBlock got block ${header.height} after block ${ledger.height}: blocks must come in order`);
  }
  const { tree, genesis } = ledger;
  // The state root before the block: what its proposal named as lastRoot (CometBFT's lagged AppHash).
  const lastRoot = tree.root();
  const setBefore = currentValidatorSet(tree);
  if (header.height > 1) recordBlock(tree, header.height - 1, header.prevHash);
  const { chain, shard, height, prevHash, txRoot, recordsRoot, time, proposer } = header;
  const proposalHash = proposalHashOf({ chain, shard, height, prevHash, txRoot, recordsRoot, time, proposer, lastRoot });
  noteProposalHash(tree, height, proposalHash);
  releaseUnbonded(tree, header.time);
  applyStorageExpiries(tree, header.time);
  const jobEvents: JobEvent[] = applyJobDeadlines(tree, header.time, header.height);
  const shardEvents: ShardEvent[] = applyShardDeadlines(tree, header.time, header.height);
  const outcomes: Outcome[] = [];
  const triggers: FiredTrigger[] = [];
  const slashed: { address: string; amount: bigint }[] = [];
  let commit: BlockConsensus['commit'] = null;
  const evidence: BlockConsensus['evidence'][number][] = [];
  const ctx = { height: header.height, time: header.time, proposer: header.proposer };
  for (const [index, record] of txs.entries()) {
    const given = checks?.[index];
    const refusal = given === undefined ? checkRecord(record, genesis) : given;
    if (refusal !== null) {
      outcomes.push(refusal);
      continue;
    }
    // On a shard, a slashed validator's power goes only with a rules record (see recordShardSlash).
    const powers = genesis.branch !== undefined && slashingOps.has(record.tx!.op.type) ? currentValidatorSet(tree).stakes : undefined;
    const { outcome, effects } = applyTx(ledger, record.tx!, record.hash, ctx);
    outcomes.push(outcome);
    if (effects?.slashed !== undefined) {
      const { address } = effects.slashed;
      if (powers !== undefined) recordShardSlash(tree, genesis, address, powers.get(address) ?? 0n, header.height);
      slashed.push(effects.slashed);
      if (effects.offence !== undefined) evidence.push({ ...effects.offence, address: effects.slashed.address, burned: effects.slashed.amount });
    }
    if (effects?.commit !== undefined) commit = effects.commit;
    if (effects?.jobEvents !== undefined) jobEvents.push(...effects.jobEvents);
    if (effects?.shardEvents !== undefined) shardEvents.push(...effects.shardEvents);
    const fired = tree.drainTriggers();
    if (fired.length > 0) triggers.push(...fired);
  }
  pruneBlockRecords(tree);
  if (genesis.branch !== undefined) activateShardRules(tree, header.height);
  applyValidatorPriorities(tree, header.height);
  ledger.height = header.height;
  const consensus: BlockConsensus = { proposalHash, commit, evidence, validators: stakeChanges(setBefore, currentValidatorSet(tree)) };
  const rulesProof = genesis.branch === undefined ? undefined : rulesProofAfter(tree, header.height);
  const attestations = genesis.branch === undefined ? [] : countedAttestations(txs, outcomes);
  return {
    ...(rulesProof === undefined ? {} : { rulesProof }),
    ...(attestations.length === 0 ? {} : { attestations }),
    stateRoot: tree.root(),
    outcomeRoot: outcomeRootOf(txs, outcomes),
    outcomes,
    triggers,
    finalized: readFinalized(tree),
    slashed,
    jobEvents,
    consensus,
    shardEvents,
  };
}

/**
 * Merkle root of SHA-256(`<tx hash>:<code>`) per record: commits a block to what each tx came to
 * (codes only; the sentences may change between versions).
 */
export function outcomeRootOf(txs: readonly TxRecord[], outcomes: readonly Outcome[]): string {
  return merkleRootOfTextDigests(outcomes.length, (i) => `${txs[i]!.hash}:${outcomes[i]!.code}`);
}

/** The block's `attest` txs that counted (outcome ok), as signed. */
function countedAttestations(txs: readonly TxRecord[], outcomes: readonly Outcome[]): SignedAttest[] {
  const counted: SignedAttest[] = [];
  for (const [index, { tx }] of txs.entries()) if (tx?.op.type === 'attest' && outcomes[index]!.code === 'ok') counted.push(tx as SignedAttest);
  return counted;
}
