import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { checkTxTexts, keyPairFromSeed, recordFromSignedBytes, signTx, type KeyPair } from '../../../log/index.ts';
import type { CheckedTx, VerifyPool } from '../../../runtime/ingest/index.ts';
import { openMempool, type Mempool, type MempoolOptions } from '../../../runtime/mempool/index.ts';
import type { Op } from '../../../schemas/index.ts';

/** The verify pool's checks on this thread: the same verdicts, without worker threads. */
export const inlinePool: VerifyPool = {
  threads: 1,
  async verify(texts) {
    return [...checkTxTexts(texts, { chain: 'ain-local', shard: '/' })].map((v): CheckedTx =>
      'hash' in v ? { hash: v.hash, record: recordFromSignedBytes(v.signedBytes, v.tx.sig), isCut: v.tx.op.type === 'cut' } : v,
    );
  },
  async checkRecords() {
    throw new Error('not used');
  },
  async close() {},
};

export const keyOf = (n: number): KeyPair => keyPairFromSeed(n.toString(16).padStart(2, '0').repeat(32));

/** A signed tx's JSON text: `set_value` by default. */
export const txText = (key: KeyPair, nonce: number, op: Op = { type: 'set_value', path: `/apps/test/n${nonce}`, value: nonce }): string =>
  JSON.stringify(signTx({ key, op, nonce, time: 1_000 + nonce }));

export async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ain-mempool-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A ledger of last nonces the test moves by hand. */
export function fakeLedger() {
  const nonces = new Map<string, number>();
  return { nonces, ledgerNonce: (address: string) => nonces.get(address) ?? 0 };
}

export async function openTestMempool(t: ExecutionContext, options: Partial<MempoolOptions> & Pick<MempoolOptions, 'dir' | 'ledgerNonce'>): Promise<Mempool> {
  const mempool = await openMempool({ pool: inlinePool, limits: { maxTxs: 100, maxBytes: 1 << 20, maxTxsPerSender: 8 }, ...options });
  t.teardown(() => mempool.close());
  return mempool;
}

export const codesOf = (results: readonly ({ code: string } | { offset: number })[]) => results.map((r) => ('code' in r ? r.code : 'ok'));
