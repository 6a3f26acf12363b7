import test from 'ava';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, signProposal, signVote } from '../../../log/index.ts';
import { openSigningRecord, signingRecordPath } from '../../../runtime/consensus/index.ts';
import { isAinError, type LastSigned } from '../../../schemas/index.ts';

const key = generateKeyPair();
const hash = 'ab'.repeat(32);
const vote = (height: number, round: number) => signVote(key, { chain: 'ain-local', shard: '/', height, round, kind: 'prevote', hash }, '9e'.repeat(32));
const lastOf = (height: number, round: number): LastSigned => ({ height, round, step: 'prevote', hash, lockedRound: -1, lockedHash: null });

async function dataDir(t: { teardown(f: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ain-signing-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a fresh data dir has signed nothing; what is kept is on disk (mode 0600) and read back after a reopen, with the votes of its height', async (t) => {
  const dir = await dataDir(t);
  const record = await openSigningRecord(dir);
  t.deepEqual(record.loaded, { lastSigned: null, proposals: [], votes: [], locked: null });
  await record.keep(lastOf(3, 0), { vote: vote(3, 0) });
  await record.keep(lastOf(3, 1), { vote: vote(3, 1) });
  t.is((await stat(signingRecordPath(dir))).mode & 0o777, 0o600);
  const again = await openSigningRecord(dir);
  t.deepEqual(again.loaded.lastSigned, lastOf(3, 1));
  t.deepEqual(again.loaded.votes, [vote(3, 0), vote(3, 1)]);
});

test('a new height starts the kept messages afresh', async (t) => {
  const dir = await dataDir(t);
  const record = await openSigningRecord(dir);
  await record.keep(lastOf(3, 0), { vote: vote(3, 0) });
  await record.keep(lastOf(4, 0), { vote: vote(4, 0) });
  t.deepEqual((await openSigningRecord(dir)).loaded.votes, [vote(4, 0)]);
});

test('the block a precommit locks on is kept with its polka until the height changes; a record from before it was kept reads as none', async (t) => {
  const dir = await dataDir(t);
  const record = await openSigningRecord(dir);
  const proposal = signProposal(key, { chain: 'ain-local', shard: '/', height: 3, round: 0, validRound: -1, block: { hash, height: 3 } }, '9e'.repeat(32));
  const precommit = signVote(key, { chain: 'ain-local', shard: '/', height: 3, round: 0, kind: 'precommit', hash }, '9e'.repeat(32));
  const locked = { ...lastOf(3, 0), step: 'precommit' as const, lockedRound: 0, lockedHash: hash };
  await record.keep(locked, { vote: precommit }, { proposal, polka: [vote(3, 0)] });
  await record.keep({ ...locked, round: 1, step: 'prevote' }, { vote: vote(3, 1) });
  t.deepEqual((await openSigningRecord(dir)).loaded.locked, { proposal, polka: [vote(3, 0)] }, 'a later vote of the height keeps it');
  await record.keep(lastOf(4, 0), { vote: vote(4, 0) });
  t.is((await openSigningRecord(dir)).loaded.locked, null, 'the next height starts without');

  await writeFile(signingRecordPath(dir), JSON.stringify({ lastSigned: lastOf(3, 0), proposals: [], votes: [vote(3, 0)] }));
  t.is((await openSigningRecord(dir)).loaded.locked, null);
});

test('a record that does not parse is BAD_SIGNING_RECORD, never taken for "nothing signed"', async (t) => {
  const dir = await dataDir(t);
  await openSigningRecord(dir);
  for (const text of ['{"lastSigned":', JSON.stringify({ lastSigned: { height: 0 }, proposals: [], votes: [] })]) {
    await writeFile(signingRecordPath(dir), text);
    const error = await t.throwsAsync(openSigningRecord(dir));
    t.true(isAinError(error, 'BAD_SIGNING_RECORD'), error?.message);
  }
  t.true((await readFile(signingRecordPath(dir), 'utf8')).length > 0, 'the file is left for the operator');
});
