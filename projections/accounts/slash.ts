import type { StateTree } from '../state/index.ts';
import { markSlashed, readAccount, readSupply, writeAmounts, writeSupply } from './account.ts';
import { dropUnbonding } from './money.ts';
import { setStake } from './validators.ts';

/**
 * Burns an equivocating validator's stake and unbonding AIN and bars it from staking again.
 * Returns what was burned (0 when there was nothing left).
 */
export function slash(tree: StateTree, address: string): bigint {
  const account = readAccount(tree, address);
  const burned = account.stake + account.unbonding;
  if (burned > 0n) {
    writeAmounts(tree, address, { stake: 0n, unbonding: 0n });
    if (account.stake > 0n) setStake(tree, address, 0n);
    if (account.unbonding > 0n) dropUnbonding(tree, address);
    writeSupply(tree, readSupply(tree) - burned);
  }
  markSlashed(tree, address);
  return burned;
}
