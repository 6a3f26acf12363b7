import type { StateTree } from '../state/index.ts';
import { consensusPath, readAccount, writeAmounts } from './account.ts';

/**
 * AIN held for open job requests (rewards, fees, evaluator deposits, challenge fees). It leaves
 * balances into one ledger-wide pot, so the supply is every account's balance, stake and
 * unbonding plus the escrow; each request records its own share (actors/job).
 */
export const escrowPath = `${consensusPath}/escrow`;

export function readEscrow(tree: StateTree): bigint {
  return BigInt((tree.get(escrowPath) as string | null) ?? '0');
}

/** Moves `amount` from an address's balance into escrow; the caller has checked the balance. */
export function lockEscrow(tree: StateTree, from: string, amount: bigint): void {
  if (amount === 0n) return;
  writeAmounts(tree, from, { balance: readAccount(tree, from).balance - amount });
  tree.writeSystem(escrowPath, (readEscrow(tree) + amount).toString());
}

/** Pays `amount` out of escrow to an address's balance. */
export function payFromEscrow(tree: StateTree, to: string, amount: bigint): void {
  if (amount === 0n) return;
  const escrow = readEscrow(tree);
  if (escrow < amount) throw new Error(`escrow holds ${escrow}, less than the ${amount} to pay ${to}: a job fold's bookkeeping is wrong`);
  tree.writeSystem(escrowPath, (escrow - amount).toString());
  writeAmounts(tree, to, { balance: readAccount(tree, to).balance + amount });
}
