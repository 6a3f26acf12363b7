import test from 'ava';
import { checkRecords, checkTx, encodeTxRecord, keyPairFromSeed, signTx, txHashOf, type KeyPair } from '../../../log/index.ts';
import { checkRecordsChunk } from '../../../runtime/ingest/checkRecordsChunk.ts';
import { verifyChunk } from '../../../runtime/ingest/verifyChunk.ts';
import type { Tx } from '../../../schemas/index.ts';
import { withDuplicateKey, withProtoKey } from '../../fixtures/ambiguousTxs.ts';

// The verify threads check txs in slices, every check but the signatures first and then the
// signatures: the outcomes must be exactly what one tx at a time gives, in order, across slices.
const alice: KeyPair = keyPairFromSeed('31'.repeat(32));
const bob: KeyPair = keyPairFromSeed('32'.repeat(32));
const scope = { chain: 'ain-local', shard: '/' };

function mixed(count: number): { texts: string[]; expected: (string | { code: string })[]; cutIndexes: number[] } {
  const texts: string[] = [];
  const expected: (string | { code: string })[] = [];
  const cutIndexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const key = i % 2 === 0 ? alice : bob;
    const tx: Tx =
      i % 37 === 5
        ? signTx({ key, op: { type: 'cut', height: i }, nonce: i + 1, time: 1000 + i })
        : signTx({ key, op: { type: 'set_value', path: `/apps/x/${i}`, value: i }, nonce: i + 1, time: 1000 + i });
    if (i % 11 === 3) {
      texts.push(JSON.stringify({ ...tx, sig: signTx({ key, op: { type: 'set_value', path: '/apps/other', value: 0 }, nonce: 1, time: 1 }).sig }));
      expected.push({ code: 'BAD_SIGNATURE' });
    } else if (i % 13 === 7) {
      texts.push('{"not": json');
      expected.push({ code: 'BAD_JSON' });
    } else if (i % 17 === 9) {
      texts.push(JSON.stringify({ ...tx, from: bob.address === tx.from ? alice.address : bob.address }));
      expected.push({ code: 'BAD_ADDRESS' });
    } else if (i % 19 === 2) {
      texts.push(JSON.stringify({ ...tx, chain: 'elsewhere' }));
      expected.push({ code: 'WRONG_CHAIN' });
    } else {
      texts.push(JSON.stringify(tx));
      expected.push(txHashOf(tx));
      if (tx.op.type === 'cut') cutIndexes.push(i);
    }
  }
  return { texts, expected, cutIndexes };
}

test('verifyChunk across many slices: outcomes in order, as checkTx gives them one by one; records and cut markers line up', (t) => {
  const { texts, expected, cutIndexes } = mixed(300);
  const chunk = verifyChunk({ texts, options: { chain: 'ain-local' } });
  t.deepEqual(
    chunk.outcomes.map((o) => (typeof o === 'string' ? o : { code: o.code })),
    expected,
  );
  t.deepEqual(chunk.cuts, cutIndexes);
  let at = 0;
  const passed = texts.filter((_, i) => typeof expected[i] === 'string');
  t.is(chunk.recordBytes.length, passed.length);
  for (const [n, text] of passed.entries()) {
    const record = chunk.records.subarray(at, at + chunk.recordBytes[n]!);
    t.deepEqual(Buffer.from(record), encodeTxRecord(checkTx(JSON.parse(text)).tx));
    at += chunk.recordBytes[n]!;
  }
  t.is(at, chunk.records.byteLength);
});

test('records checked in slices get the verdict each gets alone', (t) => {
  const { texts } = mixed(200);
  const records = texts.map((text, i) => {
    try {
      return encodeTxRecord(JSON.parse(text) as Tx); // well-formed but possibly bad records
    } catch {
      return Buffer.from(`junk ${i}`);
    }
  });
  const together = checkRecords(
    records.map((value, offset) => ({ offset, value })),
    scope,
  );
  const alone = records.map((value, offset) => checkRecords([{ offset, value }], scope)[0]!);
  t.deepEqual(
    together.map((c) => [c.record.hash, c.verdict?.code ?? 'ok']),
    alone.map((c) => [c.record.hash, c.verdict?.code ?? 'ok']),
  );
  t.true(together.some((c) => c.verdict?.code === 'BAD_SIGNATURE'));
});

test('a verify thread refuses a record read from the log with the code and sentence the inline check gives, naming its own offset', (t) => {
  const { texts } = mixed(200);
  const records = texts.map((text, i) => {
    try {
      return { offset: 1000 + 3 * i, value: encodeTxRecord(JSON.parse(text) as Tx) };
    } catch {
      return { offset: 1000 + 3 * i, value: Buffer.from(`junk ${i}`) };
    }
  });
  const inline = checkRecords(records, scope);
  const viaThreadTask = checkRecordsChunk({
    bytes: Buffer.concat(records.map((r) => r.value)),
    sizes: records.map((r) => r.value.byteLength),
    offsets: records.map((r) => r.offset),
    chain: 'ain-local',
    shard: '/',
  });
  t.deepEqual(
    viaThreadTask.map((c) => c.verdict),
    inline.map((c) => c.verdict),
  );
  const junk = texts.findIndex((text) => text.startsWith('{"not"'));
  t.is(viaThreadTask[junk]!.verdict!.message, `The record at offset ${1000 + 3 * junk} is not a well-formed signed tx.`);
});

test('a tx with a key named __proto__ or a key twice is refused with BAD_SCHEMA naming the path, and its record read back is junk', (t) => {
  const proto = withProtoKey(alice, 1);
  const texts = [proto, proto.replace('"__proto__"', '"\\u005f_proto__"'), withDuplicateKey(alice, 2)];
  const chunk = verifyChunk({ texts, options: { chain: 'ain-local' } });
  t.deepEqual(
    chunk.outcomes.map((o) => (typeof o === 'string' ? o : [o.code, o.message.slice(0, o.message.indexOf(':'))])),
    [
      ['BAD_SCHEMA', 'tx field "op.value.__proto__"'],
      ['BAD_SCHEMA', 'tx field "op.value.__proto__"'],
      ['BAD_SCHEMA', 'tx field "op"'],
    ],
  );
  t.is(chunk.records.byteLength, 0);
  const checked = checkRecords(
    texts.map((text, offset) => ({ offset, value: Buffer.from(text) })),
    scope,
  );
  t.deepEqual(
    checked.map((c) => [c.record.tx, c.verdict?.code]),
    texts.map(() => [null, 'BAD_SCHEMA']),
  );
});
