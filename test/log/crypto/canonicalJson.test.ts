import test from 'ava';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson, encodeTxRecord, keyPairFromSeed, signTx } from '../../../log/index.ts';

// canonicalJson takes a native JSON.stringify path when a value's keys are already sorted; the
// canonicalize package (RFC 8785) is the reference it must equal, or refuse alike.
const reference = (value: unknown): string | Error => {
  try {
    return canonicalize(value) ?? new Error('undefined');
  } catch (error) {
    return error as Error;
  }
};
const ours = (value: unknown): string | Error => {
  try {
    return canonicalJson(value);
  } catch (error) {
    return error as Error;
  }
};
const same = (value: unknown): boolean => {
  const expected = reference(value);
  const actual = ours(value);
  return expected instanceof Error ? actual instanceof Error : actual === expected;
};

// Unicode keys and strings, lone surrogates included, and numbers of every form.
const json = fc.jsonValue({ depthSize: 'medium', stringUnit: 'binary' });

test('any JSON value, in any key order: the same text as RFC 8785 (canonicalize)', (t) => {
  fc.assert(
    fc.property(json, (value) => same(value)),
    { numRuns: 2000 },
  );
  t.pass();
});

test('a value parsed back from its canonical text (sorted keys, the fast path): the same text again', (t) => {
  fc.assert(
    fc.property(json, (value) => {
      const text = reference(value);
      if (text instanceof Error) return true;
      return canonicalJson(JSON.parse(text)) === text;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('sorted keys are not enough: integer-like keys, lone surrogates, undefined, toJSON and class instances take the general path', (t) => {
  const cases: unknown[] = [
    { '10': 1, '9': 2 },
    { a: 'x\ud800' },
    { ['\udc00']: 1 },
    { a: undefined, b: 1 },
    [1, undefined, 2],
    { a: { toJSON: () => 'z' } },
    { a: new Date(0) },
    { a: Number.NaN },
    { a: -0 },
    { a: 1e21, b: 1e-7 },
  ];
  for (const value of cases) t.true(same(value), JSON.stringify(reference(value) instanceof Error ? 'error' : reference(value)));
  t.is(canonicalJson({ '10': 1, '9': 2 }), '{"10":1,"9":2}');
  t.throws(() => canonicalJson({ a: 'x\ud800' }), { message: /canonical JSON/ });
});

test('signTx gives a tx whose JSON.stringify is its canonical record', (t) => {
  const key = keyPairFromSeed('11'.repeat(32));
  const tx = signTx({ key, op: { type: 'set_value', path: '/apps/x', value: { z: 1, a: [{ y: 2, b: 3 }] } }, nonce: 3, time: 1_764_028_800_000 });
  t.is(JSON.stringify(tx), encodeTxRecord(tx).toString('utf8'));
});
