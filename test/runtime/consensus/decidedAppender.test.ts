import test, { type ExecutionContext } from 'ava';
import { cp, mkdir, mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Chain } from '../../../actors/index.ts';
import { openFileLog, type FileLog, type KeyPair } from '../../../log/index.ts';
import { openCommitStore, type CommitStore } from '../../../runtime/consensus/commitStore.ts';
import { createDecidedAppender, type AppendDecided } from '../../../runtime/consensus/decidedAppender.ts';
import { decidedRecords } from '../../../runtime/consensus/proposalBlocks.ts';
import { createBlockStore, type BlockStore } from '../../../runtime/node/blockStore.ts';
import { createFollower, type Follower } from '../../../runtime/node/follower.ts';
import type { Certificate, Tx } from '../../../schemas/index.ts';
import { recordSignedAgain } from '../../fixtures/ed25519Points.ts';
import { buildOn, certificateOf, genesisHash, newChain, validators } from '../../actors/chain/proposals.ts';
import { blockCuts, cutAt, framesOf, lastSegmentOf } from './logFrames.ts';

// A validator appends a decided block to its file log in one append, after saving its
// certificate. A crash in the middle of that write leaves the block's first records in the log
// as whole frames and maybe a torn one. Here a data dir with three decided blocks is cut inside
// the last block's bytes, reopened as a restarted node opens it (the log cuts the torn frame, the
// follower replays), and the block is appended again as a peer would send it in catch-up: the
// log then holds it once, byte for byte as before the crash, and the chain goes on.

interface Node {
  readonly log: FileLog;
  readonly chain: Chain;
  readonly blocks: BlockStore;
  readonly commits: CommitStore;
  readonly follower: Follower;
  readonly appendDecided: AppendDecided;
  close(): Promise<void>;
}

