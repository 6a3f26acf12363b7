import type { Genesis } from '../../schemas/index.ts';
import { refuse, type Outcome, type StateTree } from '../state/index.ts';
import { currentValidatorSet } from './validators.ts';

/**
 * Bandwidth instead of per-tx fees (docs/ledger.md, "Bandwidth"): each address may have a budget
 * of txs folded per window of block time, `free` plus one per `ainPerTx` AIN of balance and stake
 * it holds. What it used is kept in its account as one leaf, `/accounts/<address>/bandwidth`:
 * `"<window>:<used>"`, the window's number (block time / windowMs) and the txs counted in it (one
 * read and one write per tx). A request's locked AIN buys a pool of its own
 * (actors/job/requestBandwidth.ts), kept the same way.
 */
export interface BandwidthRules {
  readonly windowMs: number;
  readonly free: number;
  readonly ainPerTx: bigint;
}

/** What a window's budget was used for: the window's number and how many txs it counted. */
export interface BandwidthUse {
  readonly window: number;
  readonly used: number;
}

/** Ops that cost no bandwidth when a proposer or validator signs them (bandwidthFree): the chain's own consensus, without which no block would close. */
export const bandwidthFreeOps: ReadonlySet<string> = new Set(['cut', 'attest', 'commit', 'evidence', 'equivocation']);

/** The genesis's bandwidth rules, or null on a chain without budgets. */
export function bandwidthRulesOf(genesis: Pick<Genesis, 'bandwidth'>): BandwidthRules | null {
  const rules = genesis.bandwidth;
  return rules === undefined ? null : { windowMs: rules.windowMs, free: rules.free, ainPerTx: BigInt(rules.ainPerTx) };
}

/** The number of the window block time `time` falls in. */
export const windowOf = (rules: BandwidthRules, time: number): number => Math.floor(time / rules.windowMs);

/** Txs per window that `held` AIN buy, beyond `free` (bounded by the largest safe integer). */
export function budgetFor(rules: BandwidthRules, held: bigint, free = rules.free): number {
  const budget = BigInt(free) + held / rules.ainPerTx;
  return budget > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(budget);
}

/** The count a `"<window>:<n>"` leaf holds for window `window`: 0 when it is of an earlier window (or absent). */
function countIn(leaf: unknown, window: number): string | undefined {
  if (typeof leaf !== 'string') return undefined;
  const colon = leaf.indexOf(':');
  return Number(leaf.slice(0, colon)) === window ? leaf.slice(colon + 1) : undefined;
}

/** What a budget kept at `labels` used in window `window` (0 when it was last charged in an earlier one). */
export function usedAt(tree: StateTree, labels: readonly string[], window: number): number {
  const used = countIn(tree.leafAt(labels), window);
  return used === undefined ? 0 : Number(used);
}

/** Counts `count` more txs in window `window` of the budget kept at `labels`, `used` of it counted before. */
export function chargeAt(tree: StateTree, labels: readonly string[], window: number, used: number, count = 1): void {
  tree.writeSystemAt(labels, `${window}:${used + count}`);
}

const accountLabels = (address: string): string[] => ['accounts', address, 'bandwidth'];

/** What an address used of its budget in window `window`. */
export const usedBy = (tree: StateTree, address: string, window: number): number => usedAt(tree, accountLabels(address), window);

/**
 * AIN an address received by `send` in window `window`: it buys bandwidth from the next window on,
 * so the same AIN passed from address to address within a window buys its budget once.
 */
export function receivedIn(tree: StateTree, address: string, window: number): bigint {
  return BigInt(countIn(tree.leafAt(['accounts', address, 'received']), window) ?? '0');
}

/** Notes `amount` AIN `to` received by `send` at block time `time` (see receivedIn). */
export function noteReceived(tree: StateTree, rules: BandwidthRules, to: string, amount: bigint, time: number): void {
  if (amount === 0n) return;
  const window = windowOf(rules, time);
  tree.writeSystemAt(['accounts', to, 'received'], `${window}:${receivedIn(tree, to, window) + amount}`);
}

/**
 * An address's budget in window `window`: `free` plus one tx per `ainPerTx` of the balance and
 * stake it holds now, less what it received by `send` in this window.
 */
export function budgetOf(tree: StateTree, rules: BandwidthRules, address: string, window: number): number {
  const balance = BigInt((tree.getAt(['accounts', address, 'balance']) as string | null) ?? '0');
  const stake = BigInt((tree.getAt(['accounts', address, 'stake']) as string | null) ?? '0');
  const held = balance + stake - receivedIn(tree, address, window);
  return budgetFor(rules, held > 0n ? held : 0n);
}

