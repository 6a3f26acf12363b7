import test from 'ava';
import fc from 'fast-check';
import { attestWindowBlocks, decideAttest, decideNextAttest, readFinalized, type AttestLedgerView } from '../../../projections/index.ts';
import type { Tx } from '../../../schemas/index.ts';
import { key, TestChain } from '../../actors/ledger/chain.ts';

// What a validator attests, decided from the ledger: given a ledger (replayed after a restart),
// when it resumes, then it attests no block it already attested, none whose vote waits in the
// log, and none the ledger would refuse as outside the attest window.
const [v, w, outsider] = [key(21), key(22), key(23)];
/** v alone never finalizes (30 of 100); w alone does (70 > 2/3). */
const genesis = {
  chain: 'ain-test',
  owner: v.address,
  accounts: { [v.address]: { balance: '10', stake: '30' }, [w.address]: { balance: '10', stake: '70' }, [outsider.address]: { balance: '10' } },
  proposers: [v.address],
  block: {},
};

const attest = (chain: TestChain, by: ReturnType<typeof key>, height: number): Tx =>
  chain.tx(by, { type: 'attest', height, hash: chain.blocks[height - 1]!.hash, genesis: chain.ledger.genesisHash });
const viewOf = (chain: TestChain, waiting: readonly number[] = []): AttestLedgerView => ({
  tree: chain.ledger.tree,
  height: chain.ledger.height,
  waiting: new Set(waiting),
});
/** Every height a validator that decided up to `doneUpTo` attests now, in order. */
function dueHeights(view: AttestLedgerView, from: string, doneUpTo = 0): number[] {
  const due: number[] = [];
  for (let plan = decideNextAttest(view, from, doneUpTo); plan.next !== null; plan = decideNextAttest(view, from, plan.next)) due.push(plan.next);
  return due;
}

/** Blocks 1..n+1, block h+1 holding v's attestation of block h: v attested 1..n, nothing is final. */
function chainAttestedBy(n: number): TestChain {
  const chain = new TestChain(genesis);
  chain.block([]);
  for (let h = 1; h <= n; h++) chain.block([attest(chain, v, h)]);
  return chain;
}

test('given its attestations of 1..N in the ledger, when it resumes, then it attests only block N+1', (t) => {
  const chain = chainAttestedBy(10);
  const view = viewOf(chain);
  t.is(readFinalized(chain.ledger.tree).height, 0);
  for (let h = 1; h <= 10; h++) t.deepEqual(decideAttest(view, v.address, h), { attest: false, reason: 'attested' }, `block ${h}`);
  t.deepEqual(decideAttest(view, v.address, 11), { attest: true });
  t.deepEqual(decideAttest(view, v.address, 12), { attest: false, reason: 'notApplied' });
  t.deepEqual(dueHeights(view, v.address), [11]);
  t.deepEqual(dueHeights(view, w.address), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'another validator still attests them all');
  const next = chain.block([attest(chain, v, 11)]);
  t.deepEqual(chain.codes(next), ['ok']);
});

test('given its attestation of the last block in the log, not applied yet, when it resumes, then it attests nothing', (t) => {
  const chain = chainAttestedBy(10);
  const tail = attest(chain, v, 11);
  t.deepEqual(decideAttest(viewOf(chain, [11]), v.address, 11), { attest: false, reason: 'waiting' });
  t.deepEqual(decideNextAttest(viewOf(chain, [11]), v.address, 0), { doneUpTo: 11, next: null });
  t.deepEqual(chain.codes(chain.block([tail])), ['ok'], 'the waiting one lands once');
  t.deepEqual(decideAttest(viewOf(chain), v.address, 11), { attest: false, reason: 'attested' });
});

test('given a chain finalized far past its last attestation, when it resumes, then it attests no final block and nothing outside the window', (t) => {
  const chain = chainAttestedBy(5);
  // w alone makes each block final; v is away for 100 blocks.
  for (let h = 6; h <= 105; h++) chain.block([attest(chain, w, h)]);
  const final = readFinalized(chain.ledger.tree).height;
  t.is(final, 105);
  const view = viewOf(chain);
  for (const h of [1, 6, final - attestWindowBlocks, final]) t.deepEqual(decideAttest(view, v.address, h), { attest: false, reason: 'final' }, `block ${h}`);
  t.deepEqual(dueHeights(view, v.address), [106]);
  t.deepEqual(chain.codes(chain.block([attest(chain, v, 106)])), ['ok']);
});

test('given no stake, or slashed, when it looks, then it attests nothing', (t) => {
  const chain = chainAttestedBy(3);
  t.deepEqual(decideAttest(viewOf(chain), outsider.address, 4), { attest: false, reason: 'notValidator' });
  t.deepEqual(decideNextAttest(viewOf(chain), outsider.address, 0), { doneUpTo: 4, next: null });
  // v signs a second hash for block 3 and is slashed (EQUIVOCATION).
  const slashed = chain.block([chain.tx(v, { type: 'attest', height: 3, hash: 'f'.repeat(64), genesis: chain.ledger.genesisHash })]);
  t.deepEqual(chain.codes(slashed), ['EQUIVOCATION']);
  t.deepEqual(dueHeights(viewOf(chain), v.address), []);
});

test('property: from any ledger and any point it resumes at, every attestation it decides on is accepted', (t) => {
  // Phases of blocks: each block holds w's vote of an earlier block (or none) and v's votes, those
  // it decides on while up, none while down. A phase may start with a restart, which forgets what
  // v decided (doneUpTo 0), and may leave each block's new votes of v in the log, waiting for the
  // next block. Long phases let finality run past the attest window while v is down.
  const phase = fc.record({
    blocks: fc.integer({ min: 1, max: 90 }),
    wVotesBack: fc.option(fc.nat(3)),
    vUp: fc.boolean(),
    restart: fc.boolean(),
    tailed: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(phase, { minLength: 1, maxLength: 5 }), (phases) => {
      const chain = new TestChain(genesis);
      chain.block([]);
      let doneUpTo = 0;
      let tail: { heights: number[]; txs: Tx[] } = { heights: [], txs: [] };
      for (const p of phases) {
        if (p.restart) doneUpTo = 0;
        for (let b = 0; b < p.blocks; b++) {
          const due = p.vUp ? dueHeights(viewOf(chain, tail.heights), v.address, doneUpTo) : [];
          if (due.length > 0) doneUpTo = due.at(-1)!;
          const votes = due.map((h) => attest(chain, v, h));
          const wHeight = p.wVotesBack === null ? 0 : chain.ledger.height - p.wVotesBack;
          const wVote = wHeight >= 1 && decideAttest(viewOf(chain), w.address, wHeight).attest ? [attest(chain, w, wHeight)] : [];
          // Votes in the tail land with the next block, before the ones appended after it.
          const landing = p.tailed ? tail.txs : [...tail.txs, ...votes];
          tail = p.tailed ? { heights: due, txs: votes } : { heights: [], txs: [] };
          const block = chain.block([...landing, ...wVote]);
          if (
            chain
              .codes(block)
              .slice(0, landing.length)
              .some((code) => code !== 'ok')
          )
            return false;
        }
      }
      return true;
    }),
    { seed: 20_260_512, numRuns: 100 },
  );
  t.pass();
});
