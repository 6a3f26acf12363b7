import test from 'ava';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, signVote } from '../../../log/index.ts';
import { openCommitStore } from '../../../runtime/consensus/commitStore.ts';
import type { Certificate } from '../../../schemas/index.ts';

const key = generateKeyPair();
const genesis = '9e'.repeat(32);
/** A data dir with the `consensus` folder the signing record makes before the store opens. */
async function dataDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ain-commits-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'consensus'));
  return dir;
}

const certificateOf = (height: number, signedFor = genesis): Certificate => {
  const hash = height.toString(16).padStart(64, '0');
  return { height, round: 0, hash, votes: [signVote(key, { chain: 'ain-local', shard: '/', height, round: 0, kind: 'precommit', hash }, signedFor)] };
};

test('a certificate saved before its block is appended survives a restart, and so does the one of the block before it', async (t) => {
  const dir = await dataDir(t);
  const first = await openCommitStore(dir, genesis);
  await first.keep(1, certificateOf(1));
  // Killed after saving block 2's certificate, before block 2 reached the log: the log ends at 1.
  await first.save(2, certificateOf(2));
  first.close();

  const reopened = await openCommitStore(dir, genesis);
  t.deepEqual(reopened.get(1), certificateOf(1), 'the certificate of the log’s last block');
  t.deepEqual(reopened.get(2), certificateOf(2));
  await reopened.keep(2, certificateOf(2));
  await reopened.save(3, certificateOf(3));
  reopened.close();
  const again = await openCommitStore(dir, genesis);
  t.is(again.get(1), undefined, 'two kept on disk, no more');
  t.deepEqual(again.get(2), certificateOf(2));
  t.is(again.latest()?.height, 3);
  again.close();
});

test('keep announces each newer certificate once', async (t) => {
  const dir = await dataDir(t);
  const store = await openCommitStore(dir, genesis);
  const seen: number[] = [];
  store.commits$.subscribe((commit) => seen.push(commit.height));
  await store.save(1, certificateOf(1));
  await store.keep(1, certificateOf(1));
  await store.keep(1, certificateOf(1));
  await store.keep(2, certificateOf(2));
  t.deepEqual(seen, [1, 2]);
  store.close();
});

test('a certificate kept for the chain of another genesis is not taken (its height would hide this chain’s) but set aside, and taken back when the dir runs that chain again', async (t) => {
  const dir = await dataDir(t);
  const other = '7c'.repeat(32);
  const old = await openCommitStore(dir, other);
  await old.keep(500, certificateOf(500, other));
  old.close();

  const relaunched = await openCommitStore(dir, genesis);
  t.is(relaunched.latest(), null);
  t.is(relaunched.get(500), undefined);
  const seen: number[] = [];
  relaunched.commits$.subscribe((commit) => seen.push(commit.height));
  await relaunched.keep(1, certificateOf(1));
  t.deepEqual(seen, [1], 'this chain’s first block is announced');
  relaunched.close();
  t.is((await openCommitStore(dir, genesis)).latest()?.height, 1);

  // Back on the first chain: the certificate of its last block again, which its next proposal needs.
  const back = await openCommitStore(dir, other);
  t.deepEqual(back.get(500), certificateOf(500, other));
  t.is(back.latest()?.height, 500);
  await back.keep(501, certificateOf(501, other));
  back.close();
  // And back again on each: the newest of each chain.
  t.is((await openCommitStore(dir, genesis)).latest()?.height, 1);
  t.is((await openCommitStore(dir, other)).latest()?.height, 501);
});
