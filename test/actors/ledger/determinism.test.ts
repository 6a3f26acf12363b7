import test from 'ava';
import fc from 'fast-check';
import type { Op, Tx } from '../../../schemas/index.ts';
import { key, TestChain } from './chain.ts';

const keys = [key(31), key(32), key(33), key(34)];
const genesis = {
  chain: 'ain-test',
  owner: keys[0]!.address,
  accounts: Object.fromEntries(keys.map((k, i) => [k.address, { balance: String(100 * (i + 1)), stake: i < 2 ? '50' : '0' }])),
  proposers: [keys[0]!.address],
  block: {},
  unbondingMs: 3000,
  rules: { '/apps/$user': 'auth.addr == $user' },
};

// Ops that can go either way: amounts past balances, paths others own, reserved paths, bad attests.
const anOp = fc.oneof(
  fc.record({ type: fc.constant('send' as const), to: fc.constantFrom(...keys.map((k) => k.address)), amount: fc.integer({ min: 0, max: 300 }).map(String) }),
  fc.record({ type: fc.constant('stake' as const), amount: fc.integer({ min: 0, max: 200 }).map(String) }),
  fc.record({ type: fc.constant('unstake' as const), amount: fc.integer({ min: 0, max: 80 }).map(String) }),
  fc.record({
    type: fc.constant('set_value' as const),
    path: fc.constantFrom(...keys.map((k) => `/apps/${k.address}/x`), '/accounts/x', '/other'),
    value: fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)),
  }),
  fc.record({
    type: fc.constant('inc_value' as const),
    path: fc.constantFrom(...keys.map((k) => `/apps/${k.address}/n`)),
    value: fc.integer({ min: -5, max: 5 }),
  }),
);
const aStep = fc.record({
  signer: fc.nat(keys.length - 1),
  op: anOp,
  // Some txs reuse or lower a nonce; some blocks come later in time than the unbonding period.
  nonceDelta: fc.integer({ min: -1, max: 3 }),
  cutAfter: fc.boolean(),
  attest: fc.boolean(),
  gapMs: fc.integer({ min: 0, max: 4000 }),
});

type Step = { signer: number; op: Op; nonceDelta: number; cutAfter: boolean; attest: boolean; gapMs: number };

/** Turns steps into blocks of signed txs, once, so every fold sees the same bytes. */
function blocksOf(steps: readonly Step[]): { txs: Tx[]; time: number }[] {
  const chain = new TestChain(genesis);
  const nonces = keys.map(() => 0);
  const blocks: { txs: Tx[]; time: number }[] = [];
  let pending: Tx[] = [];
  let time = 1000;
  let height = 0;
  for (const step of steps) {
    const nonce = Math.max(0, nonces[step.signer]! + step.nonceDelta);
    nonces[step.signer] = Math.max(nonces[step.signer]!, nonce);
    pending.push(chain.tx(keys[step.signer]!, step.op, nonce));
    if (step.attest && height > 0)
      pending.push(chain.tx(keys[step.signer]!, { type: 'attest', height, hash: 'f'.repeat(64), genesis: chain.ledger.genesisHash }, ++nonces[step.signer]!));
    if (step.cutAfter) {
      blocks.push({ txs: pending, time: (time += step.gapMs) });
      pending = [];
      height++;
    }
  }
  blocks.push({ txs: pending, time: time + 1 });
  return blocks;
}

function foldAll(blocks: { txs: Tx[]; time: number }[]): string[] {
  const chain = new TestChain(genesis);
  return blocks.map((b) => chain.block(b.txs, b.time).stateRoot);
}

test('the same log folded twice, and from a snapshot plus its tail, gives the same root at every height; money is conserved', (t) => {
  fc.assert(
    fc.property(fc.array(aStep, { minLength: 1, maxLength: 40 }), fc.nat(), (steps, at) => {
      const blocks = blocksOf(steps as Step[]);
      const once = new TestChain(genesis);
      const roots = blocks.map((b) => once.block(b.txs, b.time).stateRoot);
      t.is(once.total(), once.supply());
      t.deepEqual(foldAll(blocks), roots);
      // Snapshot after block k, through JSON as on disk, then fold the tail.
      const k = at % blocks.length;
      const head = new TestChain(genesis);
      for (const b of blocks.slice(0, k)) head.block(b.txs, b.time);
      const tail = new TestChain(genesis, JSON.parse(JSON.stringify(head.chain.snapshot())));
      t.deepEqual(
        blocks.slice(k).map((b) => tail.block(b.txs, b.time).stateRoot),
        roots.slice(k),
      );
    }),
    { numRuns: 60 },
  );
});
