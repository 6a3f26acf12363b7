import type { OpOf } from '../../schemas/index.ts';
import { ok, refuse, type Outcome, type StateTree } from '../state/index.ts';
import { consensusPath, readAccount, writeAmounts } from './account.ts';
import { currentStakes, setStake, stakersMax } from './validators.ts';

const unbondingPath = `${consensusPath}/unbonding`;

const ain = (amount: bigint): string => `${amount.toString()} AIN`;

/** `send`: moves AIN from the signer to another address. A self-send changes nothing. */
export function applySend(tree: StateTree, from: string, op: OpOf<'send'>): Outcome {
  const amount = BigInt(op.amount);
  const sender = readAccount(tree, from);
  if (sender.balance < amount) {
    return refuse('INSUFFICIENT_FUNDS', `${from} holds ${ain(sender.balance)}, less than the ${ain(amount)} it tried to send.`);
  }
  if (op.to === from || amount === 0n) return ok;
  writeAmounts(tree, from, { balance: sender.balance - amount });
  writeAmounts(tree, op.to, { balance: readAccount(tree, op.to).balance + amount });
  return ok;
}

/**
 * `stake`: bonds AIN from the balance; the validator set is the largest stakes (validatorsMax).
 * The ledger keeps at most `stakersMax` stakes: a new one past that takes the place of the
 * smallest (a tie: the higher address), whose stake goes to unbonding as if unstaked, or is
 * STAKE_TOO_SMALL when it would not be above it.
 */
export function applyStake(tree: StateTree, from: string, op: OpOf<'stake'>, time: number, unbondingMs: number): Outcome {
  const amount = BigInt(op.amount);
  const account = readAccount(tree, from);
  if (account.slashed) return refuse('NOT_VALIDATOR', `${from} was slashed for equivocation and may not stake again.`);
  if (account.balance < amount) {
    return refuse('INSUFFICIENT_FUNDS', `${from} holds ${ain(account.balance)}, less than the ${ain(amount)} it tried to stake.`);
  }
  if (amount === 0n) return ok;
  const stakes = currentStakes(tree);
  if (!stakes.has(from) && stakes.size >= stakersMax) {
    let smallest: [string, bigint] | undefined;
    for (const entry of stakes) if (smallest === undefined || entry[1] < smallest[1] || (entry[1] === smallest[1] && entry[0] > smallest[0])) smallest = entry;
    const [out, outStake] = smallest!;
    if (account.stake + amount <= outStake) {
      return refuse(
        'STAKE_TOO_SMALL',
        `The ledger keeps ${stakersMax} stakes, the smallest ${ain(outStake)}; ${from}'s ${ain(account.stake + amount)} is not above it: stake more to take its place.`,
      );
    }
    unbond(tree, out, outStake, time + unbondingMs);
  }
  writeAmounts(tree, from, { balance: account.balance - amount, stake: account.stake + amount });
  setStake(tree, from, account.stake + amount);
  return ok;
}

/** Moves `amount` of an address's stake into unbonding, released at `releaseAt` (block time). */
function unbond(tree: StateTree, address: string, amount: bigint, releaseAt: number): void {
  const account = readAccount(tree, address);
  writeAmounts(tree, address, { stake: account.stake - amount, unbonding: account.unbonding + amount });
  setStake(tree, address, account.stake - amount);
  const entry = `${unbondingPath}/${releaseAt}/${address}`;
  tree.writeSystem(entry, (BigInt((tree.get(entry) as string | null) ?? '0') + amount).toString());
}

/**
 * `unstake`: moves stake into unbonding; it comes back to the balance at the first block whose
 * time reaches `time + unbondingMs`, and stays slashable until then.
 */
export function applyUnstake(tree: StateTree, from: string, op: OpOf<'unstake'>, time: number, unbondingMs: number): Outcome {
  const amount = BigInt(op.amount);
  const account = readAccount(tree, from);
  if (account.stake < amount) {
    return refuse('INSUFFICIENT_STAKE', `${from} has ${ain(account.stake)} staked, less than the ${ain(amount)} it tried to unstake.`);
  }
  if (amount === 0n) return ok;
  unbond(tree, from, amount, time + unbondingMs);
  return ok;
}

/** Releases every unbonding entry due at `time` into its owner's balance, oldest first. */
export function releaseUnbonded(tree: StateTree, time: number): void {
  const due = tree
    .keys(unbondingPath)
    .map(Number)
    .filter((at) => at <= time)
    .sort((a, b) => a - b);
  for (const at of due) {
    const entries = (tree.get(`${unbondingPath}/${at}`) ?? {}) as Record<string, string>;
    for (const address of Object.keys(entries).sort()) {
      const account = readAccount(tree, address);
      const amount = BigInt(entries[address]!);
      writeAmounts(tree, address, { balance: account.balance + amount, unbonding: account.unbonding - amount });
    }
    tree.writeSystem(`${unbondingPath}/${at}`, null);
  }
}

/** Drops every unbonding entry of an address (its stake was slashed). */
export function dropUnbonding(tree: StateTree, address: string): void {
  for (const at of tree.keys(unbondingPath)) {
    if (tree.get(`${unbondingPath}/${at}/${address}`) !== null) tree.writeSystem(`${unbondingPath}/${at}/${address}`, null);
  }
}
