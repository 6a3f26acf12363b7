import test from 'ava';
import { onThisMachine } from '../../../runtime/agents/sampleSession.ts';

test("the sample's time limit is its own on a machine where a run is quick, and grows with a slow run, in whole seconds", (t) => {
  t.is(onThisMachine(3000, 150), 3000);
  t.is(onThisMachine(3000, 333), 3000);
  t.is(onThisMachine(3000, 400), 4000, '3 × 0.4 s + 2 s, rounded up');
  t.is(onThisMachine(3000, 2500), 10_000);
  t.is(onThisMachine(10_000, 1000), 10_000);
});
