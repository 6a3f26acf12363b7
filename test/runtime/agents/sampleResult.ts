// What the papers' sample session (runSampleSession, `ain up`) may rightly report. A worker
// participates when its result lands within the request's time limit (block time): on a loaded
// machine a worker may miss it, so anywhere from 1 to all 3 workers take part. The rewards
// ["10", "10"] are ranked: the best two participants get 10 each and what no worker takes goes
// back to the client; the admin gets its fee of 1 and the evaluator its deposit of 20 back.

export const sampleWorkers = 3;

/** What a settled sample pays for `participants` workers: the rewards, best first, and the client's refund ('0' for none). */
export function samplePayouts(participants: number): { readonly rewards: readonly string[]; readonly refund: string } {
  const paid = Math.min(participants, 2);
  return { rewards: Array.from({ length: paid }, () => '10'), refund: String(10 * (2 - paid)) };
}

/** How many workers the printed result line says participated, or undefined when there is none. */
export function participantsIn(stdout: string): number | undefined {
  const found = /Total (\d+) workers participated\./.exec(stdout);
  return found === null ? undefined : Number(found[1]);
}

/** `ain up`'s result line for `participants` workers: whole, in its own line, with the payouts that count implies. */
export function sampleResultLine(participants: number): RegExp {
  const who = '\\(0x[0-9a-f]{8}…\\)';
  const { rewards, refund } = samplePayouts(participants);
  const received = [
    ...rewards.map((amount) => `worker \\d ${who} received ${amount}`),
    ...(refund === '0' ? [] : [`client ${who} received ${refund} \\(refund\\)`]),
    `admin ${who} received 1 \\(fee\\)`,
    `evaluator ${who} received 20 \\(deposit back\\)`,
  ];
  return new RegExp(`^ {2}Total ${participants} workers participated\\. ${received.join(', ')}\\.$`, 'm');
}
