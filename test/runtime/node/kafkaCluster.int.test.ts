import test from 'ava';
import { Kafka, logLevel } from 'kafkajs';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPair, signTx, txHashOf, type KeyPair } from '../../../log/index.ts';
import { verifyTx } from '../../../runtime/client/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { isAinError, type Tx } from '../../../schemas/index.ts';
import { startKafka } from '../../services/kafka.ts';
import { freePorts, startNodeProcess, until, type NodeProcess } from './nodeProcess.ts';

// A cluster on Kafka as an operator makes one: `ain net init --validators 3 --log kafka`, then
// `ain node --data D/nI` for each, as child processes against a real broker. Three validators of
// equal stake: a block is final only once all three attested it (2 of 3 is not more than 2/3).
const kafka = await startKafka();
const bin = join(process.cwd(), 'bin', 'ain.js');
const run = promisify(execFile);
const chain = 'ain-kafka-trio';
const nodeArgs = ['--block-interval-ms', '100'];
const nodeEnv = { AIN_SNAPSHOT_EVERY_BLOCKS: '2' };
const waitMs = 60_000;

interface NetFiles {
  readonly dir: string;
  readonly owner: { readonly file: string };
  readonly nodes: readonly { readonly name: string; readonly dir: string; readonly address: string }[];
}

interface Cluster {
  readonly net: NetFiles;
  readonly nodes: NodeProcess[];
  readonly clients: KeyPair[];
  readonly nonces: number[];
}

const health = (node: NodeProcess) => node.get<{ problems: { code: string; message: string; missing?: string[] }[] }>('/v1/health');
const status = (node: NodeProcess) => node.get<{ height: number; finalized: number; restoredFrom: number; chain: string; address: string }>('/v1/status');

/** Where tx `hash` landed on `node`, once it has (bounded). */
async function heightOn(node: NodeProcess, hash: string): Promise<number> {
  let height = 0;
  await until(
    async () => {
      const response = await fetch(`${node.url}/v1/tx/${hash}`);
      if (response.status !== 200) return false;
      const found = (await response.json()) as { height: number; outcome: { code: string } };
      if (found.outcome.code !== 'ok') throw new Error(`tx ${hash.slice(0, 12)} was refused: ${JSON.stringify(found.outcome)}`);
      height = found.height;
      return true;
    },
    `tx ${hash.slice(0, 12)} in a block of ${node.url}`,
    waitMs,
  );
  return height;
}

/** The blocks 1..height of a node, as served: headers, hashes, outcomes, finality. */
async function blocksOf(node: NodeProcess, height: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let from = 1; from <= height; from += 100) {
    out.push(...(await node.get<{ blocks: unknown[] }>(`/v1/blocks?from=${from}&to=${Math.min(height, from + 99)}`)).blocks);
  }
  return out;
}

/** The ledger's record of block `height` on `node`: its hash and each validator's vote. */
const recordOf = async (node: NodeProcess, height: number) =>
  (await node.get<{ value: { hash: string; votes?: Record<string, string> } | null }>(`/v1/state/consensus/blocks/${height}`)).value;

/** Signs `count` writes from the client of node `i` (its own key, so its nonces rise in the order it sends them) and sends them to that node. */
async function sendVia(cluster: Cluster, i: number, label: string, count: number): Promise<Tx[]> {
  const txs = Array.from({ length: count }, (_, j) =>
    signTx({
      key: cluster.clients[i]!,
      op: { type: 'set_value', path: `/apps/trio/${label}/n${i + 1}/${j}`, value: j },
      nonce: ++cluster.nonces[i]!,
      time: j,
      chain,
    }),
  );
  const reply = await cluster.nodes[i]!.post('/v1/txs', txs);
  if (reply.status !== 202) throw new Error(`node ${i + 1} refused the batch: ${JSON.stringify(reply.body)}`);
  return txs;
}

const start = (dir: string) => startNodeProcess(dir, nodeArgs, nodeEnv);

