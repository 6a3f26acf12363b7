import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { applyReadModels } from '../../../projections/index.ts';
import { restore } from '../../../runtime/node/restore.ts';
import { createSnapshotStore, nodeSnapshotOf, type NodeSnapshot } from '../../../runtime/node/snapshotStore.ts';
import { key, TestChain } from '../../actors/ledger/chain.ts';

// Restart from snapshots: the newest usable one wins; a corrupt, foreign or too-new one is
// reported (file and reason) and skipped, down to genesis when none is usable.
const owner = key(41);
const genesisInput = {
  chain: 'ain-test',
  owner: owner.address,
  accounts: { [owner.address]: { balance: '100', stake: '10' } },
  proposers: [owner.address],
  block: {},
};

/** A chain of `heights` blocks and a snapshot of it after each. */
function chainWithSnapshots(heights: number): { chain: TestChain; snapshots: NodeSnapshot[] } {
  const chain = new TestChain(genesisInput);
  const snapshots: NodeSnapshot[] = [];
  for (let h = 1; h <= heights; h++) {
    chain.block([chain.tx(owner, { type: 'set_value', path: `/apps/x/${h}`, value: h })]);
    snapshots.push(nodeSnapshotOf(chain.chain.snapshot()));
  }
  return { chain, snapshots };
}

/** A logger that keeps its warnings. */
function recordingLogger(): { logger: pino.Logger; warnings: { file: string; reason: string }[] } {
  const warnings: { file: string; reason: string }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as { file: string; reason: string }) });
  return { logger, warnings };
}

async function storeDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ain-restore-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('the newest snapshot is loaded: same height, root and cutter position', async (t) => {
  const dir = await storeDir(t);
  const { chain, snapshots } = chainWithSnapshots(3);
  const store = createSnapshotStore(dir, 5);
  for (const s of snapshots) await store.write(s);
  const { logger, warnings } = recordingLogger();
  const restored = await restore(store, chain.ledger.genesis, 10, logger);
  t.is(restored.fromHeight, 3);
  t.is(restored.chain.ledger.tree.root(), chain.ledger.tree.root());
  t.deepEqual(restored.chain.position, snapshots[2]!.position);
  t.deepEqual(warnings, []);
});

test('a corrupt snapshot (flipped byte, truncated, tampered value) is reported and skipped for an older one', async (t) => {
  const dir = await storeDir(t);
  const { chain, snapshots } = chainWithSnapshots(4);
  const store = createSnapshotStore(dir, 5);
  for (const s of snapshots) await store.write(s);
  const file = (h: number) => join(dir, `${String(h).padStart(12, '0')}.json`);
  // 4: not JSON any more; 3: cut short; 2: a balance changed without its root.
  const four = await readFile(file(4));
  four[0] = 0x7b ^ 0xff;
  await writeFile(file(4), four);
  await writeFile(file(3), (await readFile(file(3))).subarray(0, 100));
  await writeFile(file(2), (await readFile(file(2), 'utf8')).replace('"balance":"100"', '"balance":"900"'));

  const { logger, warnings } = recordingLogger();
  const restored = await restore(store, chain.ledger.genesis, 10, logger);
  t.is(restored.fromHeight, 1);
  t.deepEqual(restored.chain.position, snapshots[0]!.position);
  t.deepEqual(
    warnings.map((w) => w.file),
    [file(4), file(3), file(2)],
  );
  for (const w of warnings) t.true(w.reason.length > 10, w.reason);
  t.regex(warnings[2]!.reason, /root|hash/i);
});

test('a snapshot without the job projections (from an older node) is skipped, so they never start empty', async (t) => {
  const dir = await storeDir(t);
  const { chain, snapshots } = chainWithSnapshots(2);
  const store = createSnapshotStore(dir, 5);
  await store.write(snapshots[0]!);
  const { projections: _dropped, ...older } = snapshots[1]!;
  await store.write(older);
  const { logger, warnings } = recordingLogger();
  const restored = await restore(store, chain.ledger.genesis, 10, logger);
  t.is(restored.fromHeight, 1);
  t.regex(warnings[0]!.reason, /projections/);
});

