import { currentValidatorSet, readAccount, readValidatorSet } from '../accounts/index.ts';
import type { StateTree } from '../state/index.ts';
import { readBlockRecord, readFinalized } from './finality.ts';

/** The ledger as a validator reads it before it attests. */
export interface AttestLedgerView {
  readonly tree: StateTree;
  /** The last block the ledger applied. */
  readonly height: number;
  /**
   * Heights of blocks the validator's own attestations are in the log for beyond the last block:
   * not applied yet, but they will be (e.g. appended just before a crash, replayed since).
   */
  readonly waiting: ReadonlySet<number>;
}

/** Why a validator leaves a block unattested. */
export type AttestSkip =
  /** The ledger has not applied the block yet. */
  | 'notApplied'
  /**
   * The block is at or below the final height: a vote cannot change finality any more, and
   * 64 blocks below it (attestWindowBlocks) the ledger refuses one (BAD_ATTESTATION).
   */
  | 'final'
  /** The ledger holds this validator's vote for it (ALREADY_ATTESTED, or EQUIVOCATION for another hash). */
  | 'attested'
  /** This validator's vote for it is in the log, not applied yet. */
  | 'waiting'
  /** No stake in the set that may attest it, or slashed (NOT_VALIDATOR). */
  | 'notValidator';

export type AttestDecision = { readonly attest: true } | { readonly attest: false; readonly reason: AttestSkip };

const attest: AttestDecision = { attest: true };
const skip = (reason: AttestSkip): AttestDecision => ({ attest: false, reason });

/**
 * Whether validator `from` attests block `height` now, from the ledger alone: only a block it
 * applied, above the final height, whose vote from it the ledger neither holds nor waits for,
 * in whose validator set it has stake. So it never repeats a vote its replayed log holds (after
 * a restart), and a block it attests stays inside the attest window until the vote lands unless
 * finality moves 64 blocks first. Every skip but `notApplied` holds for good: the block needs
 * nothing more from it.
 * @example decideAttest({ tree, height: 7, waiting: new Set([7]) }, address, 7) // { attest: false, reason: 'waiting' }
 */
export function decideAttest(view: AttestLedgerView, from: string, height: number): AttestDecision {
  const { tree } = view;
  if (height < 1 || height > view.height) return skip('notApplied');
  if (height <= readFinalized(tree).height) return skip('final');
  if (view.waiting.has(height)) return skip('waiting');
  // Null for the last block applied: it is recorded at the next block's start, with the set as it is now.
  const record = readBlockRecord(tree, height);
  if (record?.votes?.[from] !== undefined) return skip('attested');
  const account = readAccount(tree, from);
  const stake = (record === null ? currentValidatorSet(tree) : readValidatorSet(tree, record.set)).stakes.get(from) ?? 0n;
  return stake === 0n || account.slashed ? skip('notValidator') : attest;
}

/** Where a validator stands: what it has decided, and the block it attests next. */
export interface AttestPlan {
  /** Every block up to this height needs nothing more from the validator. */
  readonly doneUpTo: number;
  /** The block to attest now (`doneUpTo + 1`), or null when none is due. */
  readonly next: number | null;
}

/**
 * The lowest block above `doneUpTo` that validator `from` attests now (decideAttest), looking
 * only above the final height: at most the blocks not final yet.
 * @example decideNextAttest(view, address, 0) // after a restart: { doneUpTo: 41, next: 42 }
 */
export function decideNextAttest(view: AttestLedgerView, from: string, doneUpTo: number): AttestPlan {
  let done = Math.max(doneUpTo, readFinalized(view.tree).height);
  for (; done < view.height; done++) {
    if (decideAttest(view, from, done + 1).attest) return { doneUpTo: done, next: done + 1 };
  }
  return { doneUpTo: done, next: null };
}
