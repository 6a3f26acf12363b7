import test, { type ExecutionContext } from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTx } from '../../../log/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { startKafka, type KafkaService } from '../../services/kafka.ts';
import { startKafkaProxy, type KafkaProxy } from '../../services/kafkaProxy.ts';
import { auditTopic, createLoad, readTopic, wrongAcks } from './kafkaLoad.ts';
import { startNodeProcess, until, type NodeProcess } from './nodeProcess.ts';

// A node on a real broker behind a fault-injecting proxy: the answer to a produce request the
// broker wrote is lost, and the broker is SIGKILLed before the node hears it. Every tx the node
// acknowledged must be in the log at the offset it was acknowledged at, and the live node's
// blocks must be those any replay of the topic gives.

interface Rig {
  readonly kafka: KafkaService;
  readonly proxy: KafkaProxy;
  readonly node: NodeProcess;
  readonly chain: string;
  readonly args: string[];
}

/** A request of one record (a node's own cut or attestation) is well under this; a batch of 20 txs well over. */
const smallRequestBytes = 2_000;
// Short enough that an append gives up while the broker is down, so the next append is another batch.
const appendRetryMs = '2000';

async function rig(t: ExecutionContext, chain: string): Promise<Rig | undefined> {
  const proxy = await startKafkaProxy();
  t.teardown(() => proxy.close());
  const kafka = await startKafka({ advertisedPort: proxy.port });
  if (kafka === undefined) return undefined;
  t.teardown(() => kafka.stop());
  proxy.setTarget(kafka.port);
  const dir = await mkdtemp(join(tmpdir(), 'ain-kf-'));
  t.teardown(() => (process.env.AIN_TEST_KEEP === undefined ? rm(dir, { recursive: true, force: true }) : t.log(`kept ${dir}`)));
  const args = ['--log', 'kafka', '--brokers', kafka.brokers.join(','), '--chain', chain, '--block-interval-ms', '100'];
  const node = await startNodeProcess(dir, args, { AIN_KAFKA_APPEND_RETRY_MS: appendRetryMs });
  t.teardown(() => node.kill('SIGKILL'));
  const owner = await readKeyFile(join(dir, 'node.key'));
  const rule = signTx({ key: owner, op: { type: 'set_rule', path: '/apps/load', value: { write: true } }, nonce: 1, time: 1, chain });
  if ((await node.post('/v1/tx', rule)).status !== 202) throw new Error('the rule tx was refused');
  return { kafka, proxy, node, chain, args };
}

/** Submits new batches until `count` more are acknowledged (a broker just back may refuse a few). */
async function ackMore(load: ReturnType<typeof createLoad>, node: NodeProcess, count: number): Promise<void> {
  let acked = 0;
  for (let tries = 0; acked < count; tries++) {
    if (tries >= 200) throw new Error(`only ${acked} of ${count} batches acknowledged in 200 tries`);
    if ((await load.submit(node)) === 202) acked++;
    else await new Promise((resolve) => setTimeout(resolve, 100)); // a client's back-off before its next batch
  }
}

/** Every acknowledgement holds; the live node's chain is what a fresh node replaying the topic cuts; the audit agrees. */
async function checkAgainstTopic(t: ExecutionContext, { kafka, node, chain, args }: Rig, load: ReturnType<typeof createLoad>): Promise<void> {
  const last = load.acks[load.acks.length - 1]!;
  await until(async () => (await fetch(`${node.url}/v1/tx/${last.hash}`)).status === 200, 'the last acknowledged tx in a block');
  t.log(new Date().toISOString().slice(14, 23), 'landed');
  const { genesis } = await node.get<{ genesis: string }>('/v1/status');
  const topic = await readTopic(kafka.brokers, chain, genesis);
  t.log(new Date().toISOString().slice(14, 23), 'read topic');
  t.deepEqual(
    wrongAcks(load.acks, topic).map(({ hash, offset }) => `${hash.slice(0, 12)}@${offset} holds ${topic.get(offset)?.slice(0, 12)}`),
    [],
    'every acknowledged tx is at its offset',
  );
  const keys = new Set(Object.keys((await node.get('/v1/state/apps/load/k')).value as object));
  t.is(load.acks.filter(({ tx }) => !keys.has(String((tx.op as { ops: { value: number }[] }).ops[0]!.value))).length, 0, 'every acknowledged tx is applied');
  t.is((await node.get('/v1/state/apps/load/count')).value, keys.size, 'none applied twice');
  // A fresh node replays the topic from genesis.
  const dir = await mkdtemp(join(tmpdir(), 'ain-kf-replay-'));
  t.teardown(() => (process.env.AIN_TEST_KEEP === undefined ? rm(dir, { recursive: true, force: true }) : t.log(`kept ${dir}`)));
  const replay = await startNodeProcess(dir, [...args, '--genesis', join(node.dataDir, 'genesis.json')]);
  t.teardown(() => replay.kill('SIGKILL'));
  const height = (await node.get('/v1/status')).height as number;
  await until(async () => (await replay.get('/v1/status')).height >= height, `the replaying node at height ${height}`, 60_000);
  const [live, replayed] = await Promise.all([node.get(`/v1/blocks/${height}`), replay.get(`/v1/blocks/${height}`)]);
  t.is(replayed.hash, live.hash, `block ${height}: the live node's chain is the replay's`);
  t.log(new Date().toISOString().slice(14, 23), 'replayed');
  await replay.kill();
  t.log(new Date().toISOString().slice(14, 23), 'replay stopped');
  await node.kill();
  t.log(new Date().toISOString().slice(14, 23), 'node stopped');
  const report = await auditTopic(kafka.brokers, node.dataDir);
  t.true(report.ok, `ain audit --kafka: ${JSON.stringify(report.mismatches?.slice(0, 3))}`);
}