test('snapshots of another chain, or past the end of the log, are skipped; none usable means genesis', async (t) => {
  const dir = await storeDir(t);
  const { chain, snapshots } = chainWithSnapshots(2);
  const other = new TestChain({ ...genesisInput, chain: 'ain-other' });
  const store = createSnapshotStore(dir, 5);
  // Height 1 claims a log position past the log's end (a log restored from an older copy).
  await store.write({ ...snapshots[0]!, position: { ...snapshots[0]!.position, lastOffset: 5 } });
  await store.write({ ...snapshots[1]!, ledger: { ...snapshots[1]!.ledger, genesisHash: other.ledger.genesisHash } });

  const { logger, warnings } = recordingLogger();
  const restored = await restore(store, chain.ledger.genesis, 1, logger);
  t.is(restored.fromHeight, 0);
  t.is(restored.chain.ledger.height, 0);
  t.is(restored.chain.position.prevHash, chain.ledger.genesisHash);
  t.is(warnings.length, 2);
  t.regex(warnings[0]!.reason, /genesis/);
  t.regex(warnings[1]!.reason, /past the log/);
});

test('on a log the data dir does not hold (Kafka), a snapshot of this chain past the log’s end is refused, not skipped: the log is not the one the node was on', async (t) => {
  const dir = await storeDir(t);
  const { chain, snapshots } = chainWithSnapshots(2);
  const other = new TestChain({ ...genesisInput, chain: 'ain-other' });
  const store = createSnapshotStore(dir, 5);
  await store.write({ ...snapshots[0]!, position: { ...snapshots[0]!.position, lastOffset: 5 } });
  // Another chain's, past the end too: skipped as before, never the reason.
  await store.write({
    ...snapshots[1]!,
    position: { ...snapshots[1]!.position, lastOffset: 9 },
    ledger: { ...snapshots[1]!.ledger, genesisHash: other.ledger.genesisHash },
  });
  const { logger } = recordingLogger();
  const refusal = (found: { height: number; lastOffset: number }) => new Error(`past the topic: block ${found.height} at ${found.lastOffset}`);
  await t.throwsAsync(restore(store, chain.ledger.genesis, 1, logger, refusal), { message: 'past the topic: block 1 at 5' });
  const within = await restore(store, chain.ledger.genesis, 5, logger, refusal);
  t.is(within.fromHeight, 1, 'a log that reaches it: resumed from it');
});

test('the reputation projection rates with the genesis’s Elo K (jobs.eloK), 32 without one', async (t) => {
  const dir = await storeDir(t);
  const store = createSnapshotStore(dir, 5);
  const { logger } = recordingLogger();
  const plain = new TestChain(genesisInput);
  t.is((await restore(store, plain.ledger.genesis, 0, logger)).chain.readModels.reputation.kFactor, 32);
  const sixteen = new TestChain({ ...genesisInput, jobs: { eloK: 16 } });
  const restored = await restore(store, sixteen.ledger.genesis, 0, logger);
  t.is(restored.chain.readModels.reputation.kFactor, 16);
  const job = 'a'.repeat(64);
  applyReadModels(restored.chain.readModels, [
    {
      type: 'ranked',
      job,
      request: 'b'.repeat(64),
      evaluator: '0x' + 'e'.repeat(40),
      ranking: ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40)],
      time: 1,
      height: 1,
    },
  ]);
  const nodes = restored.chain.readModels.reputation.jobs[job]?.nodes ?? {};
  t.is(nodes['0x' + '1'.repeat(40)]?.rating, 1508);
  t.is(nodes['0x' + '2'.repeat(40)]?.rating, 1492);
});
