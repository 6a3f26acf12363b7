import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signTx, txHashOf, type KeyPair } from '../../../log/index.ts';
import { verifyShardProof, type ShardProofAnswer } from '../../../projections/state/verifyProofBrowser.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { readStream } from '../../../runtime/client/index.ts';
import type { Op, ShardsEvent, Tx } from '../../../schemas/index.ts';
import { startKafka } from '../../services/kafka.ts';
import { auditOf, basePort, bin, outcomeOf } from '../consensus/networkHarness.ts';
import { startNodeProcess, until, type NodeProcess } from './nodeProcess.ts';

// A shard on the Kafka cluster mode: a parent of three validators on one topic (`ain net init
// --log kafka`), and `ain net init --shard /apps/x --log kafka` branches the path there and writes
// a child of four validators sharing a topic of its own (ain.<chain>.apps.x.<genesis>). Kafka orders each
// chain's log; the child's validators attest its blocks, and those attestations prove each block
// to the parent (with a rules change, counted with the new set). A grandchild on Kafka reports to
// the child. All nodes are child processes against one real broker; the steps share them, in order.

const kafka = await startKafka();
const run = promisify(execFile);
const chain = 'ain-kshard';
const shard = '/apps/x';
const childBlocks = 30;
const rules = { blockIntervalMs: 100, reportPeriodMs: 600_000, timeouts: { proposeMs: 1500, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500 } };
const waitMs = 120_000;

interface NetFiles {
  readonly dir: string;
  readonly topic?: string;
  readonly genesisHash: string;
  readonly owner?: { readonly file: string };
  readonly nodes: readonly { readonly name: string; readonly dir: string; readonly address: string }[];
}

interface ShardView {
  status: string;
  last: { height: number; hash: string };
  validators: { address: string; stake: string }[];
  rulesVersion: number;
}

interface Shared {
  root: string;
  owner: KeyPair;
  parentNet: NetFiles;
  parents: NodeProcess[];
  childNet?: NetFiles;
  children: (NodeProcess | undefined)[];
  childNonce: number;
  parentNonce: number;
}
let shared: Shared;

const statusOf = (node: NodeProcess) => node.get<{ height: number; finalized: number; shard: string }>('/v1/status');
const shardOn = (node: NodeProcess) => node.get<ShardView>(`/v1/shards${shard}`);
const childHashAt = async (node: NodeProcess, height: number) =>
  (await node.get<{ blocks: { hash: string }[] }>(`/v1/blocks?from=${height}&to=${height}`)).blocks[0]!.hash;
const live = () => shared.children.filter((c): c is NodeProcess => c !== undefined);

function childTx(op: Op): Tx {
  return signTx({ key: shared.owner, op, nonce: shared.childNonce++, time: Date.now(), chain, shard });
}

/** The height of the block tx `tx` landed in on `node`. */
const landedOn = async (node: NodeProcess, tx: Tx) => (await node.get<{ height: number }>(`/v1/tx/${txHashOf(tx)}`)).height;

/**
 * Makes child blocks until the first live child node is `count` blocks on; returns the height of
 * the block holding the last tx, once it is final. (A block that holds only attestations is not
 * work: nothing attests it final until the chain has txs again.)
 */
