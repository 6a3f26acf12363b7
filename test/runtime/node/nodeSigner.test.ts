import test from 'ava';
import { createMemoryLog, decodeTxRecord, keyPairFromSeed, checkTx } from '../../../log/index.ts';
import { createNodeSigner, type NodeSignerOptions } from '../../../runtime/node/nodeSigner.ts';
import { AinError, isAinError } from '../../../schemas/index.ts';

// The node's own txs through the client's submit queue, appended to a memory log: in order, with
// nonces above the ledger's as it moves, and a tx the boundary would refuse stops it for good.

const key = keyPairFromSeed('09'.repeat(32));

function signer(more: Partial<NodeSignerOptions> = {}) {
  const log = createMemoryLog();
  const fatal: AinError[] = [];
  const own: { offset: number; isCut: boolean }[] = [];
  let ledger = 0;
  let clock = 1000;
  const made = createNodeSigner({
    log,
    key,
    chain: 'ain-test',
    shard: '/',
    maxTxBytes: 4096,
    now: () => clock,
    ledgerNonce: () => ledger,
    readBack: { noteOwn: (offsets, appended) => void own.push({ offset: offsets[0]!, isCut: appended[0]!.isCut }), appending: () => {} },
    onFatal: (error) => void fatal.push(error),
    ...more,
  });
  return { log, made, fatal, own, setLedger: (n: number) => (ledger = n), tick: (ms: number) => (clock += ms) };
}

test('ops are appended in order with rising nonces, never below the ledger’s as it moves', async (t) => {
  const { log, made, own, setLedger } = signer();
  const offsets = await Promise.all([
    made.submit({ type: 'cut', height: 1 }),
    made.submit({ type: 'attest', height: 1, hash: 'a'.repeat(64), genesis: 'b'.repeat(64) }),
  ]);
  setLedger(70_000); // someone else signed with the node's key
  offsets.push(await made.submit({ type: 'cut', height: 2 }));
  t.deepEqual(offsets, [0, 1, 2]);
  t.deepEqual(own, [
    { offset: 0, isCut: true },
    { offset: 1, isCut: false },
    { offset: 2, isCut: true },
  ]);
  const txs = (await log.read(0)).map((r) => decodeTxRecord(r.offset, r.value).tx!);
  t.deepEqual(
    txs.map((tx) => tx.nonce),
    [1000, 1001, 70_001],
  );
  for (const tx of txs) t.notThrows(() => checkTx(tx, { chain: 'ain-test', shard: '/' }));
});

test('the key’s nonces spent: the signer stops once (SIGNER_STOPPED), queued and later ops are refused with it', async (t) => {
  const { log, made, fatal, setLedger } = signer();
  await made.submit({ type: 'cut', height: 1 });
  setLedger(Number.MAX_SAFE_INTEGER);
  const results = await Promise.allSettled([made.submit({ type: 'cut', height: 2 }), made.submit({ type: 'cut', height: 3 })]);
  const later = await t.throwsAsync(made.submit({ type: 'cut', height: 4 }));
  t.is(fatal.length, 1, 'onFatal is told once');
  t.true(isAinError(fatal[0], 'SIGNER_STOPPED'));
  t.regex(fatal[0]!.message, /would be 9007199254740992, past the largest a tx may carry/);
  t.true(isAinError(fatal[0]!.cause, 'NONCES_SPENT'));
  for (const r of results) t.is(r.status === 'rejected' ? r.reason : undefined, fatal[0]);
  t.is(later, fatal[0]!);
  t.is((await log.read(0)).length, 1, 'nothing more was appended');
});

test('its own tx refused at the boundary (too large) stops the signer before anything is appended', async (t) => {
  const { log, made, fatal } = signer({ maxTxBytes: 100 });
  const error = await t.throwsAsync(made.submit({ type: 'cut', height: 1 }));
  t.true(isAinError(error, 'SIGNER_STOPPED'));
  t.regex(error!.message, /its own cut tx would be refused at the boundary \(TX_TOO_LARGE/);
  t.is(fatal.length, 1);
  t.is((await log.read(0)).length, 0);
});
