import test from 'ava';
import { budgetExhausted, requestWithRetries, type AttemptEnd } from '../../../runtime/cli/requestRetries.ts';
import { isAinError } from '../../../schemas/index.ts';

// The --retry loop against fake attempts: given how each attempt ends, then how many are made,
// what is printed, and why the loop stopped.

const refunded = (id: string, reason = 'noResult', spentAin = 0n): AttemptEnd => ({
  id,
  state: 'refunded',
  refund: { reason, why: `It was refunded to the client: ${reason}.` },
  spentAin,
});

function fakes(ends: AttemptEnd[]) {
  const lines: string[] = [];
  let made = 0;
  return { lines, made: () => made, say: (line: string) => void lines.push(line), attempt: async () => ends[made++]! };
}

test('a refund is requested again, with the reason printed; the first settlement stops it', async (t) => {
  const f = fakes([refunded('r1', 'noEvaluator'), { id: 'r2', state: 'settled', spentAin: 21n }, refunded('r3')]);
  const outcome = await requestWithRetries({ retries: 3, budgetAin: 21n, lockedAin: 21n, attempt: f.attempt, say: f.say });
  t.is(outcome.stop, 'settled');
  t.is(f.made(), 2);
  t.is(outcome.spentAin, 21n);
  t.deepEqual(f.lines, [
    'Attempt 1 of 4:',
    'Attempt 1 (request r1) was refunded (noEvaluator): It was refunded to the client: noEvaluator.',
    'Attempt 2 of 4:',
  ]);
});

test('N retries make N + 1 attempts at most, then stop saying so', async (t) => {
  const f = fakes([refunded('r1'), refunded('r2'), refunded('r3'), refunded('r4')]);
  const outcome = await requestWithRetries({ retries: 2, budgetAin: 100n, lockedAin: 21n, attempt: f.attempt, say: f.say });
  t.is(outcome.stop, 'retries');
  t.deepEqual(
    outcome.attempts.map((a) => a.id),
    ['r1', 'r2', 'r3'],
  );
  t.is(f.lines.at(-1), 'Every attempt was refunded (3 of 3); not requesting again.');
});

test('a request still open when the wait runs out stops the loop: it is not requested twice', async (t) => {
  const f = fakes([{ id: 'r1', state: 'running', spentAin: 21n }, refunded('r2')]);
  const outcome = await requestWithRetries({ retries: 5, budgetAin: 100n, lockedAin: 21n, attempt: f.attempt, say: f.say });
  t.is(outcome.stop, 'open');
  t.is(f.made(), 1);
});

test('an attempt starts only when what it locks fits in what is left of the budget', async (t) => {
  // A refund gives everything back, so only attempts that spent something eat the budget.
  const f = fakes([refunded('r1', 'challengeUpheld', 10n), refunded('r2', 'noResult', 10n), refunded('r3')]);
  const outcome = await requestWithRetries({ retries: 5, budgetAin: 40n, lockedAin: 21n, attempt: f.attempt, say: f.say });
  t.is(outcome.stop, 'budget');
  t.is(f.made(), 2);
  t.is(outcome.spentAin, 20n);
  t.is(f.lines.at(-1), 'Not requesting again: attempt 3 would lock 21 AIN and 20 AIN is left of the budget of 40 AIN.');
  const error = budgetExhausted(outcome, 40n, 21n);
  t.true(isAinError(error, 'BUDGET_EXHAUSTED'));
  t.regex(error.message, /After 2 refunded attempt\(s\) that spent 20 AIN, another would lock 21 AIN, more than the 20 AIN left/);
});

test('a budget below one request makes no attempt', async (t) => {
  const f = fakes([refunded('r1')]);
  const outcome = await requestWithRetries({ retries: 1, budgetAin: 20n, lockedAin: 21n, attempt: f.attempt, say: f.say });
  t.is(outcome.stop, 'budget');
  t.is(f.made(), 0);
  t.regex(budgetExhausted(outcome, 20n, 21n).message, /raise --budget to at least 21/);
});
