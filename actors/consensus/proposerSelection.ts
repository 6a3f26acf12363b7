import { AinError, type ValidatorEntry, type ValidatorSet } from '../../schemas/index.ts';

// CometBFT's proposer selection (spec/consensus/proposer-selection.md and types/validator_set.go),
// in bigint: every validator's priority grows by its power each run, the highest (ties: the
// smaller address) proposes and falls back by the total power. Before the runs of one call the
// priorities are scaled into a window of 2 × total power and centred on zero, as CometBFT does.
// Go's int64 arithmetic clips at ±2^63; stake here can exceed that, and within int64's range the
// results are CometBFT's.

interface Priority {
  readonly address: string;
  readonly power: bigint;
  priority: bigint;
}

const windowFactor = 2n;

function working(set: ValidatorSet): Priority[] {
  return set.validators.map((v) => ({ address: v.address, power: BigInt(v.power), priority: BigInt(v.priority) }));
}

function plain(validators: readonly Priority[], proposer: string): ValidatorSet {
  return {
    validators: validators.map((v): ValidatorEntry => ({ address: v.address, power: v.power.toString(), priority: v.priority.toString() })),
    proposer,
  };
}

function totalOf(validators: readonly Priority[]): bigint {
  let total = 0n;
  for (const v of validators) total += v.power;
  return total;
}

/** Go's big.Int Div: Euclidean, so it rounds down for a positive divisor (bigint `/` truncates). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Scales the priorities so that max − min ≤ 2 × total (division truncates, as int64 does), then centres them. */
function scaleAndCentre(validators: Priority[], total: bigint): void {
  const diffMax = windowFactor * total;
  let min = validators[0]!.priority;
  let max = min;
  for (const v of validators) {
    if (v.priority < min) min = v.priority;
    if (v.priority > max) max = v.priority;
  }
  const diff = max - min;
  if (diffMax > 0n && diff > diffMax) {
    const ratio = (diff + diffMax - 1n) / diffMax;
    for (const v of validators) v.priority /= ratio;
  }
  let sum = 0n;
  for (const v of validators) sum += v.priority;
  const average = floorDiv(sum, BigInt(validators.length));
  for (const v of validators) v.priority -= average;
}

/** One run: everyone moves ahead by its power, the first in line proposes and moves back by the total. */
function run(validators: Priority[], total: bigint): string {
  let best: Priority | undefined;
  for (const v of validators) {
    v.priority += v.power;
    if (best === undefined || v.priority > best.priority || (v.priority === best.priority && v.address < best.address)) best = v;
  }
  best!.priority -= total;
  return best!.address;
}

/**
 * CometBFT's `IncrementProposerPriority(times)`: scale and centre once, then `times` runs; the
 * last run's winner is the new set's proposer.
 * @example incrementProposerPriority(set, 1) // the set of the next height, before any stake change
 */
export function incrementProposerPriority(set: ValidatorSet, times: number): ValidatorSet {
  if (!Number.isSafeInteger(times) || times < 1)
    throw new AinError('INTERNAL', `incrementProposerPriority needs a positive whole number of runs, not ${times}.`);
  const validators = working(set);
  const total = totalOf(validators);
  scaleAndCentre(validators, total);
  let proposer = set.proposer;
  for (let i = 0; i < times; i++) proposer = run(validators, total);
  return plain(validators, proposer);
}

/**
 * The proposer of `round` at the height whose set this is: round 0's is the set's own; round r's
 * is the winner of r further runs from the set (one call of `incrementProposerPriority(set, r)`),
 * a function of the set and the round alone, so every node agrees however it reached the round.
 * @example proposerOf(set, 2)
 */
export function proposerOf(set: ValidatorSet, round: number): string {
  return round === 0 ? set.proposer : incrementProposerPriority(set, round).proposer;
}

/** A change of stake at a block boundary: the validator's new power, `"0"` to remove it. */
export interface PowerChange {
  readonly address: string;
  readonly power: string;
}

