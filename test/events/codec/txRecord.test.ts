import test from 'ava';
import type { Op } from '../../../schemas/index.ts';
import fc from 'fast-check';
import { decodeOwnTxRecord, decodeTxRecord, encodeTxRecord, recordBytesOf, recordFromSignedBytes, writeRecordFromSignedBytes } from '../../../events/codec/index.ts';
import { canonicalJson, keyPairFromSeed, signedBytesOf, signTx, txHashOf } from '../../../events/crypto/index.ts';

const key = keyPairFromSeed('33'.repeat(32));

test('property: the record built from signed bytes equals the canonical JSON of the whole envelope', (t) => {
  const nasty = fc.dictionary(fc.oneof(fc.constant('time'), fc.constant('sig'), fc.string()), fc.oneof(fc.string(), fc.integer(), fc.constant(',"time":')));
  fc.assert(
    fc.property(nasty, fc.nat(), (value, nonce) => {
      const tx = signTx({ key, op: { type: 'set_value', path: '/x', value }, nonce, time: 5 });
      const signed = signedBytesOf(tx);
      const written = Buffer.alloc(recordBytesOf(signed) + 3);
      const end = writeRecordFromSignedBytes(signed, tx.sig, written, 3);
      return recordFromSignedBytes(signed, tx.sig).equals(encodeTxRecord(tx)) && written.subarray(3, end).equals(encodeTxRecord(tx)) && end === written.length;
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

test('a record this node appended decodes the same with its known hash as without', (t) => {
  const tx = signTx({ key, op: { type: 'set_value', path: '/x', value: { a: [1, 'ü'] } }, nonce: 3, time: 4 });
  const bytes = encodeTxRecord(tx);
  const own = decodeOwnTxRecord(5, bytes, txHashOf(tx), false);
  t.deepEqual({ ...own, tx: own.tx }, decodeTxRecord(5, bytes));
});

test('property: a record decodes to the same hash, tx and cut marker by either path, and deep JSON is junk on every stack', (t) => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat(), fc.boolean(), (value, nonce, isCut) => {
      const op: Op = isCut ? { type: 'cut', height: (nonce % 9) + 1 } : { type: 'set_value', path: '/p', value: value as Extract<Op, { type: 'set_value' }>['value'] };
      const tx = signTx({ key, op, nonce, time: 1 });
      const bytes = encodeTxRecord(tx);
      const full = decodeTxRecord(1, bytes);
      const own = decodeOwnTxRecord(1, bytes, txHashOf(tx), isCut);
      return full.hash === txHashOf(tx) && canonicalJson(full.tx) === canonicalJson(own.tx) && JSON.stringify(full.cut) === JSON.stringify(own.cut);
    }),
    { numRuns: 200 },
  );
  const deepText = `{"v":1,"op":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  t.is(decodeTxRecord(2, Buffer.from(deepText)).tx, null);
});
