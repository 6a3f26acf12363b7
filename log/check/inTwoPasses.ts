import type { Refusal } from '../../schemas/index.ts';
import { badSignature, signatureHolds, Unverified } from './checkTx.ts';

// Items per pair of passes: enough to keep each kind of work warm, few enough that what the first
// pass made is still young (cheap to collect) when the second is done with it.
const sliceItems = 64;

/**
 * The batch form of the checks: over each slice of `items`, every check but the signature first
 * (`firstPass` gives a result, or a tx left to verify), then the slice's signatures in one tight
 * loop (`settle` makes the result from the verdict; `refusalOf` turns what a verify throws into
 * one), yielding results in input order. Run interleaved, each Ed25519 verify evicts the
 * JavaScript's code and data from the caches, and the other checks slow down.
 */
export function* inTwoPasses<T, P, R>(
  items: readonly T[],
  firstPass: (item: T) => R | Unverified<P>,
  settle: (unverified: Unverified<P>, refusal: Refusal | null) => R,
  refusalOf: (error: unknown) => Refusal,
): Generator<R, void, undefined> {
  const prepared: (R | Unverified<P>)[] = [];
  for (let from = 0; from < items.length; from += sliceItems) {
    const to = Math.min(items.length, from + sliceItems);
    prepared.length = 0;
    for (let i = from; i < to; i++) prepared.push(firstPass(items[i]!));
    for (const one of prepared) {
      if (!(one instanceof Unverified)) {
        yield one;
        continue;
      }
      let refusal: Refusal | null;
      try {
        refusal = signatureHolds(one) ? null : refusalOf(badSignature(one.tx));
      } catch (error) {
        refusal = refusalOf(error);
      }
      yield settle(one, refusal);
    }
  }
}
