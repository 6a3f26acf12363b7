import { ownEntry, readBalance, type JobDashboard, type StateTree } from '../../projections/index.ts';
import type { JobState } from './jobMachine.ts';
import { readRequest } from './requestOps.ts';
import { escrowOf } from './settle.ts';

/** One open request an address is the client or evaluator of, and what it holds or may still lock of that address's AIN. */
export interface OpenCommitment {
  readonly request: string;
  readonly job: string;
  readonly role: 'client' | 'evaluator';
  readonly state: JobState;
  /** In escrow from this address: the client's reward, fee, bandwidth lock and open challenge fee; the evaluator's deposit. */
  readonly locked: string;
  /** What the request may still lock from the address's balance: the client's challenge fee, while it may still challenge. */
  readonly mayLock: string;
}

/** What an address's open requests hold and may still lock, beside its balance. */
export interface AccountCommitments {
  readonly address: string;
  readonly balance: string;
  readonly locked: string;
  readonly mayLock: string;
  /** Whether the balance covers what the open requests may still lock. */
  readonly covered: boolean;
  /** The open requests read, at most `commitmentsMax`; `count` is how many there are. */
  readonly requests: readonly OpenCommitment[];
  readonly count: number;
  /** Set when the balance does not cover `mayLock`: what would go wrong, for a person. */
  readonly warning: string | null;
}

/** Open requests listed at most (all are counted and summed). */
export const commitmentsMax = 100;

const mayStillChallenge = new Set<JobState>(['requested', 'accepted', 'running', 'ranking', 'ranked']);

/**
 * The open requests `address` is the client or evaluator of — found through the dashboard's open
 * requests of each job, so no settled request is read — with what each holds in escrow and may
 * still lock, and whether the balance covers the latter: a client that cannot put down a request's
 * challenge fee cannot challenge its ranking. Pure.
 * @example accountCommitments(ledger.tree, readModels.dashboard.jobs, address).warning
 */
export function accountCommitments(tree: StateTree, jobs: Readonly<Record<string, JobDashboard>>, address: string): AccountCommitments {
  const requests: OpenCommitment[] = [];
  let locked = 0n;
  let mayLock = 0n;
  let count = 0;
  let challengeable = 0;
  for (const job of Object.keys(jobs).sort()) {
    const board = ownEntry(jobs, job)!;
    if (board.openRequests === 0) continue;
    for (const id of Object.keys(board.open).sort()) {
      const found = readRequest(tree, id);
      if (found === null) continue;
      const { context, state } = found;
      const role = context.client === address ? 'client' : context.evaluator === address ? 'evaluator' : null;
      if (role === null) continue;
      const holds = role === 'client' ? escrowOf(context) - BigInt(context.deposit) : BigInt(context.deposit);
      const may = role === 'client' && mayStillChallenge.has(state) && context.challenges < context.windows.maxChallenges ? BigInt(context.challengeFee) : 0n;
      locked += holds;
      mayLock += may;
      count++;
      if (may > 0n) challengeable++;
      if (requests.length < commitmentsMax) requests.push({ request: id, job, role, state, locked: holds.toString(), mayLock: may.toString() });
    }
  }
  const balance = readBalance(tree, address);
  const covered = balance >= mayLock;
  const warning = covered
    ? null
    : `${address} holds ${balance} AIN, less than the ${mayLock} AIN of challenge fees its ${challengeable} open request(s) may still lock: it could not challenge all their rankings. Add ${mayLock - balance} AIN to cover them.`;
  return {
    address,
    balance: balance.toString(),
    locked: locked.toString(),
    mayLock: mayLock.toString(),
    covered,
    requests,
    count,
    warning,
  };
}
