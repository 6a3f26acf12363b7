// `npm run bench -- shard`: how long a child chain's block takes to be recorded on its parent, and
// what reporting costs the parent. A parent of four validators and a shard `/apps/x` of three
// (`ain net init --shard`, the default shard rules), every node a process of this machine, as the
// shard e2e runs them; a stream of txs keeps the child deciding blocks while both chains' streams
// are followed: the child's `consensus` (a block decided and applied on a child node) and the
// parent's `shards/apps/x` (its `reported` events, sent once the parent block holding the report
// is applied). Then the same with the child on Kafka (`--log kafka`), its blocks final by
// attestations and followed on its `finality` stream.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openFileLog, signTx } from '../log/index.ts';
import { readStream } from '../runtime/client/index.ts';
import { writeKeyFile } from '../runtime/keys/index.ts';
import type { Op, ShardsEvent, Tx } from '../schemas/index.ts';
import { basePort, bin, initNetwork, run, startNetwork, type NetworkFiles } from '../test/runtime/consensus/networkHarness.ts';
import { until, type NodeProcess } from '../test/runtime/node/nodeProcess.ts';
import { percentile, withTempDir, type Figure } from './measure.ts';
import { waitForQuiet } from './quiet.ts';
import { startKafka } from '../test/services/kafka.ts';

const shard = '/apps/x';
const decoder = new TextDecoder();
/** Child blocks measured, after the first few (the reporters' start). */
const childBlocks = 40;
/** A tx to the child every this many ms: more than one per child block at the default interval. */
const txEveryMs = 100;

/** Bytes of a node's embedded log (its segments). */
async function logBytes(dataDir: string): Promise<number> {
  const dir = join(dataDir, 'log');
  let bytes = 0;
  for (const name of await readdir(dir)) bytes += (await stat(join(dir, name))).size;
  return bytes;
}

const heightOf = async (node: NodeProcess) => (await node.get<{ height: number }>('/v1/status')).height;

/** First-seen times of the heights a stream names, from `fromHeight` on, until aborted. */
function follow(
  node: NodeProcess,
  name: string,
  fromHeight: number,
  heightsOf: (data: unknown, id: number) => number[],
  signal: AbortSignal,
): Map<number, number> {
  const seen = new Map<number, number>();
  void (async () => {
    try {
      for await (const event of readStream(node.url, name, { fromHeight, signal })) {
        const now = performance.now();
        for (const height of heightsOf(event.data, event.id)) if (!seen.has(height)) seen.set(height, now);
      }
    } catch (error) {
      if (!signal.aborted) console.error(`following ${name} on ${node.url} failed: ${String(error)}`);
    }
  })();
  return seen;
}

interface Lag {
  samples: number[];
  reports: number;
  reportTxs: number;
  parentBytes: number;
  parentBlocks: number;
  parentIntervalMs: number;
}

/** The child's log: each node its own file log (consensus), or one Kafka topic (attestations). */
type ChildLog = { readonly kind: 'file' } | { readonly kind: 'kafka'; readonly brokers: readonly string[] };

