import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPair, signTx, txHashOf, type KeyPair } from '../../../log/index.ts';
import { readStream } from '../../../runtime/client/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import type { Op, ReportedBlock, ShardsEvent, Tx } from '../../../schemas/index.ts';
import { ChildChain } from '../../actors/shard/childChain.ts';
import { startNodeProcess, until, type NodeProcess } from '../node/nodeProcess.ts';

// A real `ain node` as a parent: its owner branches /apps/x over HTTP for a child validator set
// whose keys are made here, the child's blocks (cut by createChain from the genesis the branch
// derives) are reported with certificates signed as the child's consensus signs them, and the
// node shows the reported height on /v1/shards and the shards stream; `ain audit` replays it all.

const bin = join(process.cwd(), 'bin', 'ain.js');
const rules = { blockIntervalMs: 1000, reportPeriodMs: 600_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };

/** Submits a tx and waits (bounded) for its outcome in a block. */
async function outcomeOf(node: NodeProcess, tx: Tx): Promise<{ code: string; message?: string }> {
  const submitted = await node.post('/v1/tx', tx);
  if (submitted.status !== 202) throw new Error(`the node refused the tx: ${JSON.stringify(submitted.body)}`);
  const hash = txHashOf(tx);
  let found: { outcome: { code: string; message?: string } } | undefined;
  await until(async () => {
    const answer = await fetch(`${node.url}/v1/tx/${hash}`);
    if (answer.status === 200) found = (await answer.json()) as typeof found;
    return found !== undefined;
  }, `the outcome of ${tx.op.type}`);
  return found!.outcome;
}

test('a branch and reports submitted over HTTP: /v1/shards shows the reported height, writes under the path are SHARDED_PATH, the audit passes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ain-shards-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // Three child blocks with a 3-validator certificate each are more than the default 4 KiB a tx.
  const node = await startNodeProcess(dir, ['--block-interval-ms', '50'], { AIN_MAX_TX_BYTES: '16384' });
  t.teardown(() => node.kill('SIGKILL'));
  // The node key owns / and signs the node's own txs with clock nonces: it hands /apps to a key of the test's.
  const nodeKey = await readKeyFile(join(dir, 'node.key'));
  const owner = generateKeyPair();
  const rights = { write_rule: true, write_owner: true, write_function: true, branch_owner: true };
  const handOver = signTx({ key: nodeKey, op: { type: 'set_owner', path: '/apps', value: { owners: { [owner.address]: rights } } }, nonce: 1, time: 1 });
  t.deepEqual(await outcomeOf(node, handOver), { code: 'ok' });
  const validators: KeyPair[] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const nonces = new Map<string, number>();
  const sign = (key: KeyPair, op: Op) => {
    const nonce = (nonces.get(key.address) ?? 0) + 1;
    nonces.set(key.address, nonce);
    return signTx({ key, op, nonce, time: Date.now() });
  };
  const report = (first: ReportedBlock, ...next: ReportedBlock[]): Op => ({
    type: 'report',
    shard: '/apps/x',
    header: first.header,
    certificate: first.certificate,
    ...(next.length === 0 ? {} : { next }),
  });

  const branch = sign(owner, { type: 'branch', path: '/apps/x', validators: validators.map((v) => ({ address: v.address, stake: '100' })), rules });
  t.deepEqual(await outcomeOf(node, branch), { code: 'ok' });
  const child = new ChildChain(branch, validators);
  const shard = await node.get('/v1/shards/apps/x');
  t.like(shard, { path: '/apps/x', status: 'branched', genesis: child.genesisHash, tx: txHashOf(branch), owner: owner.address });

  // The child's block 1 holds a tx of its own: its owner (the brancher) writes on the child.
  const b1 = child.next([child.tx(owner, { type: 'set_rule', path: '/apps/x', value: { write: true } })]);
  const [b2, b3, b4] = [child.next(), child.next(), child.next()];
  const hash4 = child.chain.position.prevHash; // the child's own hash of its block 4
  t.deepEqual(await outcomeOf(node, sign(validators[0]!, report(b1))), { code: 'ok' });
  t.deepEqual(await outcomeOf(node, sign(validators[1]!, report(b2, b3, b4))), { code: 'ok' });
  const refused = await outcomeOf(node, sign(validators[2]!, report(b2)));
  t.is(refused.code, 'ALREADY_REPORTED');
  const weak = { ...child.next(), certificate: child.certify(5, child.proposals[4]!, validators.slice(0, 2)) };
  t.is((await outcomeOf(node, sign(validators[2]!, report(weak)))).code, 'BAD_CERTIFICATE');
  t.is((await outcomeOf(node, sign(owner, { type: 'set_value', path: '/apps/x/a', value: 1 }))).code, 'SHARDED_PATH');

  const reported = await node.get('/v1/shards/apps/x');
  t.like(reported, { status: 'reporting', last: { height: 4, hash: hash4, stateRoot: b4.header.stateRoot } });
  t.deepEqual(
    (await node.get('/v1/shards')).shards.map((s: { path: string; last: { height: number } }) => [s.path, s.last.height]),
    [['/apps/x', 4]],
  );
  t.is((await fetch(`${node.url}/v1/shards/apps/nope`)).status, 404);

  // The shards stream replays the branch and the reports, its events checked against their schema.
  const seen: ShardsEvent['events'][number][] = [];
  const aborter = new AbortController();
  for await (const event of readStream(node.url, 'shards/apps/x', { fromHeight: 1, signal: aborter.signal })) {
    seen.push(...(event.data as ShardsEvent).events);
    if (seen.some((e) => e.type === 'reported' && e.childTo === 4)) break;
  }
  aborter.abort();
  t.deepEqual(
    seen.map((e) => (e.type === 'reported' ? `${e.type} ${e.childFrom}-${e.childTo}` : e.type)),
    ['branched', 'reported 1-1', 'reported 2-4'],
  );

  await node.kill('SIGTERM');
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'audit', '--data', dir, '--json', '--threads', '1']).catch(
    (error: { stdout: string }) => ({ stdout: error.stdout }),
  );
  const audit = JSON.parse(stdout) as { ok: boolean; mismatches: unknown[]; outcomes: Record<string, number> };
  t.true(audit.ok, JSON.stringify(audit.mismatches));
});