/** A validator's log, chain, follower and commit store on `dataDir`, replayed to the log's end. */
async function openNode(dataDir: string): Promise<Node> {
  await mkdir(join(dataDir, 'consensus'), { recursive: true });
  const log = await openFileLog({ dir: join(dataDir, 'log') });
  const chain = newChain();
  const blocks = createBlockStore();
  const follower = createFollower({ log, chain, blocks });
  const commits = await openCommitStore(dataDir, genesisHash);
  const appendDecided = createDecidedAppender({ chain, log, commits, blocks$: follower.blocks$, readBack: follower });
  follower.start();
  for (let i = 0; i < 2000 && follower.seenOffset < log.lastOffset(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (follower.seenOffset < log.lastOffset()) throw new Error(`the follower did not replay ${dataDir} in 10 s`);
  return {
    log,
    chain,
    blocks,
    commits,
    follower,
    appendDecided,
    async close() {
      await follower.stop();
      commits.close();
      await log.close();
    },
  };
}

interface Decided {
  readonly height: number;
  readonly records: Uint8Array[];
  readonly certificate: Certificate;
}

/** `proposer` builds the chain's next block on `node`; it is decided and appended. */
async function decide(node: Node, proposer: KeyPair, previous: Certificate | null): Promise<Decided> {
  const block = buildOn(node.chain, proposer, { certificate: previous });
  const decided = { height: block.header.height, records: decidedRecords(block.records), certificate: certificateOf(block.header.height, block.hash) };
  await node.appendDecided(decided.height, decided.records, decided.certificate);
  return decided;
}

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ain-decided-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A data dir with blocks 1 to 3 decided, closed as a clean stop leaves it. */
async function threeBlocks(t: { teardown(fn: () => unknown): void }) {
  const dir = await tempDir(t);
  const node = await openNode(dir);
  const one = await decide(node, validators[0]!, null);
  const two = await decide(node, validators[1]!, one.certificate);
  const three = await decide(node, validators[2]!, two.certificate);
  const last = node.blocks.get(3)!;
  await node.close();
  const segment = await lastSegmentOf(join(dir, 'log'));
  return { dir, three, last, segment: await readFile(segment), frames: (await framesOf(segment)).slice(last.header.firstOffset) };
}

for (const where of blockCuts) {
  test(`a crash ${where} of the last decided block: the torn frame is cut, the block appended again is held once, byte for byte, and the chain goes on`, async (t) => {
    const { dir, three, last, segment, frames } = await threeBlocks(t);
    t.is(frames.length, three.records.length, 'block 3 is the last in the log: its commit, 3 txs, its cut');
    const crashed = await tempDir(t);
    await cp(dir, crashed, { recursive: true });
    const { at, torn } = cutAt(where, frames);
    await truncate(await lastSegmentOf(join(crashed, 'log')), at);

    const node = await openNode(crashed);
    t.teardown(() => node.close());
    t.is(node.log.recovery !== undefined, torn, 'a torn frame is cut when the log opens, and only then');
    t.is(node.chain.ledger.height, 2, 'block 3 is not in the chain');
    t.is(node.chain.pendingCount, frames.filter((f) => f.end <= at).length, 'its whole records wait beyond block 2');
    t.is(node.commits.latest()?.height, 3, 'its certificate was saved before its records were appended');

    // The block as a peer serves it in catch-up (or as consensus decides it again).
    await node.appendDecided(3, three.records, three.certificate);
    t.is(node.chain.ledger.height, 3);
    t.is(node.blocks.get(3)?.hash, last.hash, 'the same block 3: same header, so the same state root');
    t.is(node.log.lastOffset(), last.header.lastOffset, 'its records are in the log once');
    const repaired = await readFile(await lastSegmentOf(join(crashed, 'log')));
    t.true(repaired.equals(segment), 'the log is byte for byte the one before the crash');

    await decide(node, validators[3]!, three.certificate);
    t.is(node.chain.ledger.height, 4, 'block 4 follows');
  });
}

/**
 * Block 3 cut off a copy of the three-block data dir and `beyond(writer, three)` appended where it
 * was; block 3 appended again must then be LOG_DIVERGED, with nothing appended.
 */
async function appendsNothingOver(t: ExecutionContext, beyond: (writer: Node, three: Decided) => Uint8Array[]): Promise<Node> {
  const { dir, three, frames } = await threeBlocks(t);
  const crashed = await tempDir(t);
  await cp(dir, crashed, { recursive: true });
  await truncate(await lastSegmentOf(join(crashed, 'log')), frames[0]!.start);
  const writer = await openNode(crashed);
  const pending = beyond(writer, three);
  await writer.log.append(pending);
  await writer.close();

  const node = await openNode(crashed);
  t.teardown(() => node.close());
  t.is(node.chain.pendingCount, pending.length);
  const lastOffset = node.log.lastOffset();
  const error = await t.throwsAsync(node.appendDecided(3, three.records, three.certificate));
  t.is((error as { code?: string }).code, 'LOG_DIVERGED');
  t.is(node.log.lastOffset(), lastOffset, 'nothing was appended');
  return node;
}

test('records beyond the last block that do not begin the decided block: LOG_DIVERGED, and nothing is appended', async (t) => {
  // Another block 3 (by another proposer) began in the log: no certificate decided it.
  const node = await appendsNothingOver(t, (writer) => {
    const other = buildOn(writer.chain, validators[3]!, { certificate: certificateOf(2, writer.commits.get(2)!.hash) });
    return decidedRecords(other.records).slice(0, 2);
  });
  t.is(node.chain.ledger.height, 2);
});

test('a record beyond the last block that is the decided block’s first tx signed again (the same tx hash, other bytes): LOG_DIVERGED', async (t) => {
  // Block 3's first record (its proposer's commit) with another valid signature of its proposer.
  await appendsNothingOver(t, (_, three) => {
    const commit = JSON.parse(Buffer.from(three.records[0]!).toString()) as Tx;
    const signer = validators.find((v) => v.address === commit.from)!;
    return decidedRecords([recordSignedAgain(commit, signer)]);
  });
});
