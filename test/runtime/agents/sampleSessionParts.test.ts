import test from 'ava';
import { noResultLines, onThisMachine } from '../../../runtime/agents/sampleSession.ts';

test("the sample's time limit is its own on a machine where a run and a block are quick, and grows with either, in whole seconds", (t) => {
  t.is(onThisMachine(3000, { runMs: 150, blockMs: 900 }), 3000);
  t.is(onThisMachine(3000, { runMs: 333, blockMs: 1000 }), 3000);
  t.is(onThisMachine(3000, { runMs: 400, blockMs: 0 }), 4000, '3 × 0.4 s + 2 s, rounded up');
  t.is(onThisMachine(3000, { runMs: 2500, blockMs: 0 }), 10_000);
  t.is(onThisMachine(3000, { runMs: 200, blockMs: 2600 }), 11_000, 'a loaded machine whose txs take 2.6 s to reach a block: 3 × 2.6 s + 2 × 1.6 s, rounded up');
  t.is(onThisMachine(3000, { runMs: 400, blockMs: 1900 }), 8000, 'the CI run the sample missed at 6 s: 3 × 1.9 s + 2 × 0.9 s, rounded up');
  t.is(onThisMachine(10_000, { runMs: 1000, blockMs: 500 }), 10_000);
});

test('a request refunded for want of a result says what each worker came to, in block time from the evaluator’s accept', (t) => {
  const view = {
    deadline: 15_000,
    timeLimitMs: 5000,
    workers: {
      '0xa': { acceptedAt: 11_200, submittedAt: 15_300 },
      '0xb': { acceptedAt: 12_000, submittedAt: 13_000, failure: { code: 'RUN_FAILED' as const, message: 'boom' } },
    },
  };
  const lines = noResultLines(view, [
    { address: '0xa', role: 'worker 1', outputs: [{ request: 'r', submitted: true }], skipped: undefined, sawOpenAt: 10_400 },
    { address: '0xb', role: 'worker 2', outputs: [], skipped: undefined, sawOpenAt: 11_000 },
    { address: '0xc', role: 'worker 3', outputs: [{ request: 'r', submitted: false, error: 'the time limit passed first' }], skipped: undefined },
    { address: '0xd', role: 'worker 4', outputs: [], skipped: 'it needs 2 GPUs; this machine has 0' },
  ]);
  t.deepEqual(lines, [
    "worker 1: saw the evaluator's accept at 0.4 s; accepted at 1.2 s; result at 5.3 s (the limit: 5.0 s)",
    "worker 2: saw the evaluator's accept at 1.0 s; accepted at 2.0 s; failure (RUN_FAILED) at 3.0 s; its agent had not ended (the limit: 5.0 s)",
    "worker 3: did not see the evaluator's accept; no accept in a block; its agent: the time limit passed first (the limit: 5.0 s)",
    "worker 4: did not see the evaluator's accept; no accept in a block; its agent: it needs 2 GPUs; this machine has 0 (the limit: 5.0 s)",
  ]);
});
