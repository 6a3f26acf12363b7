import test from 'ava';
import fc from 'fast-check';
import { decodeTxRecord, encodeTxRecord, recordFromSignedBytes } from '../../../events/codec/index.ts';
import { keyPairFromSeed, signedBytesOf, signTx, txHashOf } from '../../../events/crypto/index.ts';

const key = keyPairFromSeed('33'.repeat(32));

test('property: the record built from signed bytes equals the canonical JSON of the whole envelope', (t) => {
  const nasty = fc.dictionary(fc.oneof(fc.constant('time'), fc.constant('sig'), fc.string()), fc.oneof(fc.string(), fc.integer(), fc.constant(',"time":')));
  fc.assert(
    fc.property(nasty, fc.nat(), (value, nonce) => {
      const tx = signTx({ key, op: { type: 'set_value', path: '/x', value }, nonce, time: 5 });
      return recordFromSignedBytes(signedBytesOf(tx), tx.sig).equals(encodeTxRecord(tx));
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('decoding a record gives back the tx and its hash; junk decodes to tx null', (t) => {
  const tx = signTx({ key, op: { type: 'stake', amount: '1' }, nonce: 1, time: 2 });
  const record = decodeTxRecord(7, encodeTxRecord(tx));
  t.deepEqual(record.tx, tx);
  t.is(record.hash, txHashOf(tx));
  t.is(record.offset, 7);
  t.is(decodeTxRecord(8, Buffer.from('{"v":2}')).tx, null);
  t.is(decodeTxRecord(9, Buffer.from([0xff, 0xfe])).tx, null);
});
