import test from 'ava';
import fc from 'fast-check';
import { nextNonce } from '../../../runtime/client/index.ts';
import { isAinError } from '../../../schemas/index.ts';

// The one nonce rule of every signer (the CLI, the agents, the node): above the signer's last,
// above the ledger's, at least the clock; never past what a tx may carry.

const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 });

test('property: the next nonce is above the last and the ledger’s, at least the clock, and the least such', (t) => {
  fc.assert(
    fc.property(safe, safe, fc.integer({ min: 0, max: 2 ** 45 }), (lastNonce, ledgerNonce, timeMs) => {
      const nonce = nextNonce({ lastNonce, ledgerNonce, timeMs });
      return nonce > lastNonce && nonce > ledgerNonce && nonce >= timeMs && (nonce === lastNonce + 1 || nonce === ledgerNonce + 1 || nonce === timeMs);
    }),
  );
  t.is(nextNonce({ ledgerNonce: 0, timeMs: 1_700_000_000_000 }), 1_700_000_000_000, 'a fresh key signs with the clock');
  t.is(nextNonce({ lastNonce: 1_700_000_000_000, ledgerNonce: 0, timeMs: 1_700_000_000_000 }), 1_700_000_000_001, 'two txs in one ms');
  t.is(nextNonce({ ledgerNonce: 5, timeMs: 0 }), 6, 'a clock behind the ledger');
});

test('the largest nonce a tx may carry is the last: past it is NONCES_SPENT, naming the key', (t) => {
  t.is(nextNonce({ lastNonce: Number.MAX_SAFE_INTEGER - 1, ledgerNonce: 0, timeMs: 0 }), Number.MAX_SAFE_INTEGER);
  const error = t.throws(() => nextNonce({ ledgerNonce: Number.MAX_SAFE_INTEGER, timeMs: Date.now(), address: '0xabc' }));
  t.true(isAinError(error, 'NONCES_SPENT'));
  t.regex(error!.message, /0xabc would be 9007199254740992, past the largest a tx may carry/);
});