/**
 * Whether a tx costs no bandwidth: a consensus op (`bandwidthFreeOps`) signed by one of the
 * chain's proposers or a validator (of the current set: a stake outside its largest ones is none)
 * — the chain never stops for its validators' budgets, while anyone else's consensus op counts
 * like any tx.
 */
export function bandwidthFree(tree: StateTree, proposers: ReadonlySet<string>, from: string, type: string): boolean {
  if (!bandwidthFreeOps.has(type)) return false;
  if (proposers.has(from)) return true;
  return currentValidatorSet(tree).stakes.has(from);
}

/** An address's bandwidth at block time `time`: its budget, what it used of it, and when the window ends (block time). */
export interface Bandwidth {
  readonly budget: number;
  readonly used: number;
  readonly windowMs: number;
  readonly refillsAt: number;
}

export function bandwidthOf(tree: StateTree, rules: BandwidthRules, address: string, time: number): Bandwidth {
  const window = windowOf(rules, time);
  return {
    budget: budgetOf(tree, rules, address, window),
    used: usedBy(tree, address, window),
    windowMs: rules.windowMs,
    refillsAt: (window + 1) * rules.windowMs,
  };
}

/** A block time as ISO text, or as ms where it is past what a Date holds (the schema allows times up to 2^53): never a throw in the fold. */
const blockTimeText = (ms: number): string => (ms <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`);

/** The sentence of BANDWIDTH_EXCEEDED: who, what it used, what buys more, and when it refills. */
export function bandwidthExceeded(rules: BandwidthRules, address: string, bandwidth: Pick<Bandwidth, 'budget' | 'used' | 'refillsAt'>, pool = ''): Outcome {
  return refuse(
    'BANDWIDTH_EXCEEDED',
    `${address} has used ${bandwidth.used} txs of its budget of ${bandwidth.budget} for this ${rules.windowMs / 1000} s window${pool}; it refills at ${blockTimeText(bandwidth.refillsAt)} (block time). Each ${rules.ainPerTx} AIN held or staked buys one more tx per window (AIN received in a window counts from the next), and a request may lock AIN for its agents' txs.`,
  );
}

/** A request's pool as the fold and the door see it: where its count is kept and its budget. */
export interface BandwidthPool {
  readonly labels: readonly string[];
  readonly budget: number;
}

/**
 * Where a sender's next tx fits in window `window`, `queued` more of its txs counted before it:
 * the count it goes on (its own budget's, or `pool`'s — a request's, for a party of it — once its
 * own is used up) with what that count holds now, or BANDWIDTH_EXCEEDED. The fold charges where
 * it fits (`queued` 0); the door only asks (runtime/ingest/bandwidthGate.ts): one rule for both.
 */
export function bandwidthRoom(
  tree: StateTree,
  rules: BandwidthRules,
  from: string,
  window: number,
  pool?: () => BandwidthPool | null,
  queued = 0,
): { readonly labels: readonly string[]; readonly used: number } | { readonly refusal: Outcome } {
  const labels = accountLabels(from);
  const used = usedAt(tree, labels, window);
  const ahead = used + queued;
  // Below the free part no balance need be read: the common case costs one read (and the fold's one write).
  const budget = ahead < rules.free ? rules.free : budgetOf(tree, rules, from, window);
  if (ahead < budget) return { labels, used };
  const shared = pool?.() ?? null;
  if (shared !== null) {
    const poolUsed = usedAt(tree, shared.labels, window);
    // The queued txs past the own budget wait for the pool too.
    if (poolUsed + Math.max(0, ahead - Math.max(budget, used)) < shared.budget) return { labels: shared.labels, used: poolUsed };
  }
  const refillsAt = (window + 1) * rules.windowMs;
  return {
    refusal: bandwidthExceeded(rules, from, { budget, used: ahead, refillsAt }, shared === null ? '' : ` and the ${shared.budget} txs its request's lock buys`),
  };
}

/**
 * Counts a folded tx against its sender's budget, or against `pool` once the sender's is used up
 * (bandwidthRoom): `undefined` when it was counted, BANDWIDTH_EXCEEDED when neither had room.
 * `time` is the block's.
 */
export function chargeBandwidth(tree: StateTree, rules: BandwidthRules, from: string, time: number, pool?: () => BandwidthPool | null): Outcome | undefined {
  const window = windowOf(rules, time);
  const room = bandwidthRoom(tree, rules, from, window, pool);
  if ('refusal' in room) return room.refusal;
  chargeAt(tree, room.labels, window, room.used);
  return undefined;
}
