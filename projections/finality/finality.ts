import type { Finalized, OpOf } from '../../schemas/index.ts';
import { consensusPath, freezeValidatorSet, pruneValidatorSets, readAccount, readValidatorSet, slash } from '../accounts/index.ts';
import { ok, refuse, type Outcome, type StateTree } from '../state/index.ts';

const blocksPath = `${consensusPath}/blocks`;
const finalizedPath = `${consensusPath}/finalized`;
const proposalPath = `${consensusPath}/proposal`;

/** Block records kept below the finalized height, so late attestations can still be checked. */
export const attestWindowBlocks = 64;

export type { Finalized } from '../../schemas/index.ts';

/** What the ledger keeps of a block awaiting (or recently given) finality. */
export interface BlockRecord {
  hash: string;
  /** The validator set that may attest it. */
  set: number;
  /** Stake attested so far, a decimal string. */
  power: string;
  /** Each validator's vote: the hash it attested. */
  votes?: Record<string, string>;
  /** Its proposal hash (proposalHashOf its header and the state root before it): what a `commit` certifies. */
  value?: string;
}

export function readFinalized(tree: StateTree): Finalized {
  return (tree.get(finalizedPath) as Finalized | null) ?? { height: 0, hash: '' };
}

export function writeFinalized(tree: StateTree, finalized: Finalized): void {
  tree.writeSystem(finalizedPath, { ...finalized });
}

/** The record of block `height`: null before the next block records it and once it is pruned. */
export function readBlockRecord(tree: StateTree, height: number): Readonly<BlockRecord> | null {
  return tree.get(`${blocksPath}/${height}`) as BlockRecord | null;
}

/**
 * Records block `height` (its hash known once the next block names it as prevHash) with the
 * validator set that may attest it (the one after it, which also votes on the next height) and
 * the proposal hash noted while it was applied.
 */
export function recordBlock(tree: StateTree, height: number, hash: string): void {
  const noted = tree.get(proposalPath) as { height: number; hash: string } | null;
  const record: Record<string, string | number> = { hash, set: freezeValidatorSet(tree), power: '0' };
  if (noted?.height === height) record.value = noted.hash;
  tree.writeSystem(`${blocksPath}/${height}`, record);
}

/**
 * Notes the proposal hash of the block being applied, until the next block records it: its
 * header hash is known only then, and a `commit` in the next block is checked against it.
 */
export function noteProposalHash(tree: StateTree, height: number, hash: string): void {
  tree.writeSystem(proposalPath, { height, hash });
}

/** The proposal hash of the last block applied (its height and hash), as `noteProposalHash` noted it; null before block 1. */
export function readNotedProposal(tree: StateTree): { readonly height: number; readonly hash: string } | null {
  return tree.get(proposalPath) as { height: number; hash: string } | null;
}

/** What an attestation came to, and whether it slashed its signer. */
export interface AttestResult {
  readonly outcome: Outcome;
  readonly slashed?: bigint;
  readonly finalized?: Finalized;
}

/**
 * `attest`: a validator's vote for a block hash. Counted with the stake the validator had when
 * the block was recorded; the block is final past 2/3 of that set's total (Tendermint-style).
 * A second vote for another hash at the same height is equivocation and slashes the signer. One
 * for another chain's genesis (an earlier incarnation of this shard path) is refused unrecorded.
 */
export function applyAttest(tree: StateTree, from: string, op: OpOf<'attest'>, nextHeight: number, genesis: string): AttestResult {
  if (op.genesis !== genesis) {
    return {
      outcome: refuse(
        'BAD_ATTESTATION',
        `The attestation is for the chain of genesis ${op.genesis.slice(0, 16)}…, not this one's (${genesis.slice(0, 16)}…): another chain of this name and shard path.`,
      ),
    };
  }
  const path = `${blocksPath}/${op.height}`;
  const record = tree.get(path) as BlockRecord | null;
  if (record === null) {
    return op.height >= nextHeight - 1
      ? { outcome: refuse('BAD_ATTESTATION', `Block ${op.height} is not cut yet (the chain is at height ${nextHeight - 1}); attest it once it is.`) }
      : {
          outcome: refuse(
            'BAD_ATTESTATION',
            `Block ${op.height} is more than ${attestWindowBlocks} blocks below the final height; its attestations are no longer checked.`,
          ),
        };
  }
  const stake = readValidatorSet(tree, record.set).stakes.get(from);
  if (stake === undefined || readAccount(tree, from).slashed) {
    return { outcome: refuse('NOT_VALIDATOR', `${from} had no stake in the validator set of block ${op.height}.`) };
  }
  const prior = record.votes?.[from];
  if (prior === op.hash) return { outcome: refuse('ALREADY_ATTESTED', `${from} has already attested block ${op.height}.`) };
  if (prior !== undefined) {
    const slashed = slash(tree, from);
    return {
      outcome: refuse(
        'EQUIVOCATION',
        `${from} attested ${prior.slice(0, 16)}… and ${op.hash.slice(0, 16)}… for block ${op.height}; its stake (${slashed} AIN) is slashed.`,
      ),
      slashed,
    };
  }
  tree.writeSystem(`${path}/votes/${from}`, op.hash);
  if (op.hash !== record.hash) {
    return {
      outcome: refuse('WRONG_HEADER', `${from} attested ${op.hash.slice(0, 16)}… but block ${op.height} of this chain is ${record.hash.slice(0, 16)}…`),
    };
  }
  const power = BigInt(record.power) + stake;
  tree.writeSystem(`${path}/power`, power.toString());
  const { total } = readValidatorSet(tree, record.set);
  if (3n * power > 2n * total && op.height > readFinalized(tree).height) {
    const finalized = { height: op.height, hash: record.hash };
    writeFinalized(tree, finalized);
    return { outcome: ok, finalized };
  }
  return { outcome: ok };
}

/** Drops block records far enough below the final height, and the sets only they used. */
export function pruneBlockRecords(tree: StateTree): void {
  const { height } = readFinalized(tree);
  const labels = tree.keys(blocksPath);
  const referenced = new Set<number>();
  for (const label of labels) {
    const h = Number(label);
    if (h <= height - attestWindowBlocks) tree.writeSystem(`${blocksPath}/${label}`, null);
    else referenced.add((tree.get(`${blocksPath}/${label}/set`) as number | null) ?? -1);
  }
  pruneValidatorSets(tree, referenced);
}
