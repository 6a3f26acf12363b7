import test from 'ava';
import fc from 'fast-check';
import { blockHashOfShardHeader, readReportedHeader, readShard, shardMachine } from '../../../actors/index.ts';
import type { Op, ReportedBlock, Tx } from '../../../schemas/index.ts';
import { key, TestChain } from '../ledger/chain.ts';
import { ChildChain, type CertifiedBlock } from './childChain.ts';

// Random runs of branch, reports (honest, duplicated, skipping, under 2/3, with forged roots, of
// an equivocating fork), writes under and beside the shard, closes and re-branches, with random
// gaps of block time: the same txs folded twice and from a snapshot give the same roots at every
// block; every shard is in a state its machine draws; the parent refuses writes under the path
// exactly while the shard is live; every header recorded below the tip is a certified child block.

const owner = key(61);
const [c1, c2, c3] = [key(62), key(63), key(64)];
const children = [c1, c2, c3];
const rules = { blockIntervalMs: 1000, reportPeriodMs: 10_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };
const genesis = {
  chain: 'ain-prop',
  owner: owner.address,
  accounts: { [owner.address]: { balance: '100', stake: '100' } },
  proposers: [owner.address],
  block: {},
  rules: { '/apps': true },
};
const branchOp: Op = { type: 'branch', path: '/apps/x', validators: children.map((c) => ({ address: c.address, stake: '5' })), rules };
const drawn = new Set(Object.keys(shardMachine.config.states ?? {}));
const codes = new Set([
  'ok',
  'ALREADY_REPORTED',
  'REPORT_GAP',
  'BAD_PREV_HASH',
  'BAD_CERTIFICATE',
  'SHARD_FORKED',
  'SHARD_ENDED',
  'SHARDED_PATH',
  'OWNER_DENIED',
]);

type Action =
  | { kind: 'honest'; from: number; count: number; by: number }
  | { kind: 'weak' | 'forge'; by: number }
  | { kind: 'fork'; at: number; by: number }
  | { kind: 'write'; under: boolean }
  | { kind: 'close' | 'branch' };
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('honest' as const), from: fc.integer({ min: -1, max: 2 }), count: fc.integer({ min: 1, max: 3 }), by: fc.nat(2) }),
    weight: 8,
  },
  { arbitrary: fc.record({ kind: fc.constantFrom('weak' as const, 'forge' as const), by: fc.nat(2) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('fork' as const), at: fc.integer({ min: 1, max: 8 }), by: fc.nat(2) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('write' as const), under: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constantFrom('close' as const, 'branch' as const) }), weight: 1 },
);
const step = fc.record({ action, gapMs: fc.constantFrom(0, 1000, 1000, 4000, 12_000), cut: fc.boolean() });
type Step = { action: Action; gapMs: number; cut: boolean };

/** The child chains of the current branch: an honest one, and a fork that shares its blocks below `forkAt`. */
class World {
  honest!: ChildChain;
  other!: ChildChain;
  /** The hash of every block of every child chain made. */
  readonly known = new Set<string>();
  rebranch(branch: Tx, forkAt: number) {
    this.honest = new ChildChain(branch, children);
    this.other = new ChildChain(branch, children);
    for (let h = 1; h <= 12; h++) {
      const time = branch.time + h * 1000;
      this.honest.next([], time);
      this.other.next([], h < forkAt ? time : time + 1);
    }
    for (const b of [...this.honest.blocks, ...this.other.blocks]) this.known.add(blockHashOfShardHeader(b.header));
  }
  block(chain: ChildChain, height: number): CertifiedBlock | undefined {
    return chain.blocks[height - 1];
  }
}

const report = (blocks: readonly ReportedBlock[]): Op => ({
  type: 'report',
  shard: '/apps/x',
  header: blocks[0]!.header,
  certificate: blocks[0]!.certificate,
  ...(blocks.length > 1 ? { next: blocks.slice(1) } : {}),
});