async function measure(dir: string, childLog: ChildLog): Promise<Lag> {
  const cleanups: (() => unknown)[] = [];
  const t = { teardown: (fn: () => unknown) => void cleanups.push(fn) };
  try {
    const parentFiles: NetworkFiles = await initNetwork(t, 4);
    const parents = await startNetwork(t, parentFiles);
    const ownerFile = join(dir, 'owner.key');
    await writeKeyFile(ownerFile, parentFiles.owner);
    const childDir = join(dir, 'child');
    const args = ['net', 'init', '--shard', shard, '--validators', '3', '--dir', childDir, '--parent', parents.map((p) => p.url).join(','), '--key', ownerFile];
    const logArgs = childLog.kind === 'kafka' ? ['--log', 'kafka', '--brokers', childLog.brokers.join(',')] : [];
    const { stdout } = await run(process.execPath, [bin, ...args, ...logArgs, '--base-port', String(await basePort(3)), '--json']);
    const out = JSON.parse(stdout) as { nodes: { dir: string; address: string; peerId: string }[] };
    const children = await startNetwork(t, { dir: childDir, nodes: out.nodes, owner: parentFiles.owner });
    const parentConfig = JSON.parse(await readFile(join(parentFiles.nodes[0]!.dir, 'config.json'), 'utf8')) as { block?: { intervalMs?: number } };

    let nonce = 1;
    const childTx = (op: Op): Tx => signTx({ key: parentFiles.owner, op, nonce: nonce++, time: Date.now(), chain: 'ain-local', shard });
    const [child] = children;
    const [parent] = parents;
    const post = async (tx: Tx) => {
      const answer = await child!.post('/v1/tx', tx);
      if (answer.status !== 202) throw new Error(`the child refused a tx: ${JSON.stringify(answer.body)}`);
    };
    await post(childTx({ type: 'set_rule', path: '/apps/x/n', value: { write: true } }));
    // Warm up: the reporters have found the parent and reported what the child has.
    await until(async () => (await heightOf(child!)) >= 1, 'the child’s first block', 60_000);
    const warm = await heightOf(child!);
    await until(async () => (await parent!.get<{ last: { height: number } }>(`/v1/shards${shard}`)).last.height >= warm, 'the first reports', 60_000);

    const from = (await heightOf(child!)) + 1;
    const parentFrom = (await heightOf(parent!)) + 1;
    const parentBytesBefore = await logBytes(parentFiles.nodes[0]!.dir);
    const aborter = new AbortController();
    // A block is decided by consensus, or on Kafka final once its attestations are in.
    let finalSeen = from - 1;
    const decided =
      childLog.kind === 'file'
        ? follow(child!, 'consensus', from, (_, id) => [id], aborter.signal)
        : follow(
            child!,
            'finality',
            from,
            (data) => {
              const { height } = (data as { finalized: { height: number } }).finalized;
              const heights = Array.from({ length: Math.max(0, height - finalSeen) }, (_, i) => finalSeen + 1 + i);
              finalSeen = Math.max(finalSeen, height);
              return heights;
            },
            aborter.signal,
          );
    let reports = 0;
    const recorded = follow(
      parent!,
      `shards${shard}`,
      parentFrom,
      (data) =>
        (data as ShardsEvent).events.flatMap((e) => {
          if (e.type !== 'reported') return [];
          reports++;
          return Array.from({ length: e.childTo - e.childFrom + 1 }, (_, i) => e.childFrom + i);
        }),
      aborter.signal,
    );
    const to = from + childBlocks - 1;
    while ((await heightOf(child!)) < to) {
      const last = childTx({ type: 'set_value', path: '/apps/x/n', value: nonce });
      await post(last);
      await sleep(txEveryMs);
    }
    await until(async () => recorded.has(to) && decided.has(to), `child block ${to} recorded on the parent`, 120_000);
    aborter.abort();

    const samples: number[] = [];
    for (let height = from; height <= to; height++) {
      const at = decided.get(height);
      const on = recorded.get(height);
      if (at !== undefined && on !== undefined) samples.push(Math.max(0, on - at));
    }
    // The parent's log over the window, read once its first node has stopped: its report txs.
    const parentTo = await heightOf(parent!);
    const firstOffset = (await parent!.get<{ blocks: { header: { firstOffset: number } }[] }>(`/v1/blocks?from=${parentFrom}&to=${parentFrom}`)).blocks[0]!
      .header.firstOffset;
    await parent!.kill('SIGTERM');
    const parentBytes = (await logBytes(parentFiles.nodes[0]!.dir)) - parentBytesBefore;
    const log = await openFileLog({ dir: join(parentFiles.nodes[0]!.dir, 'log'), fsync: 'never' });
    let reportTxs = 0;
    try {
      for (let offset = firstOffset; offset <= log.lastOffset();) {
        const records = await log.read(offset, { maxRecords: 1000 });
        if (records.length === 0) break;
        for (const record of records) {
          if ((JSON.parse(decoder.decode(record.value)) as { op?: { type?: string } }).op?.type === 'report') reportTxs++;
        }
        offset = records.at(-1)!.offset + 1;
      }
    } finally {
      await log.close();
    }
    return { samples, reports, reportTxs, parentBytes, parentBlocks: parentTo - parentFrom + 1, parentIntervalMs: parentConfig.block?.intervalMs ?? 1000 };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}

export async function benchShard(): Promise<Figure[]> {
  await waitForQuiet();
  const lag = await withTempDir('ain-bench-shard-', (dir) => measure(dir, { kind: 'file' }));
  const figures = lagFigures(
    'shard.report',
    lag,
    `decided on a child node (its consensus stream) → its header recorded on the parent (the parent's shards stream); a 4-validator parent (block interval ${lag.parentIntervalMs} ms) and a 3-validator shard ${shard} (default shard rules), 7 processes on this machine`,
  );
  // The same child on Kafka (a topic of its own): its blocks final by attestations, which prove them to the parent.
  const kafka = await startKafka();
  if (kafka === undefined) return figures;
  try {
    await waitForQuiet();
    const onKafka = await withTempDir('ain-bench-shard-kafka-', (dir) => measure(dir, { kind: 'kafka', brokers: kafka.brokers }));
    const where = `final on a child node (its finality stream) → recorded on the parent; the same parent and a 3-validator shard ${shard} on Kafka (one broker on this machine)`;
    return [...figures, ...lagFigures('shard.kafka.report', onKafka, where)];
  } finally {
    await kafka.stop();
  }
}

/** The lag, report txs and parent bytes per child block of one measurement, named under `prefix`. */
function lagFigures(prefix: string, lag: Lag, where: string): Figure[] {
  const p99 = percentile(lag.samples, 99);
  return [
    {
      name: `${prefix}.lag.p50`,
      value: percentile(lag.samples, 50),
      unit: 'ms',
      note: `${lag.samples.length} child blocks, ${where}`,
    },
    { name: `${prefix}.lag.p99`, value: p99, unit: 'ms' },
    {
      name: `${prefix}.lag.intervals`,
      value: p99 / lag.parentIntervalMs,
      unit: 'x',
      note: `${prefix}.lag.p99 in parent block intervals (target ≤ 2)`,
    },
    {
      name: `${prefix}.txs`,
      value: lag.reportTxs / childBlocks,
      unit: 'x',
      note: `report txs per reported child block: ${lag.reportTxs} in ${lag.parentBlocks} parent blocks for ${childBlocks} child blocks, in ${lag.reports} reported events (a validator's report that another's beat is refused, and counted)`,
    },
    {
      name: `${prefix}.bytes`,
      value: lag.parentBytes / childBlocks,
      unit: 'bytes/block',
      note: `the parent's log growth per reported child block (its report txs, the parent blocks' cuts and certificates): ${lag.parentBytes} bytes`,
    },
  ];
}
