import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { encodeTxRecord, generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { kafkaTopicOf } from '../../../schemas/index.ts';
import { startKafka } from '../../services/kafka.ts';
import { startNodeProcess, until, type NodeProcess } from './nodeProcess.ts';

// Two `ain node` processes on one Kafka topic, against a real broker: Kafka orders, every node verifies.
const kafka = await startKafka();
const bin = join(process.cwd(), 'bin', 'ain.js');

async function twoNodes(t: { teardown(fn: () => unknown): void }, brokers: string[], chain: string) {
  const dirs = await Promise.all([mkdtemp(join(tmpdir(), 'ain-k1-')), mkdtemp(join(tmpdir(), 'ain-k2-'))]);
  t.teardown(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const common = ['--log', 'kafka', '--brokers', brokers.join(','), '--chain', chain, '--block-interval-ms', '100'];
  const a = await startNodeProcess(dirs[0]!, common, { AIN_SNAPSHOT_EVERY_BLOCKS: '3' });
  t.teardown(() => a.kill('SIGKILL'));
  const b = await startNodeProcess(dirs[1]!, [...common, '--genesis', join(dirs[0]!, 'genesis.json')], { AIN_SNAPSHOT_EVERY_BLOCKS: '3' });
  t.teardown(() => b.kill('SIGKILL'));
  const owner = await readKeyFile(join(dirs[0]!, 'node.key'));
  const rule = signTx({ key: owner, op: { type: 'set_rule', path: '/apps/load', value: { write: true } }, nonce: 1, time: 1, chain });
  if ((await a.post('/v1/tx', rule)).status !== 202) throw new Error('the rule tx was refused');
  return { a, b, owner };
}

/** The blocks 1..height of a node, as served. */
const blocksOf = async (node: NodeProcess, height: number) => {
  const out: unknown[] = [];
  for (let from = 1; from <= height; from += 100)
    out.push(...(await node.get<{ blocks: unknown[] }>(`/v1/blocks?from=${from}&to=${Math.min(height, from + 99)}`)).blocks);
  return out;
};

const landed = (node: NodeProcess, hash: string) =>
  until(async () => (await fetch(`${node.url}/v1/tx/${hash}`)).status === 200, `tx ${hash.slice(0, 12)} on ${node.url}`);

if (kafka === undefined) {
  test.skip('kafka nodes: needs a Kafka broker (test/services/kafka.sh)', () => undefined);
} else {
  test.after.always(() => kafka.stop());

  test.serial(
    'two node processes on one topic cut identical blocks with identical state roots; bad records are refused outcomes; ain audit --kafka agrees',
    async (t) => {
      const chain = 'ain-kafka-two';
      const { a, b } = await twoNodes(t, kafka.brokers, chain);
      const client = generateKeyPair();
      const sign = (i: number) => signTx({ key: client, op: { type: 'set_value', path: `/apps/load/k/${i}`, value: i }, nonce: i + 1, time: i, chain });
      // Txs into both nodes; each appends to the same topic.
      const viaA = await a.post('/v1/txs', [0, 2, 4].map(sign));
      const viaB = await b.post('/v1/txs', [1, 3, 5].map(sign));
      t.is(viaA.status, 202);
      t.is(viaB.status, 202);
      // A raw producer writes junk and a forged tx straight into the topic.
      const producer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      const forged = { ...sign(6), sig: sign(7).sig };
      await producer.send({
        topic: kafkaTopicOf(chain, '/', (await a.get<{ genesis: string }>('/v1/status')).genesis),
        messages: [{ value: Buffer.from('not a tx at all') }, { value: Buffer.from(encodeTxRecord(forged)) }],
      });
      await producer.disconnect();
      const after = sign(8);
      t.is((await b.post('/v1/tx', after)).status, 202);
      await landed(a, txHashOf(after));
      await landed(b, txHashOf(after));
      // One more, once that one is in a block: it lands in a later one, so there are at least two
      // to compare whatever the proposer's timer did (everything above may share block 1).
      const later = sign(9);
      t.is((await a.post('/v1/tx', later)).status, 202);
      await landed(a, txHashOf(later));
      await landed(b, txHashOf(later));
      const height = Math.min((await a.get('/v1/status')).height, (await b.get('/v1/status')).height);
      t.true(height >= 2);
      t.deepEqual(await blocksOf(b, height), await blocksOf(a, height), 'same headers, hashes, state roots and outcomes');
      const outcomes = ((await blocksOf(a, height)) as { txs: { outcome: { code: string } }[] }[]).flatMap((block) => block.txs.map((tx) => tx.outcome.code));
      t.true(outcomes.includes('BAD_SCHEMA'), 'the junk record');
      t.true(outcomes.includes('BAD_SIGNATURE'), 'the forged tx');
      t.is((await a.get('/v1/state/apps/load/k/8')).value, 8, 'the chain carried on');
      t.is((await b.get('/v1/state/apps/load/k/5')).value, 5);
      // An audit of the topic from genesis: refusals are outcomes on a shared log, not tampering.
      await a.kill();
      const { stdout } = await promisify(execFile)(process.execPath, [
        bin,
        'audit',
        '--kafka',
        kafka.brokers.join(','),
        '--data',
        a.dataDir,
        '--json',
        '--threads',
        '1',
      ]);
      const report = JSON.parse(stdout) as { ok: boolean; outcomes: Record<string, number>; blocks: number };
      t.true(report.ok);
      t.is(report.outcomes.BAD_SIGNATURE, 1);
      t.is(report.outcomes.BAD_SCHEMA, 1);
      t.true(report.blocks >= height);
    },
  );

  test.serial(
    'the broker killed (SIGKILL) and restarted under load, and a node process killed: every acknowledged tx lands exactly once, the nodes resume by themselves',
    async (t) => {
      const own = await startKafka();
      if (own === undefined) return t.fail('a second broker did not start');
      t.teardown(() => own.stop());
      const chain = 'ain-kafka-faults';
      const { a, b } = await twoNodes(t, own.brokers, chain);
      // A client per batch: batches in flight at once (to two nodes, or retried) may land in either
      // order, and one client's nonces must rise in log order.
      const batchTxs = 20;
      const clients = Array.from({ length: 32 }, () => generateKeyPair());
      const sign = (i: number) =>
        signTx({
          key: clients[Math.floor(i / batchTxs)]!,
          op: {
            type: 'set',
            ops: [
              { type: 'set_value', path: `/apps/load/k/${i}`, value: i },
              { type: 'inc_value', path: '/apps/load/count', value: 1 },
            ],
          },
          nonce: (i % batchTxs) + 1,
          time: i,
          chain,
        });
      const acknowledged = new Set<number>();
      /** Submits a batch to a node until it is acknowledged (a client's retry; copies are DUPLICATE_TX). */
      const submit = async (node: NodeProcess, batch: number) => {
        const txs = Array.from({ length: batchTxs }, (_, j) => sign(batch * batchTxs + j));
        for (let attempt = 0; attempt < 60; attempt++) {
          const reply: { status: number; body: Record<string, any> } = await node.post('/v1/txs', txs).catch(() => ({ status: 0, body: {} }));
          if (reply.status === 202 && reply.body.accepted === batchTxs) {
            for (let j = 0; j < batchTxs; j++) acknowledged.add(batch * batchTxs + j);
            return;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
        throw new Error(`batch ${batch} was never acknowledged`);
      };
      let batch = 0;
      for (; batch < 5; batch++) await submit(batch % 2 ? b : a, batch);
      // The broker dies mid-load: appends in flight are either acknowledged after it is back, or retried.
      const inFlight = [submit(a, batch++), submit(b, batch++)];
      await own.kill();
      await new Promise((r) => setTimeout(r, 1000));
      await own.restart();
      await Promise.all(inFlight);
      for (let end = batch + 4; batch < end; batch++) await submit(batch % 2 ? b : a, batch);
      // Node B's process dies mid-load (once it has a snapshot) and comes back on its snapshot and its Kafka offset.
      await until(async () => (await readdir(join(b.dataDir, 'snapshots')).catch(() => [])).some((f) => f.endsWith('.json')), 'a snapshot of node B');
      const inFlightB = submit(a, batch++);
      await b.kill('SIGKILL');
      await inFlightB;
      const b2 = await startNodeProcess(
        b.dataDir,
        ['--log', 'kafka', '--brokers', own.brokers.join(','), '--chain', chain, '--block-interval-ms', '100', '--genesis', join(a.dataDir, 'genesis.json')],
        { AIN_SNAPSHOT_EVERY_BLOCKS: '3' },
      );
      t.teardown(() => b2.kill('SIGKILL'));
      for (let end = batch + 3; batch < end; batch++) await submit(batch % 2 ? b2 : a, batch);
      for (const i of [...acknowledged].filter((n) => n % batchTxs === batchTxs - 1)) await landed(a, txHashOf(sign(i)));
      // B's tx index starts at its snapshot: follow its height instead.
      const target = (await a.get('/v1/status')).height;
      await until(async () => (await b2.get('/v1/status')).height >= target, `node B at height ${target}`);
      for (const node of [a, b2]) {
        const keys = Object.keys((await node.get('/v1/state/apps/load/k')).value);
        const missing = [...acknowledged].filter((i) => !keys.includes(String(i)));
        if (missing.length > 0) t.log(`missing ${missing.length}: ${missing.slice(0, 5).join(',')}…`);
        t.is(keys.length, acknowledged.size, 'every acknowledged tx is in the state');
        t.is((await node.get('/v1/state/apps/load/count')).value, acknowledged.size, 'none was applied twice');
      }
      const height = Math.min((await a.get('/v1/status')).height, (await b2.get('/v1/status')).height);
      const [ha, hb] = await Promise.all([a.get(`/v1/blocks/${height}`), b2.get(`/v1/blocks/${height}`)]);
      t.is(ha.hash, hb.hash, 'the restarted node cut the same chain');
      const status = await b2.get('/v1/status');
      await import('node:fs/promises').then((fs) => fs.cp(join(b.dataDir, 'node.log'), '/tmp/debug-b-node.log'));

      t.true(
        status.restoredFrom > 0,
        `node B resumed from its snapshot: ${JSON.stringify(status)} ${JSON.stringify(await import('node:fs/promises').then((fs) => fs.readdir(join(b.dataDir, 'snapshots')).catch((e) => String(e))))}`,
      );
    },
  );
}
