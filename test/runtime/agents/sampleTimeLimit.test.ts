import test from 'ava';
import { onThisMachine } from '../../../runtime/agents/sampleSession.ts';

test("the sample's time limit is its own on a machine where a run and a block are quick, and grows with either, in whole seconds", (t) => {
  t.is(onThisMachine(3000, { runMs: 150, blockMs: 900 }), 3000);
  t.is(onThisMachine(3000, { runMs: 333, blockMs: 1000 }), 3000);
  t.is(onThisMachine(3000, { runMs: 400, blockMs: 0 }), 4000, '3 × 0.4 s + 2 s, rounded up');
  t.is(onThisMachine(3000, { runMs: 2500, blockMs: 0 }), 10_000);
  t.is(onThisMachine(3000, { runMs: 200, blockMs: 2600 }), 11_000, 'a loaded machine whose txs take 2.6 s to reach a block: 3 × 2.6 s + 2 × 1.6 s, rounded up');
  t.is(onThisMachine(3000, { runMs: 400, blockMs: 1900 }), 8000, 'the CI run the sample missed at 6 s: 3 × 1.9 s + 2 × 0.9 s, rounded up');
  t.is(onThisMachine(10_000, { runMs: 1000, blockMs: 500 }), 10_000);
});
