import { attestWindowBlocks, consensusPath, currentValidatorSet, readFinalized, type StateTree } from '../../projections/index.ts';
import type { ValidatorSet } from '../../schemas/index.ts';
import { nextValidatorSet, validatorSetOf, type PowerChange } from '../consensus/index.ts';
import type { Ledger } from './ledger.ts';

// The validator set of each height with CometBFT's proposer priorities, kept in the state tree at
// `/consensus/validators/<height>` as `{ proposer, validators: { <address>: { power, priority } } }`
// (the tree holds no arrays). The fold writes the next height's at the end of every block, so the
// priorities carry over from height to height instead of being recomputed from genesis, and every
// node, replay and audit hashes the same set into the same root.

const validatorsLabels = [consensusPath.slice(1), 'validators'] as const;
const labelsAt = (height: number) => [...validatorsLabels, String(height)];

interface StoredSet {
  proposer?: string;
  validators?: Record<string, { power?: string; priority?: string }>;
}

/**
 * The validator set with priorities that decides (or decided) block `height`: null for a height
 * not reached yet, one pruned with its block record, or one at which no stake was left.
 * @example readValidatorsAt(ledger.tree, ledger.height + 1)?.proposer
 */
export function readValidatorsAt(tree: StateTree, height: number): ValidatorSet | null {
  const stored = tree.getAt(labelsAt(height)) as StoredSet | null;
  if (stored?.proposer === undefined || stored.validators === undefined) return null;
  const validators = Object.entries(stored.validators)
    .map(([address, v]) => ({ address, power: v.power ?? '0', priority: v.priority ?? '0' }))
    .sort((a, b) => (a.address < b.address ? -1 : 1));
  return { validators, proposer: stored.proposer };
}

/**
 * Whether `address` may close the ledger's next block with its `cut` marker: a proposer the
 * genesis names, or, on a chain whose genesis makes every staked address a proposer (a network
 * whose consensus picks proposers by stake, as `ain net init` writes), a validator with power in
 * the set that decides that height: one that staked after the genesis is picked as proposer in
 * its turn, and its block must close. A genesis that stakes addresses it does not name as
 * proposers keeps the two roles apart, and only its proposers cut.
 * @example mayCut(ledger, tx.from)
 */
export function mayCut(ledger: Pick<Ledger, 'proposers' | 'tree' | 'height' | 'genesis'>, address: string): boolean {
  if (ledger.proposers.has(address)) return true;
  if (!proposersByStake(ledger.genesis)) return false;
  const power = readValidatorsAt(ledger.tree, ledger.height + 1)?.validators.find((v) => v.address === address)?.power;
  return power !== undefined && BigInt(power) > 0n;
}

const byStake = new WeakMap<Ledger['genesis'], boolean>();

/** Whether every address the genesis stakes is among its proposers. */
function proposersByStake(genesis: Ledger['genesis']): boolean {
  let known = byStake.get(genesis);
  if (known === undefined) {
    const proposers = new Set(genesis.proposers);
    known = Object.entries(genesis.accounts).every(([address, account]) => BigInt(account.stake ?? '0') === 0n || proposers.has(address));
    byStake.set(genesis, known);
  }
  return known;
}

/** One write per validator: a whole set as one value could pass the tree's bound on nodes per write. */
function writeValidatorsAt(tree: StateTree, height: number, set: ValidatorSet | null): void {
  const at = labelsAt(height);
  tree.writeSystemAt(at, null);
  if (set === null) return;
  for (const v of set.validators) tree.writeSystemAt([...at, 'validators', v.address], { power: v.power, priority: v.priority });
  tree.writeSystemAt([...at, 'proposer'], set.proposer);
}

/** The validators with stake now, as the changes that make a fresh set of them. */
function stakesNow(tree: StateTree): PowerChange[] {
  return [...currentValidatorSet(tree).stakes]
    .filter(([, stake]) => stake > 0n)
    .map(([address, stake]) => ({ address, power: stake.toString() }))
    .sort((a, b) => (a.address < b.address ? -1 : 1));
}

/** What moves `set` to `stakes`: new and changed powers, and `"0"` for those who left. */
function changesBetween(set: ValidatorSet, stakes: readonly PowerChange[]): PowerChange[] {
  const before = new Map(set.validators.map((v) => [v.address, v.power]));
  const changes: PowerChange[] = [];
  for (const s of stakes) {
    if (before.get(s.address) !== s.power) changes.push(s);
    before.delete(s.address);
  }
  for (const address of before.keys()) changes.push({ address, power: '0' });
  return changes;
}

/**
 * Writes the set of block 1 from the genesis stakes: CometBFT's new set (priorities zero, one run).
 * @example startValidatorPriorities(tree)
 */
export function startValidatorPriorities(tree: StateTree): void {
  writeValidatorsAt(tree, 1, validatorSetOf(stakesNow(tree)));
}

/**
 * At the end of block `height`: the set of `height + 1` is this height's with the block's stake
 * changes applied (stake, unstake and slashing: a newcomer starts behind everyone, a validator
 * without stake leaves, priorities are rescaled and centred) and one more run, as CometBFT's state
 * update does whatever round decided the block. With no stake left there is no set (the chain
 * decides nothing until stake returns, and then the validators start afresh). Sets older than the
 * block records the ledger keeps are dropped.
 * @example applyValidatorPriorities(ledger.tree, header.height)
 */
export function applyValidatorPriorities(tree: StateTree, height: number): void {
  const stakes = stakesNow(tree);
  const set = readValidatorsAt(tree, height);
  const next = stakes.length === 0 ? null : set === null ? validatorSetOf(stakes) : nextValidatorSet(set, changesBetween(set, stakes));
  writeValidatorsAt(tree, height + 1, next);
  pruneValidatorPriorities(tree);
}

/** Drops the set of each height whose block record before it (what votingSetOf reads) is pruned. */
function pruneValidatorPriorities(tree: StateTree): void {
  const keepFrom = readFinalized(tree).height - attestWindowBlocks + 2;
  for (const label of tree.keys(`${consensusPath}/validators`)) {
    if (Number(label) < keepFrom) tree.writeSystemAt([...validatorsLabels, label], null);
  }
}
