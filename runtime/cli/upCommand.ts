import { get } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { KeyPair } from '../../log/index.ts';
import { AinError, isAinError, type Tx } from '../../schemas/index.ts';
import { runSampleSession } from '../agents/index.ts';
import { createNodeSubmitter, postTx, waitForTx } from '../client/index.ts';
import { loadConfig } from '../config/index.ts';
import { createDockerRuntime, createProcessRuntime, type ExecutionRuntime } from '../exec/index.ts';
import { loadOrCreateKeyFile } from '../keys/index.ts';
import { startNode, type AinNode } from '../node/index.ts';
import { stopOnSignals } from './nodeCommand.ts';
import type { CommandContext } from './main.ts';
import { UsageError } from './output.ts';
import { createUpOutput, type UpOutput } from './upOutput.ts';

// Where the lines go: steps on a terminal, plain lines otherwise, NDJSON events with --json.
let out: UpOutput;
const say = (line: string) => out.say(line);

/** The refusal a node answers a tx with at the boundary, or `ok` if it took it. */
async function refusalOf(node: AinNode, tx: Tx): Promise<string> {
  return postTx(node.url, tx).then(
    () => 'ok',
    (error: unknown) => {
      if (isAinError(error)) return error.code;
      throw error;
    },
  );
}

/** A client's first session against a fresh node: one tx, a batch, a refusal, outcomes and finality. */
async function demo(node: AinNode, client: KeyPair): Promise<void> {
  out.step('demo');
  const submitter = createNodeSubmitter({ nodeUrl: node.url, key: client });
  const landed = (hash: string) => waitForTx(node.url, hash, Date.now() + 10_000);

  // The node's key owns / on a dev genesis: it opens /apps/demo/<address> to each address and funds the client.
  await node.submit({ type: 'set_rule', path: '/apps/demo/$user', value: { write: 'auth.addr == $user' } });
  await node.submit({ type: 'send', to: client.address, amount: '1000' });
  say(`  the node's key (owner of /) set a rule on /apps/demo/$user and sent 1000 AIN to the client ${client.address.slice(0, 10)}…`);

  const one = await submitter.append({ type: 'set_value', path: `/apps/demo/${client.address}/hello`, value: 'world' });
  say(`  POST /v1/tx   set_value /apps/demo/…/hello → offset ${one.offset}, hash ${one.hash.slice(0, 16)}…`);

  const many = await submitter.appendBatch(
    Array.from({ length: 100 }, (_, i) => ({ type: 'inc_value', path: `/apps/demo/${client.address}/counter`, value: i }) as const),
  );
  say(`  POST /v1/txs  100 inc_value → ${many.accepted} accepted, durable in the file log`);

  const forged = { ...(await submitter.sign({ type: 'send', to: node.key.address, amount: '1' })), nonce: 0 };
  say(`  POST /v1/tx   a tx changed after signing → refused: ${await refusalOf(node, forged)}`);

  const denied = await submitter.append({ type: 'set_value', path: '/apps/demo/someone-else', value: 'x' });
  const last = many.results.at(-1)!;
  if (!('hash' in last)) throw new AinError('INTERNAL', `The node refused the demo's last inc_value: ${last.code}: ${last.message}`);
  const lastLanded = await landed(last.hash);
  const block = node.blocks.get(lastLanded.height)!;
  say(
    `  block ${block.header.height}: ${block.txs.length} txs, txRoot ${block.header.txRoot.slice(0, 16)}…, stateRoot ${block.header.stateRoot.slice(0, 16)}…`,
  );
  say(`  outcomes: hello ${(await landed(one.hash)).outcome.code}; a write to another's path ${(await landed(denied.hash)).outcome.code}`);
  await node.waitFinal(lastLanded.height, 10_000);
  const counter = node.ledger.tree.get(`/apps/demo/${client.address}/counter`);
  say(`  block ${lastLanded.height} is final (the node's attestation carries all the stake); counter = ${String(counter)}`);
}

/** A Docker engine's socket if one answers (DOCKER_HOST, else /var/run/docker.sock), quickly. */
async function dockerSocket(): Promise<string | undefined> {
  const host = process.env.DOCKER_HOST;
  const socketPath = host?.startsWith('unix://') ? host.slice('unix://'.length) : host === undefined ? '/var/run/docker.sock' : undefined;
  if (socketPath === undefined) return undefined;
  const answers = await new Promise<boolean>((resolve) => {
    const request = get({ socketPath, path: '/_ping', timeout: 1000 }, (response) => (response.resume(), resolve(response.statusCode === 200)));
    request.on('error', () => resolve(false)).on('timeout', () => (request.destroy(), resolve(false)));
  });
  return answers ? socketPath : undefined;
}