test.serial('a written batch whose answer is lost, then the broker SIGKILLed: no acknowledged tx is lost, the live chain is the replay', async (t) => {
  t.timeout(240_000);
  const r = await rig(t, 'ain-kafka-lost-answer');
  if (r === undefined) return t.pass('kafka: no broker (test/services/kafka.sh), skipped');
  const load = createLoad(r.chain);
  await ackMore(load, r.node, 5);
  const held = r.proxy.holdNextProduceAnswer((bytes) => bytes > smallRequestBytes);
  const lost = load.submit(r.node);
  await held;
  await r.kafka.kill();
  t.log(new Date().toISOString().slice(14, 23), 'killed');
  t.is(await lost, 503, 'the batch whose answer was lost is not acknowledged');
  t.log('503');
  // GET /v1/health says the brokers do not answer while they do not, and no more once they do.
  const outage = async () =>
    (await r.node.get<{ problems: { code: string; message: string }[] }>('/v1/health')).problems.find((p) => p.code === 'LOG_UNAVAILABLE');
  await until(async () => (await outage()) !== undefined, 'LOG_UNAVAILABLE in /v1/health', 30_000);
  t.regex((await outage())!.message, /^Kafka topic \S+ at \S+ does not answer: .*; since then the node takes no tx and cuts no block\.$/);
  await r.kafka.restart();
  t.log(new Date().toISOString().slice(14, 23), 'restarted');
  await ackMore(load, r.node, 10);
  await until(async () => (await outage()) === undefined, 'LOG_UNAVAILABLE gone from /v1/health', 30_000);
  t.log(new Date().toISOString().slice(14, 23), 'acked more', JSON.stringify([...load.refusals]));
  await checkAgainstTopic(t, r, load);
});

test.serial('a node’s own cut or attestation whose answer is lost, then the broker SIGKILLed: the chain goes on and stays the replay’s', async (t) => {
  t.timeout(240_000);
  const r = await rig(t, 'ain-kafka-lost-own');
  if (r === undefined) return t.pass('kafka: no broker (test/services/kafka.sh), skipped');
  const load = createLoad(r.chain);
  await ackMore(load, r.node, 3);
  const held = r.proxy.holdNextProduceAnswer((bytes) => bytes < smallRequestBytes);
  await ackMore(load, r.node, 1); // a block to cut and attest
  await held;
  await r.kafka.kill();
  // The node's signer gives up on that append (it says so in its log); nothing else is sent meanwhile.
  await until(async () => (await readFile(join(r.node.dataDir, 'node.log'), 'utf8')).includes('could not append'), 'the node giving up an append', 30_000);
  await r.kafka.restart();
  await ackMore(load, r.node, 5);
  const finalBefore = (await r.node.get('/v1/status')).finalized as number;
  await until(async () => (await r.node.get('/v1/status')).finalized > finalBefore, 'finality moving on');
  await checkAgainstTopic(t, r, load);
});

test.serial(
  'repeated broker SIGKILLs, cut connections and lost answers under load: none acknowledged is lost or applied twice, the live chain is the replay',
  async (t) => {
    const kills = Number(process.env.AIN_TEST_KAFKA_KILLS ?? 10); // a longer run: AIN_TEST_KAFKA_KILLS=30
    t.timeout(120_000 + kills * 30_000);
    const r = await rig(t, 'ain-kafka-repeated');
    if (r === undefined) return t.pass('kafka: no broker (test/services/kafka.sh), skipped');
    const load = createLoad(r.chain);
    let loading = true;
    const submitters = [0, 1].map(async () => {
      while (loading) if ((await load.submit(r.node)) !== 202) await new Promise((resolve) => setTimeout(resolve, 100));
    });
    for (let round = 0; round < kills; round++) {
      // Some progress between faults: acknowledgements, not time, pace the rounds.
      const before = load.acks.length;
      await until(async () => load.acks.length >= before + 40, `acknowledgements before fault ${round}`, 120_000);
      if (round % 3 === 1) r.proxy.cutAll(); // connections cut mid-request, then the kill below
      if (round % 3 === 2) await r.proxy.holdNextProduceAnswer(); // a written batch's answer lost
      r.proxy.delayAnswers(round % 2 === 0 ? 0 : 50);
      await r.kafka.kill();
      await r.kafka.restart();
    }
    r.proxy.delayAnswers(0);
    const before = load.acks.length;
    await until(async () => load.acks.length >= before + 40, 'acknowledgements after the last fault', 120_000);
    loading = false;
    await Promise.all(submitters);
    t.log(`${kills} broker kills, ${load.acks.length} txs acknowledged, refusals ${JSON.stringify([...load.refusals])}`);
    await checkAgainstTopic(t, r, load);
  },
);
