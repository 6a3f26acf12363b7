import type { StateTree } from '../state/index.ts';
import { consensusPath, readBalance, writeAmounts } from './account.ts';

/**
 * AIN held for open job requests (rewards, fees, evaluator deposits, challenge fees). It leaves
 * balances into one ledger-wide pot, so the supply is every account's balance, stake and
 * unbonding plus the escrow; each request records its own share (actors/job).
 */
export const escrowPath = `${consensusPath}/escrow`;
const escrowLabels = ['consensus', 'escrow'];

export function readEscrow(tree: StateTree): bigint {
  return BigInt((tree.getAt(escrowLabels) as string | null) ?? '0');
}

/** Moves `amount` from an address's balance into escrow; the caller has checked the balance. */
export function lockEscrow(tree: StateTree, from: string, amount: bigint): void {
  if (amount === 0n) return;
  writeAmounts(tree, from, { balance: readBalance(tree, from) - amount });
  tree.writeSystemAt(escrowLabels, (readEscrow(tree) + amount).toString());
}

/** Pays `amount` out of escrow to an address's balance. */
export function payFromEscrow(tree: StateTree, to: string, amount: bigint): void {
  payAllFromEscrow(tree, [{ to, amount }]);
}

/**
 * Pays several amounts out of escrow (an address may come more than once), with one write of the
 * escrow: what settling a request does.
 */
export function payAllFromEscrow(tree: StateTree, payments: readonly { readonly to: string; readonly amount: bigint }[]): void {
  let total = 0n;
  for (const { amount } of payments) total += amount;
  if (total === 0n) return;
  const escrow = readEscrow(tree);
  if (escrow < total)
    throw new Error(`escrow holds ${escrow}, less than the ${total} to pay ${payments.map((p) => p.to).join(', ')}: a job fold's bookkeeping is wrong`);
  tree.writeSystemAt(escrowLabels, (escrow - total).toString());
  for (const { to, amount } of payments) if (amount !== 0n) writeAmounts(tree, to, { balance: readBalance(tree, to) + amount });
}
