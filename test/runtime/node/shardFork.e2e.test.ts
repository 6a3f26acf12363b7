import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proposalHashOf, signTx, signVote } from '../../../log/index.ts';
import { readStream } from '../../../runtime/client/index.ts';
import { readKeyFile, writeKeyFile } from '../../../runtime/keys/index.ts';
import type { BlockHeader, ConsensusEvent, Op, Tx } from '../../../schemas/index.ts';
import { basePort, bin, initNetwork, outcomeOf, run, startNetwork } from '../consensus/networkHarness.ts';
import { until, type NodeProcess } from './nodeProcess.ts';

// A fork of a shard, end to end: a parent of one validator, a shard /apps/x of three on their own
// nodes. The three validators' keys sign a second block for a height the parent recorded (the
// same round, another proposal: each of them equivocates) and one of them reports it. The parent
// marks the shard forked; the child's reporters match the parent's certificate with their own and
// commit the equivocations on the child, where each validator's stake is burned.

const shard = '/apps/x';

test('two certified blocks of one child height: the parent holds the shard forked, and the double-signers are slashed on the child', async (t) => {
  t.timeout(240_000);
  const dir = await mkdtemp(join(tmpdir(), 'ain-shard-fork-e2e-'));
  if (process.env.AIN_E2E_KEEP === undefined) t.teardown(() => rm(dir, { recursive: true, force: true }));
  const parentFiles = await initNetwork(t, 1);
  const [parent] = await startNetwork(t, parentFiles);
  const ownerFile = join(dir, 'owner.key');
  await writeKeyFile(ownerFile, parentFiles.owner);
  const rulesFile = join(dir, 'rules.json');
  await writeFile(
    rulesFile,
    JSON.stringify({ blockIntervalMs: 100, reportPeriodMs: 600_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } }),
  );
  const childDir = join(dir, 'child');
  const args = ['net', 'init', '--shard', shard, '--validators', '3', '--dir', childDir, '--parent', parent!.url, '--key', ownerFile, '--rules', rulesFile];
  const { stdout } = await run(process.execPath, [bin, ...args, '--base-port', String(await basePort(3)), '--json']);
  const out = JSON.parse(stdout) as { nodes: { dir: string; address: string; peerId: string }[] };
  const children = await startNetwork(t, { dir: childDir, nodes: out.nodes, owner: parentFiles.owner });
  const [child] = children;

  // Three child blocks, the parent recording them.
  let nonce = 1;
  const childTx = (op: Op): Tx => signTx({ key: parentFiles.owner, op, nonce: nonce++, time: Date.now(), chain: 'ain-local', shard });
  await outcomeOf(child!, childTx({ type: 'set_rule', path: '/apps/x/n', value: { write: true } }));
  for (let i = 0; i < 2; i++) await outcomeOf(child!, childTx({ type: 'set_value', path: '/apps/x/n', value: i }));
  const height = 2;
  await until(
    async () => (await parent!.get<{ last: { height: number } }>(`/v1/shards${shard}`)).last.height > height,
    'the parent to record child block 3',
    60_000,
  );

  // The round block 2 was decided in (block 3 carries its certificate), and another block 2.
  const round = await decidedRound(child!, height);
  const [own, before] = await Promise.all([headerAt(child!, height), headerAt(child!, height - 1)]);
  const forged = { ...own, time: own.time + 7, lastRoot: before.stateRoot };
  const { chain, prevHash, txRoot, recordsRoot, time, proposer, lastRoot } = forged;
  const proposal = proposalHashOf({ chain, shard, height, prevHash, txRoot, recordsRoot, time, proposer, lastRoot });
  const keys = await Promise.all(out.nodes.map((n) => readKeyFile(join(n.dir, 'node.key'))));
  const { genesis } = await child!.get<{ genesis: string }>('/v1/status');
  const votes = keys
    .map((key) => signVote(key, { chain, shard, height, round, kind: 'precommit', hash: proposal }, genesis))
    .sort((a, b) => (a.from < b.from ? -1 : 1));
  const report = signTx({
    key: keys[0]!,
    op: { type: 'report', shard, header: forged, certificate: { height, round, hash: proposal, votes } },
    nonce: Date.now(),
    time: Date.now(),
    chain: 'ain-local',
    shard: '/',
  });
  t.is(await outcomeOf(parent!, report), 'ok');
  const view = await parent!.get<{ status: string; fork: { childHeight: number; reported: string } }>(`/v1/shards${shard}`);
  t.is(view.status, 'forked');
  t.like(view.fork, { childHeight: height, reported: proposal });

  // Every child node: the three validators' stake burned by the evidence its reporters committed.
  for (const node of children) {
    for (const { address } of out.nodes) {
      await until(async () => (await node.get<{ slashed: boolean }>(`/v1/accounts/${address}`)).slashed, `${address} slashed on ${node.url}`, 120_000);
    }
  }
  const account = await child!.get<{ stake: string; slashed: boolean }>(`/v1/accounts/${out.nodes[0]!.address}`);
  t.like(account, { stake: '0', slashed: true });
});

const headerAt = async (node: NodeProcess, height: number): Promise<BlockHeader> =>
  (await node.get<{ blocks: { header: BlockHeader }[] }>(`/v1/blocks?from=${height}&to=${height}`)).blocks[0]!.header;

/** The round block `height` was decided in: the certificate block `height + 1` carries. */
async function decidedRound(node: NodeProcess, height: number): Promise<number> {
  const aborter = new AbortController();
  try {
    for await (const event of readStream(node.url, 'consensus', { fromHeight: height + 1, signal: aborter.signal })) {
      const commit = (event.data as ConsensusEvent).commit;
      if (commit !== null && commit.height === height) return commit.round;
    }
  } finally {
    aborter.abort();
  }
  throw new Error(`no certificate of block ${height} on the consensus stream`);
}