if (kafka === undefined) {
  test.skip('kafka cluster: needs a Kafka broker (test/services/kafka.sh)', () => undefined);
} else {
  test.after.always(() => kafka.stop());
  let cluster: Cluster | undefined;
  let root = '';
  test.before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ain-trio-'));
  });
  test.after.always(async () => {
    await Promise.all((cluster?.nodes ?? []).map((node) => node.kill('SIGKILL')));
    await rm(root, { recursive: true, force: true });
  });

  test.serial(
    'ain net init --validators 3 --log kafka, three ain node processes: txs sent to each node are final on all three, with identical blocks',
    async (t) => {
      t.timeout(180_000);
      const dir = join(root, 'net');
      const made = await run(process.execPath, [
        bin,
        'net',
        'init',
        '--validators',
        '3',
        '--dir',
        dir,
        '--log',
        'kafka',
        '--brokers',
        kafka.brokers.join(','),
        '--chain',
        chain,
        '--base-port',
        String(await freePorts(3, 1000)),
        '--json',
      ]);
      const net = JSON.parse(made.stdout) as NetFiles;
      // When one fails to start, those that did are stopped (test.after.always stops the cluster's).
      const started = await Promise.allSettled(net.nodes.map((node) => start(node.dir)));
      const failed = started.find((one) => one.status === 'rejected');
      if (failed !== undefined) {
        await Promise.all(started.map((one) => (one.status === 'fulfilled' ? one.value.kill('SIGKILL') : undefined)));
        throw failed.reason;
      }
      const nodes = started.map((one) => (one as PromiseFulfilledResult<NodeProcess>).value);
      cluster = { net, nodes, clients: nodes.map(() => generateKeyPair()), nonces: nodes.map(() => 0) };
      // Each node runs on its data dir's config and genesis: the chain, the key, the shared topic.
      for (const [i, node] of nodes.entries()) t.like(await status(node), { chain, address: net.nodes[i]!.address });
      const owner = await readKeyFile(net.owner.file);
      const rule = signTx({ key: owner, op: { type: 'set_rule', path: '/apps/trio', value: { write: true } }, nonce: 1, time: 1, chain });
      t.is((await nodes[0]!.post('/v1/tx', rule)).status, 202);
      await heightOn(nodes[2]!, txHashOf(rule));

      const sent = (await Promise.all(nodes.map((_, i) => sendVia(cluster!, i, 'up', 4)))).flat();
      let top = 0;
      for (const tx of sent) for (const node of nodes) top = Math.max(top, await heightOn(node, txHashOf(tx)));
      for (const node of nodes) await until(async () => (await status(node)).finalized >= top, `block ${top} final on ${node.url}`, waitMs);
      const written = { n1: { 0: 0, 1: 1, 2: 2, 3: 3 }, n2: { 0: 0, 1: 1, 2: 2, 3: 3 }, n3: { 0: 0, 1: 1, 2: 2, 3: 3 } };
      for (const node of nodes) t.deepEqual((await node.get('/v1/state/apps/trio/up')).value, written);
      for (const node of nodes) t.deepEqual((await health(node)).problems, [], `no problem in /v1/health of ${node.url}`);
      // A proof answers once its block is final (NOT_FINAL says retry): the node's proposer cuts the votes of the other two in.
      for (const node of nodes) {
        await until(async () => (await fetch(`${node.url}/v1/proof/apps/trio/up`)).status === 200, `a proof from ${node.url}`, waitMs);
      }

      const height = Math.min(...(await Promise.all(nodes.map(async (node) => (await status(node)).height))));
      const [first, ...others] = await Promise.all(nodes.map((node) => blocksOf(node, height)));
      for (const blocks of others) t.deepEqual(blocks, first, 'same headers, state roots, outcomes and finality at every height');
      const proposers = new Set((first as { header: { proposer: string } }[]).map((block) => block.header.proposer));
      t.log(`${height} blocks, final up to ${top} or more, proposers: ${[...proposers].map((p) => p.slice(0, 10)).join(', ')}`);
      // Every block up to the final height holds a vote of each validator, for that block's hash.
      const final = (await status(nodes[0]!)).finalized;
      for (let h = 1; h <= final; h++) {
        const record = await recordOf(nodes[0]!, h);
        if (record === null) continue; // pruned, far below the final height
        t.deepEqual(Object.keys(record.votes ?? {}).sort(), net.nodes.map((n) => n.address).sort(), `the votes for block ${h}`);
        t.true(Object.values(record.votes ?? {}).every((hash) => hash === record.hash));
      }
    },
  );

  test.serial(
    'one node killed: the other two still cut blocks, which do not go final (2 of 3 is not > 2/3); restarted on its data dir it catches up and finality resumes',
    async (t) => {
      t.timeout(180_000);
      if (cluster === undefined) return t.fail('the cluster did not start');
      const { nodes, net } = cluster;
      const finalBefore = (await status(nodes[0]!)).finalized;
      const snapshots = join(net.nodes[2]!.dir, 'snapshots');
      await until(async () => (await readdir(snapshots).catch(() => [])).some((f) => f.endsWith('.json')), 'a snapshot of node 3', waitMs);
      await nodes[2]!.kill('SIGKILL');
      const sent = (await Promise.all([0, 1].map((i) => sendVia(cluster!, i, 'two', 3)))).flat();
      let top = 0;
      for (const tx of sent) for (const node of nodes.slice(0, 2)) top = Math.max(top, await heightOn(node, txHashOf(tx)));
      // The two live validators attest the new blocks, and those votes are applied: still not final.
      const live = net.nodes.slice(0, 2).map((n) => n.address);
      await until(
        async () => {
          const record = await recordOf(nodes[0]!, top);
          return record !== null && live.every((address) => record.votes?.[address] === record.hash);
        },
        `the votes of the two live validators for block ${top}`,
        waitMs,
      );
      for (const node of nodes.slice(0, 2)) {
        const now = await status(node);
        t.true(now.finalized < top, `block ${top} is not final on ${node.url} (final: ${now.finalized}, before the kill: ${finalBefore})`);
      }
      const proof = await fetch(`${nodes[0]!.url}/v1/proof/apps/trio/two`);
      t.is(proof.status, 503, 'no proof: its block never goes final');
      t.is(((await proof.json()) as { code: string }).code, 'NOT_FINAL');
      // GET /v1/health says why, naming the validator whose attestations are missing, once the first block with txs not final has waited 10 s.
      const stalled = async () => (await health(nodes[0]!)).problems.find((p) => p.code === 'FINALITY_STALLED');
      await until(async () => (await stalled()) !== undefined, 'FINALITY_STALLED in /v1/health of node 1', waitMs);
      const problem = (await stalled())!;
      t.deepEqual(problem.missing, [net.nodes[2]!.address]);
      t.regex(
        problem.message,
        new RegExp(
          `^Block \\d+, which holds txs, is not final \\d+ s after this node applied it: the blocks after it hold attestations of it by validators with \\d+ of \\d+ AIN staked, and finality needs more than 2/3; none by ${net.nodes[2]!.address}\\. Are those validators running`,
        ),
      );

      // A client waiting for a tx's finality is told the same (ain tx verify). Its wait is short on
      // purpose: the block cannot go final while the third validator is down (it restarts below),
      // so any bound gives this answer; 300 ms only keeps the test from sitting out a longer one.
      const notFinal = await t.throwsAsync(verifyTx(nodes[0]!.url, txHashOf(sent[0]!), { waitMs: 300 }));
      t.true(isAinError(notFinal, 'NOT_FINAL'), String(notFinal));
      t.regex(notFinal?.message ?? '', / The node says FINALITY_STALLED: Block \d+, which holds txs, is not final/);

      nodes[2] = await start(net.nodes[2]!.dir);
      t.true((await status(nodes[2])).restoredFrom > 0, 'it resumed from its snapshot, then from the topic');
      const more = await sendVia(cluster, 2, 'back', 2);
      for (const tx of more) for (const node of nodes) top = Math.max(top, await heightOn(node, txHashOf(tx)));
      for (const node of nodes) await until(async () => (await status(node)).finalized >= top, `block ${top} final on ${node.url}`, waitMs);
      for (const node of nodes) await until(async () => (await health(node)).problems.length === 0, `no problem in /v1/health of ${node.url}`, waitMs);
      const height = Math.min(...(await Promise.all(nodes.map(async (node) => (await status(node)).height))));
      const [first, ...others] = await Promise.all(nodes.map((node) => blocksOf(node, height)));
      for (const blocks of others) t.deepEqual(blocks, first, 'the restarted node holds the same chain');
      const record = await recordOf(nodes[0]!, top);
      t.deepEqual(Object.keys(record?.votes ?? {}).sort(), net.nodes.map((n) => n.address).sort(), 'all three voted for the last block with txs');
    },
  );

  test.serial('ain audit --kafka replays the shared topic and agrees with every node', async (t) => {
    t.timeout(120_000);
    if (cluster === undefined) return t.fail('the cluster did not start');
    const { nodes, net } = cluster;
    const final = (await status(nodes[0]!)).finalized;
    await Promise.all(nodes.map((node) => node.kill()));
    for (const node of net.nodes) {
      const { stdout } = await run(process.execPath, [bin, 'audit', '--kafka', kafka.brokers.join(','), '--data', node.dir, '--json', '--threads', '1']);
      const report = JSON.parse(stdout) as { ok: boolean; outcomes: Record<string, number>; finalized: { height: number }; snapshotsChecked: number };
      t.true(report.ok, `${node.name}: ${stdout}`);
      t.true(report.finalized.height >= final);
      t.deepEqual(Object.keys(report.outcomes), ['ok'], 'no tx was refused: no stale nonce, no duplicate cut refused');
    }
  });

  test.serial(
    'a validator restarted on another topic (a typo) is refused: a missing one is not created, an empty one is not its chain (a second chain of its genesis would get it slashed)',
    async (t) => {
      t.timeout(120_000);
      if (cluster === undefined) return t.fail('the cluster did not start');
      const { net } = cluster;
      const dir = net.nodes[2]!.dir;
      // --topic alone: the data dir's config says Kafka. The data dir ran this chain: the typo is not created.
      const typo = `ain.${chain}.root.typo`;
      const missing = await t.throwsAsync(startNodeProcess(dir, [...nodeArgs, '--topic', typo], nodeEnv));
      t.regex(missing?.message ?? '', /LOG_TOPIC_MISSING/);
      t.regex(
        missing?.message ?? '',
        new RegExp(`Kafka topic ${typo.replaceAll('.', '\\.')} does not exist at .*the ain topics there: .*ain\\.${chain}\\.root\\.`),
      );
      t.regex(missing?.message ?? '', /ran this chain on Kafka before, so the topic is not created: check --topic and --brokers/);
      // A topic named for another genesis holds another chain: refused before anything is read or written.
      const another = await t.throwsAsync(startNodeProcess(dir, [...nodeArgs, '--topic', `ain.${chain}.root.${'0'.repeat(16)}`], nodeEnv));
      t.regex(another?.message ?? '', /GENESIS_MISMATCH: Kafka topic \S+ is named for the chain of genesis 0{16}…/);
      const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        t.false((await admin.listTopics()).includes(typo), 'the mistyped topic was not created');
        // A topic that exists but is empty (recreated, or another cluster's): the data dir's blocks are past its end.
        const recreated = `ain.${chain}.root.recreated`;
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic: recreated, numPartitions: 1, replicationFactor: 1 }] });
        const behind = await t.throwsAsync(
          startNodeProcess(dir, [...nodeArgs, '--log', 'kafka', '--brokers', kafka.brokers.join(','), '--topic', recreated], nodeEnv),
        );
        t.regex(behind?.message ?? '', /LOG_BEHIND_DATA_DIR/);
        t.regex(
          behind?.message ?? '',
          /topic ain\.[^ ]+\.root\.recreated .* ends at offset -1: it is not the topic this node was on \(check --topic and --brokers\)/,
        );
      } finally {
        await admin.disconnect();
      }
      // On its own topic it starts as before; a second process on its data dir is refused, naming the first.
      const back = await start(dir);
      t.true((await status(back)).height > 0);
      const twice = await t.throwsAsync(startNodeProcess(dir, nodeArgs, nodeEnv));
      t.regex(twice?.message ?? '', /DATA_DIR_LOCKED: The data dir \S+ is in use by process \d+, a node running on it/);
      await back.kill();
    },
  );
}