function checkChanges(changes: readonly PowerChange[]): void {
  const seen = new Set<string>();
  for (const c of changes) {
    if (seen.has(c.address)) throw new AinError('INTERNAL', `The validator ${c.address} changes twice in one update.`);
    if (!/^(0|[1-9][0-9]*)$/.test(c.power))
      throw new AinError('INTERNAL', `The power of ${c.address} must be a whole number as a decimal string, not "${c.power}".`);
    seen.add(c.address);
  }
}

/**
 * CometBFT's `updateWithChangeSet`: powers change, `"0"` removes, a new validator starts behind
 * everyone at −1.125 × the total power after the additions (so leaving and rejoining never moves
 * one ahead); then priorities are scaled and centred. The proposer is decided by the next run.
 */
function updated(set: ValidatorSet, changes: readonly PowerChange[]): Priority[] {
  checkChanges(changes);
  const byAddress = new Map(working(set).map((v) => [v.address, v]));
  let totalBeforeRemovals = totalOf([...byAddress.values()]);
  for (const c of changes) {
    if (c.power === '0') continue;
    totalBeforeRemovals += BigInt(c.power) - (byAddress.get(c.address)?.power ?? 0n);
  }
  const newcomerPriority = -(totalBeforeRemovals + (totalBeforeRemovals >> 3n));
  for (const c of changes) {
    const current = byAddress.get(c.address);
    if (c.power === '0') byAddress.delete(c.address);
    else byAddress.set(c.address, { address: c.address, power: BigInt(c.power), priority: current?.priority ?? newcomerPriority });
  }
  const validators = [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : 1));
  if (validators.length === 0) throw new AinError('INTERNAL', 'A validator set update would leave no validator.');
  scaleAndCentre(validators, totalOf(validators));
  return validators;
}

/**
 * The set of the next height: the block's stake changes applied, then one run, as CometBFT's
 * state update does (whatever the round the block was decided in). Pure; applyBlock can keep
 * the result in the state tree.
 * @example nextValidatorSet(set, [{ address: newcomer, power: '10' }])
 */
export function nextValidatorSet(set: ValidatorSet, changes: readonly PowerChange[] = []): ValidatorSet {
  const validators = changes.length === 0 ? working(set) : updated(set, changes);
  return incrementProposerPriority(plain(validators, set.proposer), 1);
}

/**
 * The set of the first height from validators and their stake: priorities zero, then one run
 * (CometBFT's `NewValidatorSet`).
 * @example validatorSetOf([{ address: a, power: '10' }, { address: b, power: '20' }])
 */
export function validatorSetOf(validators: readonly PowerChange[]): ValidatorSet {
  checkChanges(validators);
  const positive = validators.filter((v) => v.power !== '0');
  if (positive.length === 0) throw new AinError('INTERNAL', 'A validator set needs at least one validator with power.');
  const sorted = [...positive].sort((a, b) => (a.address < b.address ? -1 : 1));
  const zero: ValidatorSet = { validators: sorted.map((v) => ({ address: v.address, power: v.power, priority: '0' })), proposer: sorted[0]!.address };
  return incrementProposerPriority(zero, 1);
}

/**
 * The proposers of rounds 0, 1, … of one height, with the priorities after the last, so a node
 * entering a later round extends it by one run per round instead of starting over.
 */
export interface ProposerSchedule {
  readonly proposers: readonly string[];
  readonly priorities: readonly string[];
}

/**
 * Extends (or starts) the proposer schedule of `set` to cover rounds `0 … rounds − 1`; round r's
 * entry is `proposerOf(set, r)`.
 * @example proposerScheduleOf(set, 3).proposers // [proposerOf(set, 0), proposerOf(set, 1), proposerOf(set, 2)]
 */
export function proposerScheduleOf(set: ValidatorSet, rounds: number, schedule?: ProposerSchedule): ProposerSchedule {
  if (schedule !== undefined && schedule.proposers.length >= rounds) return schedule;
  const validators = working(set);
  const total = totalOf(validators);
  if (schedule === undefined) scaleAndCentre(validators, total);
  else validators.forEach((v, i) => (v.priority = BigInt(schedule.priorities[i]!)));
  const proposers = schedule === undefined ? [set.proposer] : [...schedule.proposers];
  while (proposers.length < rounds) proposers.push(run(validators, total));
  return { proposers, priorities: validators.map((v) => v.priority.toString()) };
}
