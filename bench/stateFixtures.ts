// Trees and op streams for the state-tree benchmarks: n keys laid out as users × keys per user
// under one rule with a path variable, the shape of an app with per-user data.
import { createHash } from 'node:crypto';
import { createStateTree, type ApplyContext, type StateOp, type StateTree } from '../projections/index.ts';

export const benchRule = 'auth.addr === $user && typeof newData === "number"';

export function addressOf(i: number): `0x${string}` {
  return `0x${createHash('sha256').update(`user ${i}`).digest('hex').slice(0, 40)}`;
}

/** A deterministic generator (mulberry32) so every run writes the same paths. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchTree {
  readonly tree: StateTree;
  readonly users: readonly `0x${string}`[];
  readonly keysPerUser: number;
}

/** A tree of `keys` number leaves at /apps/bench/users/<address>/k<i>, with the bench rule. */
export function buildTree(keys: number): BenchTree {
  const userCount = Math.max(1, Math.round(Math.sqrt(keys)));
  const keysPerUser = Math.ceil(keys / userCount);
  const users = Array.from({ length: userCount }, (_, i) => addressOf(i));
  const byUser: Record<string, Record<string, number>> = {};
  let left = keys;
  for (const user of users) {
    const leaves: Record<string, number> = {};
    for (let k = 0; k < keysPerUser && left > 0; k++, left--) leaves[`k${k}`] = k;
    byUser[user] = leaves;
  }
  const tree = createStateTree({
    owner: addressOf(-1),
    values: { apps: { bench: { users: byUser } } },
    rules: { '/apps/bench/users/$user/$key': benchRule },
  });
  tree.root();
  return { tree, users, keysPerUser };
}

export interface OpStream {
  readonly ops: readonly StateOp[];
  readonly ctxs: readonly ApplyContext[];
}

/** `count` set_value ops on existing keys, each signed by the key's user (so the rule passes). */
export function setOps({ users, keysPerUser }: BenchTree, count: number, seed: number, height = 1): OpStream {
  const next = prng(seed);
  const ctxByUser = new Map(users.map((u) => [u, { auth: { addr: u }, time: 1_700_000_000_000, height }] as const));
  const ops: StateOp[] = [];
  const ctxs: ApplyContext[] = [];
  for (let i = 0; i < count; i++) {
    const user = users[Math.floor(next() * users.length)]!;
    const key = Math.floor(next() * keysPerUser);
    ops.push({ type: 'set_value', path: `/apps/bench/users/${user}/k${key}`, value: i });
    ctxs.push(ctxByUser.get(user)!);
  }
  return { ops, ctxs };
}

/** Applies a stream and fails loudly if any op is refused (the bench must measure accepted writes). */
export function applyAll(tree: StateTree, { ops, ctxs }: OpStream, from = 0, to = ops.length): void {
  for (let i = from; i < to; i++) {
    const outcome = tree.apply(ops[i]!, ctxs[i]!);
    if (outcome.code !== 'ok') throw new Error(`bench op ${i} refused: ${outcome.code} ${'message' in outcome ? outcome.message : ''}`);
  }
}
