import test from 'ava';
import { probeMachine, rewardWorthIt, unmetRequirement } from '../../../runtime/agents/index.ts';

// A worker takes only jobs its machine can serve and rewards it finds worth it.

const machine = { cpus: 2, memoryMb: 24_000, gpus: 0, storageMb: 50_000 };

test('requirements the machine meets pass; each one it misses is named', (t) => {
  t.is(unmetRequirement(undefined, machine), null);
  t.is(unmetRequirement({ cpu: 2, memory_mb: 1024, storage_mb: 10 }, machine), null);
  t.is(unmetRequirement({ cpu: 8 }, machine), 'it needs 8 CPUs; this machine has 2');
  t.is(unmetRequirement({ memory_mb: 64_000 }, machine), 'it needs 64000 MB of memory; this machine has 24000');
  t.is(unmetRequirement({ gpu: 1 }, machine), 'it needs 1 GPUs; this machine has 0');
  t.is(unmetRequirement({ storage_mb: 90_000 }, machine), 'it needs 90000 MB of disk; 50000 MB are free');
});

test("the probe reads this machine; the reward policy looks at the most one worker can get from the workers' pool", (t) => {
  const probed = probeMachine();
  t.true(probed.cpus >= 1 && probed.memoryMb > 0 && probed.gpus >= 0 && probed.storageMb >= 0);
  const terms = (reward: [string, string], rewardFunction: 'winnerOnly' | 'even' | 'ranked' = 'winnerOnly', rewardWeights: number[] | null = null) => ({
    reward,
    rewardFunction,
    rewardWeights,
  });
  t.true(rewardWorthIt(terms(['1', '10']), 10n));
  t.false(rewardWorthIt(terms(['20', '9']), 10n), "the evaluator's part is not a worker's");
  t.true(rewardWorthIt(terms(['0', '10'], 'even'), 10n), 'alone, a worker takes the whole even pool');
  t.true(rewardWorthIt(terms(['0', '10'], 'ranked', [2, 1]), 7n)); // 7 of 10 to the best rank
  t.false(rewardWorthIt(terms(['0', '10'], 'ranked', [2, 1]), 8n));
  t.true(rewardWorthIt(terms(['0', '0']), 0n));
});
