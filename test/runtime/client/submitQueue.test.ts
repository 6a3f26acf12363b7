import test from 'ava';
import { keyPairFromSeed, txHashOf } from '../../../log/index.ts';
import { createSubmitQueue, submitAndWait, type SubmitQueueOptions, type TxLanded } from '../../../runtime/client/index.ts';
import { AinError, isAinError, type Op, type Tx } from '../../../schemas/index.ts';

// One key's submit queue over a scripted append: txs reach it one batch at a time in nonce
// order, nonces follow the rule, and submitAndWait signs again above the ledger on BAD_NONCE.

const key = keyPairFromSeed('07'.repeat(32));
const op = (n: number): Op => ({ type: 'set_value', path: `/apps/q/${n}`, value: n });

/** A deferred promise, so the test decides when an append is done. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function world(more: Partial<SubmitQueueOptions<number>> = {}) {
  const appended: Tx[][] = [];
  const asked = { chain: 0, ledger: 0 };
  let ledger = 0;
  let clock = 1000;
  const queue = createSubmitQueue<number>({
    key,
    chain: () => (asked.chain++, { chain: 'ain-test', shard: '/' }),
    ledgerNonce: () => (asked.ledger++, ledger),
    now: () => clock,
    append: async (txs) => (appended.push([...txs]), appended.length),
    ...more,
  });
  return { queue, appended, asked, setLedger: (n: number) => (ledger = n), tick: (ms: number) => (clock += ms) };
}

test('txs asked for at once are signed and appended one at a time, in order, with rising nonces', async (t) => {
  const gates = [deferred<number>(), deferred<number>(), deferred<number>()];
  const called = deferred<void>();
  const order: number[] = [];
  const { queue } = world({
    append: async (txs) => {
      const n = (txs[0]!.op as { value: number }).value;
      order.push(n);
      called.resolve();
      return gates[n]!.promise;
    },
  });
  const done = [0, 1, 2].map((n) => queue.append([op(n)]));
  await called.promise;
  await new Promise(setImmediate); // every pending continuation runs: none may start the second append
  t.deepEqual(order, [0], 'the second waits for the first append');
  gates[0]!.resolve(0);
  gates[2]!.resolve(2);
  gates[1]!.resolve(1);
  const results = await Promise.all(done);
  t.deepEqual(order, [0, 1, 2]);
  t.deepEqual(
    results.map((r) => r.answer),
    [0, 1, 2],
  );
  const nonces = results.map((r) => r.txs[0]!.nonce);
  t.deepEqual(nonces, [1000, 1001, 1002], 'the clock, then one above the last in the same ms');
  t.like(results[0]!.txs[0], { chain: 'ain-test', shard: '/', time: 1000, from: key.address });
});

test('a batch is one append of consecutive nonces; the chain is asked once and the ledger once', async (t) => {
  const { queue, appended, asked, setLedger, tick } = world();
  setLedger(5000);
  await queue.append([op(1), op(2), op(3)]);
  tick(10);
  await queue.append([op(4)]);
  t.deepEqual(
    appended.map((batch) => batch.map((tx) => tx.nonce)),
    [[5001, 5002, 5003], [5004]],
  );
  t.deepEqual(asked, { chain: 1, ledger: 1 });
});

test('everySign asks the ledger before each sign: a nonce someone else spent is never signed below', async (t) => {
  const { queue, appended, asked, setLedger } = world({ readLedgerNonce: 'everySign' });
  await queue.append([op(1)]);
  setLedger(9000);
  await queue.append([op(2)]);
  t.deepEqual(
    appended.map((b) => b[0]!.nonce),
    [1000, 9001],
  );
  t.is(asked.ledger, 2);
});

test('a failed append or chain read does not stop the queue, and its nonce is not used again', async (t) => {
  let failNext = true;
  let chainFails = true;
  const { queue, appended, asked } = world({
    chain: () => {
      asked.chain++;
      if (chainFails) {
        chainFails = false;
        throw new AinError('NODE_UNREACHABLE', 'not yet');
      }
      return { chain: 'ain-test', shard: '/' };
    },
    append: async (txs) => {
      if (failNext) {
        failNext = false;
        throw new AinError('LOG_IO', 'disk');
      }
      appended.push([...txs]);
      return appended.length;
    },
  });
  await t.throwsAsync(queue.append([op(0)]), { code: 'NODE_UNREACHABLE' } as never);
  await t.throwsAsync(queue.append([op(1)]), { code: 'LOG_IO' } as never);
  const { txs } = await queue.append([op(2)]);
  t.is(txs[0]!.nonce, 1001, 'above the one signed for the failed append');
  t.is(asked.chain, 2, 'a failed chain read is asked again');
});

test('signing without appending uses a nonce up, in turn', async (t) => {
  const { queue } = world();
  const signed = await queue.sign(op(1));
  const { txs } = await queue.append([op(2)]);
  t.deepEqual([signed.nonce, txs[0]!.nonce], [1000, 1001]);
});

test('a full queue is OVERLOADED; NONCES_SPENT comes from the rule', async (t) => {
  const gate = deferred<number>();
  const { queue } = world({ queuedMax: 2, append: () => gate.promise });
  const first = queue.append([op(1)]);
  const second = queue.append([op(2)]);
  const error = await t.throwsAsync(queue.append([op(3)]));
  t.true(isAinError(error, 'OVERLOADED'), String(error));
  gate.resolve(1);
  await Promise.all([first, second]);
  const spent = world();
  spent.setLedger(Number.MAX_SAFE_INTEGER);
  await t.throwsAsync(spent.queue.append([op(1)]), { code: 'NONCES_SPENT' } as never);
});

function landedAs(outcomes: string[], seen: { hash: string; deadlineMs: number }[]) {
  return async (hash: string, deadlineMs: number): Promise<TxLanded> => {
    seen.push({ hash, deadlineMs });
    const code = outcomes.shift() ?? 'ok';
    return { hash, height: 7, index: 0, offset: 3, outcome: code === 'ok' ? { code } : { code, message: `${code} here` } };
  };
}

test('submitAndWait: BAD_NONCE signs again above the ledger (asked again), within one deadline', async (t) => {
  const { queue, appended, asked, setLedger } = world();
  const seen: { hash: string; deadlineMs: number }[] = [];
  await queue.append([op(0)]);
  setLedger(50_000); // another signer of the key went far ahead
  const result = await submitAndWait(queue, op(1), { landed: landedAs(['BAD_NONCE', 'ok'], seen), waitMs: 1000 });
  t.is(result.height, 7);
  t.deepEqual(
    seen.map((s) => s.hash),
    appended.slice(1).map((b) => txHashOf(b[0]!)),
    'each try waits for the tx it appended',
  );
  t.deepEqual(
    appended.map((b) => b[0]!.nonce),
    [1000, 1001, 50_001],
  );
  t.is(asked.ledger, 2);
  t.is(seen[0]!.deadlineMs, seen[1]!.deadlineMs, 'one deadline over all tries');
});

test('submitAndWait: BAD_NONCE every time gives up after triesMax; another refusal is its AinError', async (t) => {
  const { queue, appended } = world();
  const error = await t.throwsAsync(submitAndWait(queue, op(1), { landed: landedAs(['BAD_NONCE', 'BAD_NONCE', 'BAD_NONCE'], []), waitMs: 1000 }));
  t.true(isAinError(error, 'BAD_NONCE'));
  t.is(appended.length, 3);
  const denied = await t.throwsAsync(submitAndWait(queue, op(2), { landed: landedAs(['RULE_DENIED'], []), waitMs: 1000 }));
  t.true(isAinError(denied, 'RULE_DENIED'));
  t.is(denied!.message, 'RULE_DENIED here');
  t.is(appended.length, 4, 'a refusal other than BAD_NONCE is not signed again');
});