/** The runtime the sample's programs run on: Docker when an engine answers (or is asked for), processes otherwise. */
// Containers start much slower than processes, and slower still several at once on the vfs
// driver (see docs/benchmarks.md): the workers get a longer time limit in Docker than the paper's 3000 ms.
async function chooseRuntime(wanted: string): Promise<{ execution: ExecutionRuntime; why: string; timeLimitMs: number }> {
  if (wanted !== 'auto' && wanted !== 'docker' && wanted !== 'process') throw new UsageError(`--runtime must be auto, docker or process, got "${wanted}".`);
  const socketPath = wanted === 'process' ? undefined : await dockerSocket();
  if (socketPath !== undefined)
    return {
      execution: createDockerRuntime({ socketPath }),
      why: `in Docker containers (the engine at ${socketPath}; no network, read-only, non-root)`,
      timeLimitMs: 10_000,
    };
  if (wanted === 'docker')
    throw new AinError('RUNTIME_UNAVAILABLE', 'No Docker engine answers at DOCKER_HOST or /var/run/docker.sock; start one, or use --runtime process.');
  return {
    execution: createProcessRuntime(),
    why: wanted === 'process' ? 'as processes (--runtime process)' : 'as processes (no Docker engine answers at DOCKER_HOST or /var/run/docker.sock)',
    timeLimitMs: 3000,
  };
}

/** The papers' sample session by agents on the node, printed as the paper's console does. */
async function sample(node: AinNode, dataDir: string, runtime: string): Promise<void> {
  out.step('runtime');
  const { execution, why, timeLimitMs } = await chooseRuntime(runtime);
  say(`The papers' sample job, Calculate Root (examples/root): its programs run ${why}`);
  try {
    const result = await runSampleSession({
      nodeUrl: node.url,
      fund: (op) => node.submit(op),
      dataDir: join(dataDir, 'agents'),
      execution,
      timeLimitMs,
      say: (line) => say(`  ${line}`),
      step: (s) => out.step(s),
    });
    await out.end();
    const name = (address: string) => `${result.roles[address] ?? 'node'} (${address.slice(0, 10)}…)`;
    const received = result.payouts
      .map((p) => `${name(p.to)} received ${p.amount}${p.kind === 'reward' ? '' : ` (${p.kind === 'deposit' ? 'deposit back' : p.kind})`}`)
      .join(', ');
    out.emit({ event: 'sample', ...result });
    say(`  X: ${result.x}`);
    say(`  Total ${result.participants} workers participated. ${received}.`);
    const why = result.refundReason === undefined ? '' : ` (${result.refundReason})`;
    say(`  request ${result.request.slice(0, 16)}… ${result.state}${why}; replay and check it all with: ain audit --data ${dataDir}`);
  } finally {
    await execution.close();
  }
}

/**
 * `ain up [--data DIR] [--port N] [--once] [--runtime auto|docker|process] [--json]`: what `npm start` runs. One local node on the file log
 * and a dev genesis, cutting, applying and finalizing blocks; a client's first txs; then the
 * papers' sample job run end to end by agents (an admin, an evaluator, workers and a client).
 */
export async function upCommand(args: string[], { json }: CommandContext = { json: false }): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string', default: join('.data', 'up') },
      port: { type: 'string', default: '8080' },
      once: { type: 'boolean' },
      runtime: { type: 'string', default: 'auto' },
    },
  });
  if (!/^\d+$/.test(values.port)) throw new UsageError(`--port must be a whole number, got "${values.port}".`);
  out = createUpOutput({ json });
  out.step('node');
  const failed = async (error: unknown): Promise<never> => {
    await out.fail(error);
    throw error;
  };
  const config = await loadConfig({ env: {}, flags: { dataDir: values.data, port: Number(values.port) } }).catch(failed);
  const node = await startNode({ config, logger: pino({ level: 'warn' }, pino.destination(2)) }).catch(failed);
  say(`ain up: node ${node.key.address} serving ${config.chain} at ${node.url} (data in ${config.dataDir})`);
  try {
    const { key: client } = await loadOrCreateKeyFile(join(config.dataDir, 'client.key'));
    await demo(node, client);
    await sample(node, config.dataDir, values.runtime);
  } catch (error) {
    await out.fail(error);
    await node.stop();
    throw error;
  }
  node.blocks$.subscribe((b) => say(`  block ${b.header.height}: ${b.txs.length} txs, hash ${b.hash.slice(0, 16)}…, final up to ${b.finalized.height}`));
  if (values.once) {
    await node.stop();
    say('ain up: done.');
    return;
  }
  say(`ain up: the node keeps running; submit txs to ${node.url}/v1/tx (see README). Ctrl-C stops it.`);
  await stopOnSignals(() => node.stop());
}
