import test from 'ava';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, signProposal, signVote } from '../../../log/index.ts';
import { openSigningRecord, setAsideRecordPath, signingRecordPath } from '../../../runtime/consensus/index.ts';
import { isAinError, type LastSigned } from '../../../schemas/index.ts';

const key = generateKeyPair();
const hash = 'ab'.repeat(32);
const genesis = '9e'.repeat(32);
const vote = (height: number, round: number, signedFor = genesis) =>
  signVote(key, { chain: 'ain-local', shard: '/', height, round, kind: 'prevote', hash }, signedFor);
const lastOf = (height: number, round: number): LastSigned => ({ height, round, step: 'prevote', hash, lockedRound: -1, lockedHash: null });

async function dataDir(t: { teardown(f: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ain-signing-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a fresh data dir has signed nothing; what is kept is on disk (mode 0600) and read back after a reopen, with the votes of its height', async (t) => {
  const dir = await dataDir(t);
  const record = await openSigningRecord(dir, genesis);
  t.deepEqual(record.loaded, { lastSigned: null, proposals: [], votes: [], locked: null });
  await record.keep(lastOf(3, 0), { vote: vote(3, 0) });
  await record.keep(lastOf(3, 1), { vote: vote(3, 1) });
  t.is((await stat(signingRecordPath(dir))).mode & 0o777, 0o600);
  const again = await openSigningRecord(dir, genesis);
  t.deepEqual(again.loaded.lastSigned, lastOf(3, 1));
  t.deepEqual(again.loaded.votes, [vote(3, 0), vote(3, 1)]);
});

test('a new height starts the kept messages afresh', async (t) => {
  const dir = await dataDir(t);
  const record = await openSigningRecord(dir, genesis);
  await record.keep(lastOf(3, 0), { vote: vote(3, 0) });
  await record.keep(lastOf(4, 0), { vote: vote(4, 0) });
  t.deepEqual((await openSigningRecord(dir, genesis)).loaded.votes, [vote(4, 0)]);
});

test('the block a precommit locks on is kept with its polka until the height changes; a record from before it was kept reads as none', async (t) => {
  const dir = await dataDir(t);
  const record = await openSigningRecord(dir, genesis);
  const proposal = signProposal(key, { chain: 'ain-local', shard: '/', height: 3, round: 0, validRound: -1, block: { hash, height: 3 } }, '9e'.repeat(32));
  const precommit = signVote(key, { chain: 'ain-local', shard: '/', height: 3, round: 0, kind: 'precommit', hash }, '9e'.repeat(32));
  const locked = { ...lastOf(3, 0), step: 'precommit' as const, lockedRound: 0, lockedHash: hash };
  await record.keep(locked, { vote: precommit }, { proposal, polka: [vote(3, 0)] });
  await record.keep({ ...locked, round: 1, step: 'prevote' }, { vote: vote(3, 1) });
  t.deepEqual((await openSigningRecord(dir, genesis)).loaded.locked, { proposal, polka: [vote(3, 0)] }, 'a later vote of the height keeps it');
  await record.keep(lastOf(4, 0), { vote: vote(4, 0) });
  t.is((await openSigningRecord(dir, genesis)).loaded.locked, null, 'the next height starts without');

  await writeFile(signingRecordPath(dir), JSON.stringify({ lastSigned: lastOf(3, 0), proposals: [], votes: [vote(3, 0)] }));
  t.is((await openSigningRecord(dir, genesis)).loaded.locked, null);
});

test('a record that does not parse is BAD_SIGNING_RECORD, never taken for "nothing signed"', async (t) => {
  const dir = await dataDir(t);
  await openSigningRecord(dir, genesis);
  for (const text of ['{"lastSigned":', JSON.stringify({ lastSigned: { height: 0 }, proposals: [], votes: [] })]) {
    await writeFile(signingRecordPath(dir), text);
    const error = await t.throwsAsync(openSigningRecord(dir, genesis));
    t.true(isAinError(error, 'BAD_SIGNING_RECORD'), error?.message);
  }
  t.true((await readFile(signingRecordPath(dir), 'utf8')).length > 0, 'the file is left for the operator');
});

test('a record is its chain’s: another genesis’s is set aside, kept whole, and taken back when the dir runs that chain again', async (t) => {
  const dir = await dataDir(t);
  const other = '7c'.repeat(32);
  const first = await openSigningRecord(dir, genesis);
  await first.keep(lastOf(500, 2), { vote: vote(500, 2) });
  const kept = await readFile(signingRecordPath(dir), 'utf8');

  // The same dir on a chain of another genesis (a relaunch): height 500 of the first no longer bars height 1 here.
  const relaunched = await openSigningRecord(dir, other);
  t.deepEqual(relaunched.loaded, { lastSigned: null, proposals: [], votes: [], locked: null });
  t.is(await readFile(setAsideRecordPath(dir, genesis), 'utf8'), kept, 'the first chain’s record, byte for byte');
  t.is((await stat(setAsideRecordPath(dir, genesis))).mode & 0o777, 0o600);
  await relaunched.keep(lastOf(1, 0), { vote: vote(1, 0, other) });
  t.like(JSON.parse(await readFile(signingRecordPath(dir), 'utf8')), { genesis: other, lastSigned: lastOf(1, 0) });
  t.is(await readFile(setAsideRecordPath(dir, genesis), 'utf8'), kept, 'never overwritten by the other chain');
  // Reopened before it signed anything more (a crash): the same.
  t.deepEqual((await openSigningRecord(dir, other)).loaded.lastSigned, lastOf(1, 0));

  // Back on the first chain: its record again, so nothing it signed can be contradicted; it signs on.
  const back = await openSigningRecord(dir, genesis);
  t.deepEqual(back.loaded.lastSigned, lastOf(500, 2));
  t.deepEqual(back.loaded.votes, [vote(500, 2)]);
  t.like(JSON.parse(await readFile(setAsideRecordPath(dir, other), 'utf8')), { genesis: other, lastSigned: lastOf(1, 0) });
  await back.keep(lastOf(501, 0), { vote: vote(501, 0) });
  // Away and back once more: the newest of each chain, never the copy set aside before it signed on.
  t.deepEqual((await openSigningRecord(dir, other)).loaded.lastSigned, lastOf(1, 0));
  t.deepEqual((await openSigningRecord(dir, genesis)).loaded.lastSigned, lastOf(501, 0));
});

test('a record from before records named their genesis is this chain’s if its messages verify with it, else set aside until a chain they verify with runs', async (t) => {
  const dir = await dataDir(t);
  const other = '7c'.repeat(32);
  const legacy = JSON.stringify({ lastSigned: lastOf(7, 0), proposals: [], votes: [vote(7, 0)], locked: null });
  await openSigningRecord(dir, genesis); // makes consensus/
  await writeFile(signingRecordPath(dir), legacy);
  t.deepEqual((await openSigningRecord(dir, genesis)).loaded.lastSigned, lastOf(7, 0), 'its vote verifies with this genesis');

  const relaunched = await openSigningRecord(dir, other);
  t.is(relaunched.loaded.lastSigned, null, 'signed for another chain: not this one’s');
  const aside = (await readdir(join(dir, 'consensus'))).filter((name) => name.startsWith('signed-unknown-'));
  t.is(aside.length, 1);
  t.is(await readFile(join(dir, 'consensus', aside[0]!), 'utf8'), legacy);
  await relaunched.keep(lastOf(1, 0), { vote: vote(1, 0, other) });
  t.deepEqual((await openSigningRecord(dir, genesis)).loaded.lastSigned, lastOf(7, 0), 'back on its chain, found by its signatures');
});

test('a record set aside under this chain’s name that names another genesis is BAD_SIGNING_RECORD', async (t) => {
  const dir = await dataDir(t);
  const other = '7c'.repeat(32);
  const record = await openSigningRecord(dir, other);
  await record.keep(lastOf(1, 0), { vote: vote(1, 0, other) });
  await writeFile(setAsideRecordPath(dir, genesis), await readFile(signingRecordPath(dir)));
  const error = await t.throwsAsync(openSigningRecord(dir, genesis));
  t.true(isAinError(error, 'BAD_SIGNING_RECORD'), String(error));
});

test('of several records set aside before records named their genesis, the newest its messages verify with is taken', async (t) => {
  const dir = await dataDir(t);
  const other = '7c'.repeat(32);
  const running = await openSigningRecord(dir, other);
  await running.keep(lastOf(1, 0), { vote: vote(1, 0, other) });
  const legacy = (height: number) => JSON.stringify({ lastSigned: lastOf(height, 0), proposals: [], votes: [vote(height, 0)], locked: null });
  await writeFile(join(dir, 'consensus', `signed-unknown-${'b'.repeat(16)}.json`), legacy(7));
  await writeFile(join(dir, 'consensus', `signed-unknown-${'a'.repeat(16)}.json`), legacy(9));
  await writeFile(join(dir, 'consensus', `signed-unknown-${'c'.repeat(16)}.json`), legacy(8));
  t.deepEqual((await openSigningRecord(dir, genesis)).loaded.lastSigned, lastOf(9, 0));
});

test('whether this node signed a message of its key: yes when its record holds it, no past its last signature or at that height and not held, unknown before', async (t) => {
  const dir = await dataDir(t);
  const record = await openSigningRecord(dir, genesis);
  const other = 'cd'.repeat(32);
  t.false(record.signed({ vote: vote(3, 0) }), 'nothing signed yet: any message of the key is another node’s');
  const proposal = signProposal(key, { chain: 'ain-local', shard: '/', height: 3, round: 0, validRound: -1, block: { hash, height: 3 } }, genesis);
  await record.keep({ ...lastOf(3, 0), step: 'propose' }, { proposal });
  await record.keep(lastOf(3, 0), { vote: vote(3, 0) });
  await record.keep(lastOf(3, 1), { vote: vote(3, 1) });
  t.true(record.signed({ vote: vote(3, 0) }));
  t.true(record.signed({ proposal }));
  t.false(
    record.signed({ vote: signVote(key, { chain: 'ain-local', shard: '/', height: 3, round: 0, kind: 'prevote', hash: other }, genesis) }),
    'another hash at a step it signed',
  );
  t.false(
    record.signed({
      proposal: signProposal(key, { chain: 'ain-local', shard: '/', height: 3, round: 1, validRound: -1, block: { hash: other, height: 3 } }, genesis),
    }),
    'a proposal of its last height it never made',
  );
  t.false(record.signed({ vote: vote(3, 2) }), 'past its last signature');
  t.false(record.signed({ vote: vote(4, 0) }));
  await record.keep(lastOf(5, 0), { vote: vote(5, 0) });
  t.is(record.signed({ vote: vote(3, 0) }), undefined, 'an earlier height: its messages are no longer kept');
  const reopened = await openSigningRecord(dir, genesis);
  t.true(reopened.signed({ vote: vote(5, 0) }), 'after a restart, from the file');
});

test('a signature before the last one kept is refused: the record never goes back', async (t) => {
  const dir = await dataDir(t);
  const record = await openSigningRecord(dir, genesis);
  await record.keep(lastOf(3, 1), { vote: vote(3, 1) });
  await t.throwsAsync(record.keep(lastOf(3, 0), { vote: vote(3, 0) }), { message: /comes before .* kept already: not signed/ });
  await record.keep(lastOf(3, 1), { vote: vote(3, 1) }); // the very vote again (a restarted node resends it)
  t.deepEqual((await openSigningRecord(dir, genesis)).loaded.lastSigned, lastOf(3, 1));
});