async function makeChildBlocks(count: number, first: number): Promise<number> {
  const [node] = live();
  const target = (await statusOf(node!)).height + count;
  let last: Tx | undefined;
  // At least one tx: the child makes blocks of its own meanwhile (attestations, a grandchild's reports).
  for (let i = 0; last === undefined || (await statusOf(node!)).height < target; i++) {
    last = childTx({ type: 'set_value', path: '/apps/x/n', value: first + i });
    const answer = await node!.post('/v1/tx', last);
    if (answer.status !== 202) throw new Error(`the child refused the tx: ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const code = last === undefined ? 'none sent' : await outcomeOf(node!, last, false);
  if (code !== 'ok') throw new Error(`the last child tx (nonce ${last?.nonce}) came to ${code}`);
  const height = await landedOn(node!, last);
  await until(async () => (await statusOf(node!)).finalized >= height, `child block ${height} final`, waitMs);
  return height;
}

/** Waits until every parent node records child block `height` with the child's own hash. */
async function untilRecorded(t: { is: (a: unknown, b: unknown, m?: string) => void }, height: number): Promise<void> {
  const [child] = live();
  for (const parent of shared.parents) {
    let view: ShardView | undefined;
    await until(
      async () => {
        view = await shardOn(parent);
        return view.last.height >= height;
      },
      `${parent.url} to record child block ${height}`,
      waitMs,
    );
    t.is(view!.status, 'reporting');
    t.is(view!.last.hash, await childHashAt(child!, view!.last.height), `the child's own hash of its block ${view!.last.height} on ${parent.url}`);
  }
}

/** Who reported child block `childHeight` (the parent's `reported` events, replayed from the start). */
async function reporterOf(parent: NodeProcess, childHeight: number): Promise<string> {
  const aborter = new AbortController();
  let by = '';
  for await (const event of readStream(parent.url, `shards${shard}`, { fromHeight: 1, signal: aborter.signal })) {
    for (const e of (event.data as ShardsEvent).events) if (e.type === 'reported' && e.childTo >= childHeight && e.childFrom <= childHeight) by = e.by;
    if (by !== '') break;
  }
  aborter.abort();
  return by;
}

if (kafka === undefined) {
  test.skip('shards on Kafka: needs a Kafka broker (test/services/kafka.sh)', () => undefined);
} else {
  test.after.always(() => kafka.stop());
  test.before(async () => {
    const root = await mkdtemp(join(tmpdir(), 'ain-kshard-'));
    const dir = join(root, 'parent');
    const { stdout } = await run(process.execPath, [
      bin,
      ...['net', 'init', '--validators', '3', '--dir', dir, '--log', 'kafka', '--brokers', kafka.brokers.join(','), '--chain', chain],
      ...['--base-port', String(await basePort(3)), '--json'],
    ]);
    const parentNet = JSON.parse(stdout) as NetFiles;
    const parents = await Promise.all(parentNet.nodes.map((node) => startNodeProcess(node.dir, ['--block-interval-ms', '200'])));
    shared = { root, owner: await readKeyFile(parentNet.owner!.file), parentNet, parents, children: [], childNonce: 1, parentNonce: 1 };
  });
  test.after.always(async () => {
    await Promise.all([...(shared?.parents ?? []), ...live()].map((node) => node.kill('SIGKILL')));
    if (shared !== undefined && process.env.AIN_E2E_KEEP === undefined) await rm(shared.root, { recursive: true, force: true });
  });

  test.serial('ain net init --shard /apps/x --log kafka branches the path and gives the child a topic of its own', async (t) => {
    t.timeout(120_000);
    const rulesFile = join(shared.root, 'rules.json');
    await writeFile(rulesFile, JSON.stringify(rules));
    const { stdout } = await run(process.execPath, [
      bin,
      ...['net', 'init', '--shard', shard, '--validators', '4', '--dir', join(shared.root, 'child'), '--key', shared.parentNet.owner!.file],
      ...['--parent', shared.parents.map((p) => p.url).join(','), '--rules', rulesFile],
      ...['--log', 'kafka', '--brokers', kafka.brokers.join(','), '--base-port', String(await basePort(4)), '--json'],
    ]);
    const childNet = JSON.parse(stdout) as NetFiles;
    t.is(childNet.topic, `ain.${chain}.apps.x.${childNet.genesisHash.slice(0, 16)}`);
    shared.childNet = childNet;
    shared.children = await Promise.all(childNet.nodes.map((node) => startNodeProcess(node.dir, [])));
    for (const child of live()) t.like(await statusOf(child), { shard });
  });

  test.serial(`the child makes ${childBlocks} blocks; every parent node records them, each proved by the child's attestations`, async (t) => {
    t.timeout(300_000);
    const [child] = live();
    t.is(await outcomeOf(child!, childTx({ type: 'set_rule', path: '/apps/x/n', value: { write: true } })), 'ok');
    const height = await makeChildBlocks(childBlocks, 0);
    t.true(height >= childBlocks);
    await untilRecorded(t, height);
  });

  test.serial('writes under /apps/x on the parent are SHARDED_PATH', async (t) => {
    const tx = signTx({ key: shared.owner, op: { type: 'set_value', path: '/apps/x/a', value: 1 }, nonce: Date.now(), time: Date.now(), chain });
    t.is(await outcomeOf(shared.parents[1]!, tx), 'SHARDED_PATH');
  });

  test.serial('a child value read with ?shard= checks through a parent header', async (t) => {
    t.timeout(120_000);
    const [child] = live();
    let answered = false;
    const asked = child!.get<ShardProofAnswer>(`/v1/proof${shard}/n?shard=${shard}`).finally(() => (answered = true));
    for (let i = 0; !answered; i++) t.is(await outcomeOf(child!, childTx({ type: 'set_value', path: '/apps/x/n', value: 1000 + i })), 'ok');
    const answer = await asked;
    const verdict = verifyShardProof(answer);
    t.true(verdict.ok, JSON.stringify(verdict));
    t.false(verifyShardProof({ ...answer, value: -1 }).ok, 'another value');
  });

  test.serial("the child's owner doubles its validators' stakes and slows its report period: the parent counts attestations with the new set", async (t) => {
    t.timeout(180_000);
    const [child] = live();
    const before = await shardOn(shared.parents[0]!);
    t.is(before.rulesVersion, 0);
    const validators = before.validators.map((v) => ({ address: v.address, stake: String(BigInt(v.stake) * 2n) }));
    const changed = { ...rules, reportPeriodMs: 300_000 };
    t.is(await outcomeOf(child!, childTx({ type: 'shardRules', rules: changed, validators })), 'ok');
    const height = await makeChildBlocks(3, 2000);
    t.deepEqual((await child!.get<{ value: unknown }>('/v1/state/consensus/rulesInForce')).value, changed, 'the child runs by the new rules');
    await untilRecorded(t, height);
    for (const parent of shared.parents) t.like(await shardOn(parent), { rulesVersion: 1, pendingRules: null, rules: changed, validators }, parent.url);
  });

  test.serial('a child of the child on Kafka: /apps/x/y reports to the child, which reports those blocks to the parent', async (t) => {
    t.timeout(180_000);
    const grand = '/apps/x/y';
    const [child] = live();
    const { stdout } = await run(process.execPath, [
      bin,
      ...['net', 'init', '--shard', grand, '--validators', '1', '--dir', join(shared.root, 'grandchild'), '--key', shared.parentNet.owner!.file],
      ...[
        '--parent',
        live()
          .map((c) => c.url)
          .join(','),
        '--log',
        'kafka',
        '--brokers',
        kafka.brokers.join(','),
      ],
      ...['--base-port', String(await basePort(1)), '--json'],
    ]);
    const grandNet = JSON.parse(stdout) as NetFiles;
    t.is(grandNet.topic, `ain.${chain}.apps.x.y.${grandNet.genesisHash.slice(0, 16)}`);
    // The branch was signed with a nonce of the clock: the owner's next ones on the child follow it.
    shared.childNonce = (await child!.get<{ nonce: number }>(`/v1/accounts/${shared.owner.address}`)).nonce + 1;
    const node = await startNodeProcess(grandNet.nodes[0]!.dir, []);
    t.teardown(() => node.kill('SIGKILL'));
    let nonce = 1;
    const grandTx = (op: Op) => signTx({ key: shared.owner, op, nonce: nonce++, time: Date.now(), chain, shard: grand });
    t.is(await outcomeOf(node, grandTx({ type: 'set_rule', path: '/apps/x/y/n', value: { write: true } })), 'ok');
    let last: Tx | undefined;
    for (let i = 0; i < 3; i++) t.is(await outcomeOf(node, (last = grandTx({ type: 'set_value', path: '/apps/x/y/n', value: i }))), 'ok');
    const grandHeight = await landedOn(node, last!);
    await until(async () => (await statusOf(node)).finalized >= grandHeight, `grandchild block ${grandHeight} final`, waitMs);
    let recordedIn = 0;
    await until(
      async () => {
        if ((await child!.get<ShardView>(`/v1/shards${grand}`)).last.height < grandHeight) return false;
        recordedIn = (await statusOf(child!)).height;
        return true;
      },
      `the child to record grandchild block ${grandHeight}`,
      waitMs,
    );
    t.is((await child!.get<ShardView>(`/v1/shards${grand}`)).last.hash, await childHashAt(node, grandHeight), "the grandchild's own hash");
    // The child's block that recorded it is final and reported once the child makes another.
    const height = await makeChildBlocks(1, 3000);
    t.true(height > recordedIn);
    await untilRecorded(t, recordedIn);
  });

  test.serial('killing the validator that reported last does not stop reporting (3 of 4 still attest)', async (t) => {
    t.timeout(300_000);
    const recorded = (await shardOn(shared.parents[0]!)).last.height;
    const by = await reporterOf(shared.parents[0]!, recorded);
    const index = shared.childNet!.nodes.findIndex((n) => n.address === by);
    t.true(index >= 0, `the last reporter ${by} is a child validator`);
    await shared.children[index]!.kill('SIGKILL');
    shared.children[index] = undefined;
    const height = await makeChildBlocks(5, 5000);
    await untilRecorded(t, height);
    t.not(await reporterOf(shared.parents[0]!, height), by);
  });

  test.serial('ain audit passes on a child node’s data dir and on a parent node’s', async (t) => {
    t.timeout(180_000);
    const [child] = live();
    const childDir = shared.childNet!.nodes.find((n) => child!.dataDir === n.dir)!.dir;
    for (const dir of [childDir, shared.parentNet.nodes[0]!.dir]) {
      const audit = await auditOf(dir);
      t.true(audit.ok, audit.stderr);
      t.true(audit.blocks > 0);
    }
  });
}
