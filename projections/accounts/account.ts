import type { StateTree } from '../state/index.ts';

/** Where the ledger keeps each address's money and nonce: `/accounts/<address>`. */
export const accountsPath = '/accounts';
/** Where it keeps the chain's own records (supply, unbonding queue, validator sets, finality). */
export const consensusPath = '/consensus';
/** Where it keeps the shards branched from this chain: `/shards/<path>` (actors/shard). */
export const shardsPath = '/shards';
/** Paths whose values only the ledger writes. */
export const reservedRoots: readonly string[] = ['accounts', 'consensus', 'jobs', 'shards', 'storage'];

/** An account as the folds use it: amounts as bigint, never floats. */
export interface Account {
  readonly balance: bigint;
  readonly stake: bigint;
  /** Unstaked but not yet released (still slashable). */
  readonly unbonding: bigint;
  /** The last nonce this address used (0 before its first tx). */
  readonly nonce: number;
  /** Hash of the last tx applied for this address, to tell a duplicate from a stale nonce. */
  readonly last: string | null;
  readonly slashed: boolean;
}

interface StoredAccount {
  balance?: string;
  stake?: string;
  unbonding?: string;
  nonce?: number;
  last?: string;
  slashed?: boolean;
}

export const accountPath = (address: string): string => `${accountsPath}/${address}`;

/** The account of an address; a missing one is all zeros. */
export function readAccount(tree: StateTree, address: string): Account {
  const stored = (tree.get(accountPath(address)) ?? {}) as StoredAccount;
  return {
    balance: BigInt(stored.balance ?? '0'),
    stake: BigInt(stored.stake ?? '0'),
    unbonding: BigInt(stored.unbonding ?? '0'),
    nonce: stored.nonce ?? 0,
    last: stored.last ?? null,
    slashed: stored.slashed === true,
  };
}

// The fold's hottest reads and writes go by labels (StateTree.getAt / writeSystemAt): their
// addresses come from txs that passed the schema, so there is no path string to parse and check.

/** An address's balance alone (0 for a missing account): one leaf read, for folds that move money often. */
export function readBalance(tree: StateTree, address: string): bigint {
  return BigInt((tree.getAt(['accounts', address, 'balance']) as string | null) ?? '0');
}

/** An address's last nonce and tx hash: all that every tx's nonce check reads of its account. */
export function readNonce(tree: StateTree, address: string): Pick<Account, 'nonce' | 'last'> {
  return {
    nonce: (tree.getAt(['accounts', address, 'nonce']) as number | null) ?? 0,
    last: (tree.getAt(['accounts', address, 'last']) as string | null) ?? null,
  };
}

/** Writes the money fields of an account that changed (zeros are kept, so the account stays). */
export function writeAmounts(tree: StateTree, address: string, amounts: Partial<Pick<Account, 'balance' | 'stake' | 'unbonding'>>): void {
  for (const [field, value] of Object.entries(amounts)) {
    if (value === undefined) continue;
    if (value < 0n) throw new Error(`${field} of ${address} would go negative: a fold's check is missing`);
    tree.writeSystemAt(['accounts', address, field], value.toString());
  }
}

/** Records that an address used `nonce` with the tx `hash`. */
export function writeNonce(tree: StateTree, address: string, nonce: number, hash: string): void {
  tree.writeSystemAt(['accounts', address, 'nonce'], nonce);
  tree.writeSystemAt(['accounts', address, 'last'], hash);
}

export function markSlashed(tree: StateTree, address: string): void {
  tree.writeSystem(`${accountPath(address)}/slashed`, true);
}

/** Total AIN in existence: genesis supply less what slashing burned. */
export function readSupply(tree: StateTree): bigint {
  return BigInt((tree.get(`${consensusPath}/supply`) as string | null) ?? '0');
}

export function writeSupply(tree: StateTree, supply: bigint): void {
  tree.writeSystem(`${consensusPath}/supply`, supply.toString());
}
