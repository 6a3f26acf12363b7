import test from 'ava';
import { encodeTxRecord, signTx, type LogRecord } from '../../../log/index.ts';
import { createVerifyPool } from '../../../runtime/ingest/index.ts';
import { checkLogRecords } from '../../../runtime/node/checkRecords.ts';
import { key } from '../../actors/ledger/chain.ts';
import { withDuplicateKey, withProtoKey } from '../../fixtures/ambiguousTxs.ts';

// Records read back from a log are checked on the verify threads or, without a pool, on the
// node's own thread: the verdicts, sentences included, must not depend on which.
const alice = key(61);
const bob = key(62);

function records(): LogRecord[] {
  const good = signTx({ key: alice, op: { type: 'set_value', path: '/apps/x', value: 1 }, nonce: 1, time: 1 });
  const forged = { ...good, sig: signTx({ key: bob, op: { type: 'stake', amount: '1' }, nonce: 1, time: 1 }).sig };
  const values: Uint8Array[] = [
    encodeTxRecord(good),
    Buffer.from('not a tx'),
    encodeTxRecord(forged),
    encodeTxRecord({ ...good, chain: 'elsewhere' }),
    Buffer.from('{"v":1}'),
    Buffer.from(withProtoKey(alice, 2)),
    Buffer.from(withDuplicateKey(alice, 3)),
  ];
  // Offsets far from 0 and not consecutive, as a follower that skips its own records sees them.
  return values.map((value, i) => ({ offset: 5000 + 7 * i, value }));
}

test('verify threads and the inline check give the same verdicts and sentences, each naming the record’s own offset', async (t) => {
  const pool = createVerifyPool({ threads: 1 });
  t.teardown(() => pool.close());
  const given = records();
  const scope = { chain: 'ain-local', shard: '/' };
  const onThreads = await checkLogRecords(given, scope, pool);
  const inline = await checkLogRecords(given, scope);
  t.deepEqual(
    onThreads.map((c) => [c.record.offset, c.record.hash, c.verdict]),
    inline.map((c) => [c.record.offset, c.record.hash, c.verdict]),
  );
  t.deepEqual(
    inline.map((c) => c.verdict?.code ?? 'ok'),
    ['ok', 'BAD_SCHEMA', 'BAD_SIGNATURE', 'WRONG_CHAIN', 'BAD_SCHEMA', 'BAD_SCHEMA', 'BAD_SCHEMA'],
  );
  t.is(onThreads[1]!.verdict!.message, 'The record at offset 5007 is not a well-formed signed tx.');
  t.is(onThreads[4]!.verdict!.message, 'The record at offset 5028 is not a well-formed signed tx.');
});
