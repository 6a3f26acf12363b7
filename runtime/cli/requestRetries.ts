import { AinError } from '../../schemas/index.ts';

/** How one attempt of a request ended, as `ain requestJob --retry` reports it. */
export interface AttemptEnd {
  /** The request's id (its requestJob tx hash). */
  readonly id: string;
  /** `settled`, `refunded`, or the state it was still in when the wait ran out. */
  readonly state: string;
  /** Why it was refunded: the ledger's reason code and the explanation's sentence. */
  readonly refund?: { readonly reason: string; readonly why: string };
  /** What the attempt cost the client: what it locked less what came back to it (negative when a forfeited deposit came too). */
  readonly spentAin: bigint;
}

export interface RetryParameters {
  /** Attempts after the first, at most. */
  readonly retries: number;
  /** The most the attempts may spend together: an attempt starts only when what it locks fits in what is left. */
  readonly budgetAin: bigint;
  /** What one attempt locks: its rewards and the job's fee. */
  readonly lockedAin: bigint;
  /** Requests once and follows the request to its end (or until the wait runs out). */
  readonly attempt: (n: number) => Promise<AttemptEnd>;
  readonly say: (line: string) => void;
}

/** Why the attempts stopped: one settled, one was still open, the retries ran out, or the budget did. */
export type RetriesStop = 'settled' | 'open' | 'retries' | 'budget';

export interface RetriesOutcome {
  readonly attempts: readonly AttemptEnd[];
  readonly stop: RetriesStop;
  readonly spentAin: bigint;
}

/**
 * Requests, and after each refund requests again, up to `retries` more times, while what the next
 * attempt locks fits in what the attempts so far left of the budget. Stops on the first attempt
 * that does not end refunded (settled, or still open when its wait ran out). Prints each attempt
 * and why it was refunded.
 * @example await requestWithRetries({ retries: 2, budgetAin: 21n, lockedAin: 21n, attempt: (n) => requestOnce(op), say })
 */
export async function requestWithRetries({ retries, budgetAin, lockedAin, attempt, say }: RetryParameters): Promise<RetriesOutcome> {
  const attempts: AttemptEnd[] = [];
  let spentAin = 0n;
  const total = retries + 1;
  for (let n = 1; n <= total; n++) {
    if (spentAin + lockedAin > budgetAin) {
      say(`Not requesting again: attempt ${n} would lock ${lockedAin} AIN and ${budgetAin - spentAin} AIN is left of the budget of ${budgetAin} AIN.`);
      return { attempts, stop: 'budget', spentAin };
    }
    if (total > 1) say(`Attempt ${n} of ${total}:`);
    const end = await attempt(n);
    attempts.push(end);
    spentAin += end.spentAin;
    if (end.state !== 'refunded') return { attempts, stop: end.state === 'settled' ? 'settled' : 'open', spentAin };
    if (total > 1) say(`Attempt ${n} (request ${end.id}) was refunded (${end.refund?.reason ?? 'no reason given'}): ${end.refund?.why ?? ''}`.trimEnd());
  }
  if (total > 1) say(`Every attempt was refunded (${total} of ${total}); not requesting again.`);
  return { attempts, stop: 'retries', spentAin };
}

/** The error for attempts stopped by the budget, once their output is printed. */
export function budgetExhausted({ attempts, spentAin }: RetriesOutcome, budgetAin: bigint, lockedAin: bigint): AinError {
  return new AinError(
    'BUDGET_EXHAUSTED',
    attempts.length === 0
      ? `The request locks ${lockedAin} AIN, more than the --budget of ${budgetAin} AIN; raise --budget to at least ${lockedAin}.`
      : `After ${attempts.length} refunded attempt(s) that spent ${spentAin} AIN, another would lock ${lockedAin} AIN, more than the ${budgetAin - spentAin} AIN left of the --budget of ${budgetAin} AIN.`,
    { details: { attempts: attempts.map((a) => a.id), spentAin: spentAin.toString(), budgetAin: budgetAin.toString() } },
  );
}
