import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { keyPairFromSeed, signTx } from '../../../log/index.ts';
import { createVerifyPool, type CheckedTx } from '../../../runtime/ingest/index.ts';
import { noRequireEsm, workerExecArgv } from '../../../runtime/ingest/verifyPool.ts';
import { isAinError } from '../../../schemas/index.ts';
import { withProtoKey } from '../../fixtures/ambiguousTxs.ts';

// The verify pool's threads take the process's module loaders (tsx) but not its V8 and process
// flags: a node started with heap or tracing flags (which a worker thread refuses) still verifies.
test('a process started with V8 heap and GC flags still starts its verify threads and verifies', async (t) => {
  const script = `
    import { createVerifyPool } from './runtime/ingest/index.ts';
    import { keyPairFromSeed, signTx } from './log/index.ts';
    const pool = createVerifyPool({ threads: 2, chain: 'ain-local' });
    const tx = signTx({ key: keyPairFromSeed('22'.repeat(32)), op: { type: 'set_value', path: '/apps/x', value: 1 }, nonce: 1, time: 1 });
    const [checked] = await pool.verify([JSON.stringify(tx)]);
    await pool.close();
    console.log('hash' in checked ? 'verified' : checked.code);
  `;
  const root = process.cwd();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--max-semi-space-size=32', '--max-old-space-size=2048', '--trace-gc', '--import=tsx', '--input-type=module', '-e', script],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  );
  t.regex(stdout, /^verified$/m);
});

test('verify threads run with require(esm) off: piscina then imports the worker file (require(esm) killed a worker now and then on Node 20)', (t) => {
  t.true(workerExecArgv().includes(noRequireEsm));
});

// `threads: 'none'` (AIN_VERIFY_THREADS=none): the same checks on the caller's thread, a chunk a
// turn of the event loop, answers identical to the threads', bounded as the threads' queue is.
const alice = keyPairFromSeed('31'.repeat(32));
const bob = keyPairFromSeed('32'.repeat(32));

/** 300 txs (three inline chunks) of every kind of verdict, in a mixed order. */
function mixedTexts(): string[] {
  return Array.from({ length: 300 }, (_, i) => {
    const tx = signTx({ key: alice, op: { type: 'set_value', path: `/apps/x/${i}`, value: i }, nonce: i + 1, time: 1 });
    switch (i % 6) {
      case 1:
        return 'not json';
      case 2:
        return JSON.stringify({ ...tx, sig: signTx({ key: bob, op: { type: 'stake', amount: '1' }, nonce: 1, time: 1 }).sig });
      case 3:
        return JSON.stringify({ ...tx, chain: 'elsewhere' });
      case 4:
        return withProtoKey(alice, i + 1);
      case 5: {
        const { sig, ...unsigned } = tx;
        return JSON.stringify({ sig, ...unsigned }, null, 1); // not canonical (its record is)
      }
      default:
        return JSON.stringify(tx);
    }
  });
}

const answers = (checked: readonly CheckedTx[]) =>
  checked.map((c) => ('code' in c ? [c.code, c.message] : [c.hash, Buffer.from(c.record).toString(), c.isCut, c.sender]));

test('with no verify threads the checks run on this thread and answer as the threads do, in order', async (t) => {
  const threads = createVerifyPool({ threads: 1, chain: 'ain-local' });
  const inline = createVerifyPool({ threads: 'none', chain: 'ain-local' });
  t.teardown(() => Promise.all([threads.close(), inline.close()]));
  t.is(inline.threads, 0);
  const texts = mixedTexts();
  const [onThreads, here] = await Promise.all([threads.verify(texts), inline.verify(texts)]);
  t.deepEqual(answers(here), answers(onThreads));
  t.deepEqual(
    here.slice(0, 6).map((c) => ('code' in c ? c.code : 'ok')),
    ['ok', 'BAD_JSON', 'BAD_SIGNATURE', 'WRONG_CHAIN', 'BAD_SCHEMA', 'ok'],
  );
  const records = here.flatMap((c, offset) => ('code' in c ? [] : [{ offset, value: c.record }]));
  const scope = { chain: 'ain-local', shard: '/' };
  t.deepEqual(await inline.checkRecords(records, scope), await threads.checkRecords(records, scope));
});

test('with no verify threads a big batch is checked a chunk a turn, so the event loop runs between; a verify while too many are in hand is OVERLOADED, a record check never', async (t) => {
  const inline = createVerifyPool({ threads: 'none', chain: 'ain-local', maxQueuedChunks: 1 });
  t.teardown(() => inline.close());
  const texts = mixedTexts();
  let turnsBetween = 0;
  const ticking = setInterval(() => turnsBetween++, 0);
  const first = inline.verify(texts); // three chunks in one call, more than the bound counts: taken
  const refused = await t.throwsAsync(inline.verify(texts.slice(0, 1)));
  t.true(isAinError(refused, 'OVERLOADED'), String(refused));
  const good = (await first).flatMap((c, offset) => ('code' in c ? [] : [{ offset, value: c.record }]));
  const second = inline.verify(texts);
  const records = await inline.checkRecords(good, { chain: 'ain-local', shard: '/' }); // the node's own log: never refused
  t.is(records.length, good.length);
  t.is((await second).length, 300);
  clearInterval(ticking);
  t.true(turnsBetween > 0, 'a timer ran while the batches were being checked');
  t.is((await inline.verify(texts.slice(0, 1))).length, 1, 'taken again once none is in hand');
});
