import test from 'ava';
import {
  checkedRecordOf,
  checkRecord,
  checkRecords,
  checkTx,
  checkTxTexts,
  decodeTxRecord,
  encodeTxRecord,
  keyPairFromSeed,
  parseTxJson,
  recordCheckOf,
  recordFromSignedBytes,
  signTx,
  type KeyPair,
} from '../../../log/index.ts';
import { isAinError, type Refusal, type Tx } from '../../../schemas/index.ts';
import { withDuplicateKey, withProtoKey } from '../../fixtures/ambiguousTxs.ts';

// One verdict on every path: a tx's text at the boundary, the same tx alone, its record read back
// in bulk, alone once decoded, and rebuilt from a check made on another thread.
const alice: KeyPair = keyPairFromSeed('41'.repeat(32));
const bob: KeyPair = keyPairFromSeed('42'.repeat(32));
const scope = { chain: 'ain-local', shard: '/' };

/** Good txs, cut markers and every kind of refusal, more than one slice of them. */
function texts(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = i % 2 === 0 ? alice : bob;
    const tx: Tx =
      i % 29 === 4
        ? signTx({ key, op: { type: 'cut', height: i }, nonce: i + 1, time: 1000 + i })
        : signTx({ key, op: { type: 'set_value', path: `/apps/x/${i}`, value: i }, nonce: i + 1, time: 1000 + i });
    const other = i % 2 === 0 ? bob : alice;
    const variants = [
      () => JSON.stringify(tx),
      () => JSON.stringify({ ...tx, sig: signTx({ key, op: { type: 'stake', amount: '1' }, nonce: 1, time: 1 }).sig }),
      () => JSON.stringify({ ...tx, from: other.address }),
      () => JSON.stringify({ ...tx, chain: 'elsewhere' }),
      () => JSON.stringify({ ...tx, pub: other.publicKey }),
      () => '{"not": json',
      () => '',
      () => withProtoKey(key, i + 1),
      () => withDuplicateKey(key, i + 1),
      () => JSON.stringify({ ...tx, v: 2 }),
    ];
    out.push(variants[i % 7 === 0 ? i % variants.length : 0]!());
  }
  return out;
}

const verdictOf = (run: () => unknown): Refusal | null => {
  try {
    run();
    return null;
  } catch (error) {
    if (!isAinError(error)) throw error;
    return { code: error.code, message: error.message };
  }
};

test('checkTxTexts gives, in order, what checkTx gives each text alone: the same hash, code and sentence', (t) => {
  const given = texts(300);
  const batch = [...checkTxTexts(given, { ...scope, maxTxBytes: 4096 })];
  t.is(batch.length, given.length);
  for (const [i, text] of given.entries()) {
    const alone = text.trim() === '' ? { code: 'BAD_JSON' } : verdictOf(() => checkTx(parseTxJson(text), { ...scope, maxTxBytes: 4096 }));
    const verdict = batch[i]!;
    if ('hash' in verdict) {
      t.is(alone, null, `text ${i}`);
      t.is(verdict.hash, checkTx(JSON.parse(text)).hash);
    } else if (text.trim() === '') t.is(verdict.code, 'BAD_JSON');
    else t.deepEqual(verdict, alone, `text ${i}`);
  }
  t.true(batch.some((v) => !('hash' in v) && v.code === 'BAD_SIGNATURE'));
});

test('checkRecords, checkRecord of the decoded record and a check rebuilt on another thread agree, to the sentence', (t) => {
  const given = texts(300);
  const records = given.map((text, i) => {
    const value = (() => {
      try {
        return encodeTxRecord(JSON.parse(text) as Tx);
      } catch {
        return Buffer.from(text);
      }
    })();
    return { offset: 7000 + 2 * i, value };
  });
  const bulk = checkRecords(records, scope);
  for (const [i, { offset, value }] of records.entries()) {
    const one = bulk[i]!;
    const decoded = decodeTxRecord(offset, value);
    t.deepEqual(one.verdict, checkRecord(decoded, scope), `record ${i}`);
    t.is(one.record.hash, decoded.hash);
    const rebuilt = checkedRecordOf(offset, value, structuredClone(recordCheckOf(one)));
    t.deepEqual([rebuilt.record.offset, rebuilt.record.hash, rebuilt.record.cut, rebuilt.verdict], [offset, one.record.hash, one.record.cut, one.verdict]);
    t.deepEqual(rebuilt.record.tx, one.record.tx);
  }
  t.deepEqual([...new Set(bulk.map((c) => c.verdict?.code ?? 'ok'))].sort(), ['BAD_ADDRESS', 'BAD_SCHEMA', 'BAD_SIGNATURE', 'WRONG_CHAIN', 'ok']);
});

test('a refused record keeps its offset and hash but not its tx, so a forged cut marker closes no block', (t) => {
  const cut = signTx({ key: alice, op: { type: 'cut', height: 2 }, nonce: 1, time: 5 });
  const forged = { ...cut, sig: signTx({ key: bob, op: { type: 'cut', height: 2 }, nonce: 1, time: 5 }).sig };
  const [good, bad] = checkRecords(
    [
      { offset: 0, value: encodeTxRecord(cut) },
      { offset: 1, value: encodeTxRecord(forged) },
    ],
    scope,
  );
  t.deepEqual(good!.record.cut, { height: 2, from: alice.address, time: 5 });
  t.is(good!.verdict, null);
  t.deepEqual([bad!.record.tx, bad!.record.cut, bad!.verdict?.code], [null, null, 'BAD_SIGNATURE']);
  t.is(bad!.record.hash, decodeTxRecord(1, encodeTxRecord(forged)).hash);
  t.deepEqual(recordCheckOf(good!), { hash: good!.record.hash, isCut: true, verdict: null });
  t.false(recordCheckOf(bad!).isCut);
});

test('the record a boundary check makes from signed bytes is the one checkRecords passes', (t) => {
  const given = texts(80).filter((text) => text.startsWith('{"chain"'));
  const records: { offset: number; value: Uint8Array }[] = [];
  for (const verdict of checkTxTexts(given, scope)) {
    if ('hash' in verdict) records.push({ offset: records.length, value: recordFromSignedBytes(verdict.signedBytes, verdict.tx.sig) });
  }
  t.true(records.length > 60);
  t.deepEqual(
    checkRecords(records, scope).map((c) => c.verdict),
    records.map(() => null),
  );
});