/** Signs the steps into blocks against a model parent, so every fold sees the same bytes. */
function blocksOf(steps: readonly Step[], forkAt: number): { blocks: { txs: Tx[]; time: number }[]; known: ReadonlySet<string> } {
  const model = new TestChain(genesis);
  const world = new World();
  const branch = model.tx(owner, branchOp);
  world.rebranch(branch, forkAt);
  const blocks: { txs: Tx[]; time: number }[] = [];
  let pending: Tx[] = [branch];
  let time = 2000;
  const flush = (gapMs: number) => {
    time += gapMs;
    blocks.push({ txs: pending, time });
    model.block(pending, time);
    pending = [];
  };
  for (const { action: a, gapMs, cut } of steps) {
    const last = readShard(model.ledger.tree, '/apps/x')?.context.last.height ?? 0;
    const by = 'by' in a ? children[a.by]! : owner;
    if (a.kind === 'honest') {
      const first = Math.max(1, last + a.from);
      const run = Array.from({ length: a.count }, (_, i) => world.block(world.honest, first + i)).filter((b) => b !== undefined);
      if (run.length > 0) pending.push(model.tx(by, report(run)));
    } else if (a.kind === 'weak' || a.kind === 'forge') {
      const next = world.block(world.honest, last + 1);
      if (next !== undefined) {
        const header = a.kind === 'forge' ? { ...next.header, stateRoot: 'f'.repeat(64) } : next.header;
        const certificate = a.kind === 'weak' ? world.honest.certify(next.header.height, next.certificate.hash, [c1]) : next.certificate;
        pending.push(model.tx(by, report([{ header, certificate }])));
      }
    } else if (a.kind === 'fork') {
      const block = world.block(world.other, a.at);
      if (block !== undefined) pending.push(model.tx(by, report([block])));
    } else if (a.kind === 'write') {
      pending.push(model.tx(owner, { type: 'set_value', path: a.under ? '/apps/x/v' : '/apps/y', value: blocks.length }));
    } else if (a.kind === 'close') {
      pending.push(model.tx(owner, { type: 'closeShard', shard: '/apps/x' }));
    } else {
      const again = model.tx(owner, branchOp);
      pending.push(again);
      flush(gapMs);
      // A branch that held starts new child chains; one refused (the shard is live) keeps the old.
      if (readShard(model.ledger.tree, '/apps/x')!.context.tx !== world.honest.chain.genesis.branch!.tx) world.rebranch(again, forkAt);
      continue;
    }
    if (cut) flush(gapMs);
  }
  flush(1000);
  return { blocks, known: world.known };
}

function checkInvariants(t: import('ava').ExecutionContext, chain: TestChain, codesSeen: readonly string[], known: ReadonlySet<string>): void {
  for (const code of codesSeen) t.true(codes.has(code), code);
  const shard = readShard(chain.ledger.tree, '/apps/x');
  if (shard === null) return;
  t.true(drawn.has(shard.state), shard.state);
  const { last, genesis: g } = shard.context;
  if (shard.state === 'ended') return;
  // Every header recorded below the tip is a block of a certified child chain (the tip's own roots are certified by the next).
  for (let h = Math.max(1, last.height - 3); h < last.height; h++) t.true(known.has(readReportedHeader(chain.ledger.tree, g, h)?.hash ?? ''), `header ${h}`);
}

test('shard folds are deterministic and keep their invariants over random runs (seeded)', (t) => {
  const seed = Number(process.env.SHARD_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.log(`seed ${seed} (SHARD_PROPERTY_SEED=${seed} replays this run)`);
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 24 }), fc.integer({ min: 1, max: 6 }), fc.nat(), (steps, forkAt, at) => {
      const { blocks, known } = blocksOf(steps as Step[], forkAt);
      const once = new TestChain(genesis);
      const roots: string[] = [];
      for (const b of blocks) {
        const applied = once.block(b.txs, b.time);
        roots.push(applied.stateRoot);
        checkInvariants(t, once, once.codes(applied), known);
        const shard = readShard(once.ledger.tree, '/apps/x');
        const writes = b.txs.map((tx, i) => [tx.op, applied.outcomes[i]!.code] as const).filter(([op]) => op.type === 'set_value' && op.path === '/apps/x/v');
        const live = shard !== null && shard.state !== 'ended';
        // Checked on blocks that neither branch nor close, where the shard is live or not throughout.
        if (!b.txs.some((tx) => tx.op.type === 'branch' || tx.op.type === 'closeShard'))
          for (const [, code] of writes) t.is(code, live ? 'SHARDED_PATH' : 'ok');
      }
      const again = new TestChain(genesis);
      t.deepEqual(
        blocks.map((b) => again.block(b.txs, b.time).stateRoot),
        roots,
      );
      const k = at % blocks.length;
      const head = new TestChain(genesis);
      for (const b of blocks.slice(0, k)) head.block(b.txs, b.time);
      const tail = new TestChain(genesis, JSON.parse(JSON.stringify(head.chain.snapshot())));
      t.deepEqual(
        blocks.slice(k).map((b) => tail.block(b.txs, b.time).stateRoot),
        roots.slice(k),
      );
    }),
    { seed, numRuns: 40 },
  );
  t.pass();
});
