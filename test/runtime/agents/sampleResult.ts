// What the papers' sample session (runSampleSession, `ain up`) may rightly report. It runs at the
// paper's scale: 3 evaluators (the first to accept takes the request) and 12 workers. A worker
// participates when its result lands within the request's time limit (block time): on a loaded
// machine a worker may miss it, so anywhere from 1 to all 12 workers take part. The reward
// [10, 10] with winnerOnly pays the evaluator 10 and the best worker 10, whatever the count; the
// admin gets its fee of 1 and the evaluator its deposit of 20 back.

export { sampleEvaluatorsDefault as sampleEvaluators, sampleWorkersDefault as sampleWorkers } from '../../../runtime/agents/index.ts';

/** What a settled sample pays, in the order the settlement lists it: the evaluator's reward, the winner's, the fee, the deposit back. */
export const samplePayouts = [
  { role: 'evaluator', amount: '10', kind: 'reward' },
  { role: 'worker', amount: '10', kind: 'reward' },
  { role: 'admin', amount: '1', kind: 'fee' },
  { role: 'evaluator', amount: '20', kind: 'deposit' },
] as const;

/** How many workers the printed result line says participated, or undefined when there is none. */
export function participantsIn(stdout: string): number | undefined {
  const found = /Total (\d+) workers participated\./.exec(stdout);
  return found === null ? undefined : Number(found[1]);
}

/** `ain up`'s result line for `participants` workers, whole, in its own line: the paper's `Evaluator (0x…) received 10, worker (0x…) received 10`, then the fee and the deposit back. */
export function sampleResultLine(participants: number): RegExp {
  const who = '\\(0x[0-9a-f]{8}…\\)';
  const received = [
    `Evaluator ${who} received 10`,
    `worker ${who} received 10`,
    `admin ${who} received 1 \\(fee\\)`,
    `evaluator ${who} received 20 \\(deposit back\\)`,
  ];
  return new RegExp(`^ {2}Total ${participants} workers participated\\. ${received.join(', ')}\\.$`, 'm');
}
