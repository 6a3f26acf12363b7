import { checkTx, Ed25519PublicKey, signatureVerifier, signedBytesOf, verifyEd25519 } from '../log/index.ts';
import type { Tx } from '../schemas/index.ts';
import { asReceived, makeKeys, makeTxs, txSignedBytesTarget } from './txFixtures.ts';
import { median, medianRate, type Figure } from './measure.ts';

const keyCount = 1000;
const txCount = 4000;
const runMs = 1000;
const checkEvery = 64;
const newSenderTxs = 1000;
const options = { chain: 'ain-local', shard: '/' } as const;

/** Calls `step` on the items round-robin for `runMs` on this thread; calls per second. */
function rateOver<T>(items: readonly T[], step: (item: T) => void): number {
  let count = 0;
  let at = 0;
  const startMs = performance.now();
  let nowMs = startMs;
  while (nowMs - startMs < runMs) {
    for (let i = 0; i < checkEvery; i++) {
      step(items[at]!);
      at = at + 1 === items.length ? 0 : at + 1;
    }
    count += checkEvery;
    nowMs = performance.now();
  }
  return (count * 1000) / (nowMs - startMs);
}

/** `checkTx` over JSON-parsed envelopes; verifies per second. */
const runOnce = (inputs: readonly unknown[]) => rateOver(inputs, (input) => checkTx(input, options));

type RawItem = { msg: Buffer; key: Ed25519PublicKey; sig: Buffer };

/** Raw verifies (the verifier checkTx runs) of the same txs' signed bytes, keys prebuilt. */
const rawOnce = (items: readonly RawItem[]) =>
  rateOver(items, (item) => {
    if (!verifyEd25519(item.msg, item.sig, item.key)) throw new Error('a good signature did not verify');
  });

const rawItems = (txs: readonly Tx[]) =>
  txs.map((tx) => ({ msg: signedBytesOf(tx), key: new Ed25519PublicKey(Buffer.from(tx.pub, 'hex')), sig: Buffer.from(tx.sig, 'hex') }));

/** `checkTx` once each over txs whose senders it has never seen: its key cache misses every time. */
function newSendersOnce(): number {
  const inputs = asReceived(makeTxs(newSenderTxs, makeKeys(newSenderTxs)));
  const startMs = performance.now();
  for (const input of inputs) checkTx(input, options);
  return (inputs.length * 1000) / (performance.now() - startMs);
}

/** Our full boundary check (schema, chain, size, address, Ed25519) on one core. */
export async function benchVerifyTx(): Promise<Figure[]> {
  const txs = makeTxs(txCount, makeKeys(keyCount));
  const inputs = asReceived(txs);
  const { rate, samples } = await medianRate({ runs: 3, warmupRuns: 1 }, async () => runOnce(inputs));
  const fresh = [newSendersOnce(), newSendersOnce(), newSendersOnce()];
  // The ratio from pairs of back-to-back runs on this thread over the same txs: raw verify of
  // their signed bytes, then checkTx of their envelopes. Pairing cancels the drift of a shared VM.
  const raw = rawItems(txs);
  rawOnce(raw);
  const ratios: number[] = [];
  for (let i = 0; i < 5; i++) {
    const rawRate = rawOnce(raw);
    ratios.push(runOnce(inputs) / rawRate);
  }
  return [
    {
      name: 'verify.tx.ratio',
      value: median(ratios),
      unit: 'x',
      samples: ratios,
      note: `checkTx / raw verify (${signatureVerifier().name}) of the same signed bytes, median of 5 back-to-back pairs on one thread`,
    },
    { name: 'verify.tx.1core', value: rate, unit: 'txs/s', samples, note: `~${txSignedBytesTarget} signed bytes, ${keyCount} senders, keys cached` },
    {
      name: 'verify.tx.1core.newsender',
      value: median(fresh),
      unit: 'txs/s',
      samples: fresh,
      note: 'every tx from a sender not seen before (public key parsed)',
    },
  ];
}
