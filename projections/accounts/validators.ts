import type { StateTree } from '../state/index.ts';
import { consensusPath } from './account.ts';

// The stakes of each validator set a block record refers to, by id, and the id of the one stake
// changes go into now. Each height's set with its proposer priorities is kept apart, at
// `/consensus/validators/<height>` (actors/ledger), since priorities change every block.
const currentPath = `${consensusPath}/currentSet`;
const setsPath = `${consensusPath}/sets`;

/** A validator set: who may attest and with what weight. */
export interface ValidatorSet {
  readonly total: bigint;
  readonly stakes: ReadonlyMap<string, bigint>;
}

interface Current {
  id: number;
  /** A block record refers to the set: the next change makes a new one. */
  frozen: boolean;
}

function current(tree: StateTree): Current {
  const stored = tree.get(currentPath) as { id?: number; frozen?: boolean } | null;
  return { id: stored?.id ?? 0, frozen: stored?.frozen === true };
}

/**
 * The most validators a set holds: the largest stakes, a tie going to the lower address; the
 * others keep their stake (locked, unstakable) and come in when a larger one leaves. Anyone may
 * stake, so without a bound a thousand stakes of 1 would make every commit certificate larger
 * than a block may carry (schemas' maxValidators, 1,024) and the chain would halt; a hundred is
 * CometBFT's usual bound (the Cosmos SDK's MaxValidators).
 */
export const validatorsMax = 100;

/**
 * The validator set of these stakes: all of them, or the `validatorsMax` largest.
 * @example activeSetOf(new Map([['0xab…', 5n]])).total // 5n
 */
export function activeSetOf(stakes: ReadonlyMap<string, bigint>): ValidatorSet {
  let kept = stakes;
  if (stakes.size > validatorsMax) {
    const largest = [...stakes].sort(([a, x], [b, y]) => (x === y ? (a < b ? -1 : 1) : x > y ? -1 : 1)).slice(0, validatorsMax);
    const chosen = new Set(largest.map(([address]) => address));
    kept = new Map([...stakes].filter(([address]) => chosen.has(address)));
  }
  let total = 0n;
  for (const stake of kept.values()) total += stake;
  return { total, stakes: kept };
}

/**
 * The most stakes the ledger keeps (the validator set is the `validatorsMax` largest of them): a
 * set is stored as one value of the state tree, which takes at most 10,000 nodes, so without a
 * bound ten thousand stakes of 1 would make the fold throw, on every node, and the chain halt.
 * A stake past it takes the smallest one's place (money.ts's applyStake).
 */
export const stakersMax = 1_000;

/** The current set's stakes, every one (not only the validators'). */
export function currentStakes(tree: StateTree): ReadonlyMap<string, bigint> {
  return readStakes(tree, current(tree).id);
}

/** Every stake of the set with this id, as stored (the set is `activeSetOf` them). */
function readStakes(tree: StateTree, id: number): Map<string, bigint> {
  const stored = tree.get(`${setsPath}/${id}`) as { stakes?: Record<string, string> } | null;
  const stakes = new Map<string, bigint>();
  for (const [address, stake] of Object.entries(stored?.stakes ?? {})) stakes.set(address, BigInt(stake));
  return stakes;
}

/** The validator set with this id (empty when there is none): at most `validatorsMax` of its stakes. */
export function readValidatorSet(tree: StateTree, id: number): ValidatorSet {
  return activeSetOf(readStakes(tree, id));
}

function writeSet(tree: StateTree, id: number, stakes: ReadonlyMap<string, bigint>): void {
  let total = 0n;
  const out: Record<string, string> = {};
  for (const [address, stake] of stakes) {
    total += stake;
    out[address] = stake.toString();
  }
  tree.writeSystem(`${setsPath}/${id}`, { total: total.toString(), ...(stakes.size > 0 ? { stakes: out } : {}) });
}

/** The set the next block record will refer to (the one stake changes go into now). */
export function currentValidatorSet(tree: StateTree): ValidatorSet {
  return readValidatorSet(tree, current(tree).id);
}

/**
 * Records an address's new stake in the current validator set. A set a block record refers to is
 * never changed: the change goes into a copy, which becomes the current set.
 */
export function setStake(tree: StateTree, address: string, stake: bigint): void {
  const now = current(tree);
  const stakes = readStakes(tree, now.id);
  if (stake > 0n) stakes.set(address, stake);
  else stakes.delete(address);
  const id = now.frozen ? now.id + 1 : now.id;
  writeSet(tree, id, stakes);
  if (id !== now.id || now.frozen) tree.writeSystem(currentPath, { id, frozen: false });
}

/** Marks the current set as referenced by a block and returns its id. */
export function freezeValidatorSet(tree: StateTree): number {
  const now = current(tree);
  if (!now.frozen) tree.writeSystem(currentPath, { id: now.id, frozen: true });
  return now.id;
}

/** Deletes the sets no block record refers to, keeping the current one. */
export function pruneValidatorSets(tree: StateTree, referenced: ReadonlySet<number>): void {
  const { id } = current(tree);
  for (const label of tree.keys(setsPath)) {
    const setId = Number(label);
    if (setId !== id && !referenced.has(setId)) tree.writeSystem(`${setsPath}/${label}`, null);
  }
}

/** Writes the first validator set (genesis). */
export function writeGenesisValidators(tree: StateTree, stakes: ReadonlyMap<string, bigint>): void {
  writeSet(tree, 0, stakes);
  tree.writeSystem(currentPath, { id: 0, frozen: false });
}
