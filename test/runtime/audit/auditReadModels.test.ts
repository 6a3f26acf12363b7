import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createChain, genesisHashOf, parseGenesis } from '../../../actors/index.ts';
import { checkRecord, decodeTxRecord, encodeTxRecord, openFileLog, signTx, type KeyPair } from '../../../log/index.ts';
import type { ReadModels } from '../../../projections/index.ts';
import type { Op } from '../../../schemas/index.ts';
import { auditDataDir } from '../../../runtime/audit/index.ts';
import { createSnapshotStore, nodeSnapshotOf } from '../../../runtime/node/snapshotStore.ts';
import { markDataDir } from '../../../runtime/node/dataDirProtocol.ts';
import { key } from '../../actors/ledger/chain.ts';

// The read models a node stores in its snapshots are audited too: a data dir written as a node
// writes it (its file log, genesis and a snapshot of its chain at some heights), one reputation or
// dashboard entry changed in one snapshot, and the audit names the height, part, job, node and field.

const admin = key(81);
const worker = key(82);
const genesis = parseGenesis({
  chain: 'ain-test',
  owner: admin.address,
  accounts: { [admin.address]: { balance: '1000', stake: '10' }, [worker.address]: { balance: '1000' } },
  proposers: [admin.address],
  block: {},
});
const schemaText = 'syntax = "proto3"; service Worker { rpc Calc (Req) returns (Res); } message Req { double y = 1; } message Res { double x = 1; }';
const bin = join(process.cwd(), 'bin', 'ain.js');
const snapshotFile = (dir: string, height: number) => join(dir, 'snapshots', `${String(height).padStart(12, '0')}.json`);

/** A data dir with a job registered (block 1), its worker approved (2) and a send (3); snapshots at 2 and 3. */
async function dataDir(t: { teardown(fn: () => Promise<void>): void }): Promise<{ dir: string; job: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ain-audit-models-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const nonces = new Map<string, number>();
  const tx = (from: KeyPair, op: Op, time = 1000) => {
    const nonce = (nonces.get(from.address) ?? 0) + 1;
    nonces.set(from.address, nonce);
    return encodeTxRecord(signTx({ key: from, op, nonce, time, chain: genesis.chain }));
  };
  const values = [tx(admin, { type: 'registerJob', job_specification: schemaText })];
  const job = decodeTxRecord(0, values[0]!).hash;
  values.push(
    tx(worker, { type: 'applyJob', job_id: job, role: 'worker' }),
    tx(admin, { type: 'cut', height: 1 }, 2000),
    tx(admin, { type: 'approveNode', job_id: job, node: worker.address, role: 'worker' }),
    tx(admin, { type: 'cut', height: 2 }, 3000),
    tx(worker, { type: 'send', to: admin.address, amount: '1' }),
    tx(admin, { type: 'cut', height: 3 }, 4000),
  );
  const log = await openFileLog({ dir: join(dir, 'log') });
  await log.append(values);
  await log.close();
  await writeFile(join(dir, 'genesis.json'), JSON.stringify(genesis));
  await markDataDir(dir, genesisHashOf(genesis)); // as a node marks the data dir it makes
  const chain = createChain({ genesis });
  const snapshots = createSnapshotStore(join(dir, 'snapshots'));
  for (const [offset, value] of values.entries()) {
    const record = decodeTxRecord(offset, value);
    const step = chain.push({ record, verdict: checkRecord(record, genesis) });
    if (step !== null && step.block.header.height >= 2) await snapshots.write(nodeSnapshotOf(chain.snapshot()));
  }
  return { dir, job };
}

/** Changes one snapshot file's JSON in place. */
async function tamper(dir: string, height: number, change: (snapshot: { projections?: ReadModels }) => void): Promise<void> {
  const snapshot = JSON.parse(await readFile(snapshotFile(dir, height), 'utf8')) as { projections?: ReadModels };
  change(snapshot);
  await writeFile(snapshotFile(dir, height), JSON.stringify(snapshot));
}

test('a node’s data dir with job read models in its snapshots audits clean', async (t) => {
  const { dir, job } = await dataDir(t);
  const stored = JSON.parse(await readFile(snapshotFile(dir, 2), 'utf8'));
  t.is(stored.projections.reputation.jobs[job].nodes[worker.address].status, 'approved', 'the snapshot holds the worker’s reputation');
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.true(report.ok, JSON.stringify(report.mismatches));
  t.is(report.snapshotsChecked, 2);
});

test('given one reputation entry changed in a snapshot, the audit fails and names the height, job, node and field (auditDataDir and the CLI)', async (t) => {
  const { dir, job } = await dataDir(t);
  await tamper(dir, 2, (s) => (s.projections!.reputation.jobs[job]!.nodes[worker.address]!.rating = 1600));
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.false(report.ok);
  t.deepEqual(
    report.mismatches.map((m) => ({ kind: m.kind, height: m.height, readModel: m.readModel })),
    [{ kind: 'readModels', height: 2, readModel: { part: 'reputation', job, node: worker.address, field: 'rating' } }],
    'only the changed entry, only at its height: the ledger part of the snapshot still matches',
  );
  t.regex(
    report.mismatches[0]!.message,
    new RegExp(`has 1600 for the reputation of node ${worker.address} in job ${job.slice(0, 16)}…, field rating; the replay gives 1500`),
  );
  const error = await t.throwsAsync(promisify(execFile)(process.execPath, [bin, 'audit', '--data', dir, '--threads', '1']));
  const { code, stdout } = error as unknown as { code: number; stdout: string };
  t.is(code, 1);
  t.regex(stdout, new RegExp(`\\[readModels at height 2, reputation job ${job.slice(0, 16)}… node ${worker.address} field rating\\]`));
});

test('a dashboard entry changed, or the read models removed, is located too', async (t) => {
  const { dir, job } = await dataDir(t);
  await tamper(dir, 3, (s) => (s.projections!.dashboard.jobs[job]!.workers = 7));
  await tamper(dir, 2, (s) => delete s.projections);
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.false(report.ok);
  const found = report.mismatches.map((m) => ({ kind: m.kind, height: m.height, readModel: m.readModel }));
  t.deepEqual(found, [
    { kind: 'readModels', height: 2, readModel: undefined },
    { kind: 'readModels', height: 3, readModel: { part: 'dashboard', job, field: 'workers' } },
  ]);
  t.regex(report.mismatches[0]!.message, /holds no reputation and dashboard read models/);
});
