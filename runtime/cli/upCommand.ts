import { get } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { generateKeyPair, type KeyPair } from '../../log/index.ts';
import { AinError, isAinError, type Op, type Tx } from '../../schemas/index.ts';
import { workersPerRequestMax } from '../../actors/index.ts';
import { dashboardUrl } from './uiCommand.ts';
import { runSampleSession, sampleEvaluatorsDefault, sampleWorkersDefault } from '../agents/index.ts';
import { createNodeSubmitter, getBalance, getBlock, getState, postTx, waitForTx } from '../client/index.ts';
import { loadConfig } from '../config/index.ts';
import { createDockerRuntime, createProcessRuntime, type ExecutionRuntime } from '../exec/index.ts';
import { startNode } from '../node/index.ts';
import { stopOnSignals } from './nodeCommand.ts';
import type { CommandContext } from './main.ts';
import { UsageError } from './output.ts';
import { capitalized, payoutLine, roleIn } from './payoutLine.ts';
import { startUpNetwork, upStopGraceMs } from './upNetwork.ts';
import { createUpOutput, type UpOutput } from './upOutput.ts';

// Where the lines go: steps on a terminal, plain lines otherwise, NDJSON events with --json.
let out: UpOutput;
const say = (line: string) => out.say(line);

/** The refusal a node answers a tx with at the boundary, or `ok` if it took it. */
async function refusalOf(url: string, tx: Tx): Promise<string> {
  return postTx(url, tx).then(
    () => 'ok',
    (error: unknown) => {
      if (isAinError(error)) return error.code;
      throw error;
    },
  );
}

/** Where `ain up` runs its demo and sample: one node, or the validators of a local network. */
interface UpTarget {
  /** The node the client talks to. */
  readonly url: string;
  /** Every node, for the agents to spread over (one entry on a single node). */
  readonly urls: readonly string[];
  /** Sends from the key that owns `/` and holds the dev AIN. */
  fund(op: Op): Promise<unknown>;
  /** Who that key is, in words (it set a rule and sent AIN). */
  readonly funder: string;
  waitFinal(height: number, timeoutMs: number): Promise<void>;
  /** Why a final block is final, in words. */
  readonly finalWhy: string;
  /** The node (or validator) that proposed a block, in words. */
  proposedBy(address: string): string;
}

/**
 * A client's first session against a fresh chain: one tx, a batch, a refusal, outcomes and
 * finality. The client is a new key each time: its ~100 txs take most of a new account's tx
 * budget for a minute (bandwidth), and a key kept in the data dir made a second `ain up` within
 * that minute fail with BANDWIDTH_EXCEEDED.
 */
async function demo(target: UpTarget, client: KeyPair): Promise<void> {
  out.step('demo');
  const { url } = target;
  const submitter = createNodeSubmitter({ nodeUrl: url, key: client });
  // Bounds on waits, not expectations: a block takes well under a second on a quiet machine.
  const landed = (hash: string) => waitForTx(url, hash, Date.now() + 60_000);

  // The owner of / opens /apps/demo/<address> to each address and funds the client.
  await target.fund({ type: 'set_rule', path: '/apps/demo/$user', value: { write: 'auth.addr == $user' } });
  await target.fund({ type: 'send', to: client.address, amount: '1000' });
  say(`  ${target.funder} set a rule on /apps/demo/$user and sent 1000 AIN to the client ${client.address.slice(0, 10)}…`);
  await waitForBalance(url, client.address);

  const one = await submitter.append({ type: 'set_value', path: `/apps/demo/${client.address}/hello`, value: 'world' });
  say(`  POST /v1/tx   set_value /apps/demo/…/hello → accepted, hash ${one.hash.slice(0, 16)}…`);

  const many = await submitter.appendBatch(
    Array.from({ length: 100 }, (_, i) => ({ type: 'inc_value', path: `/apps/demo/${client.address}/counter`, value: i }) as const),
  );
  say(`  POST /v1/txs  100 inc_value → ${many.accepted} accepted, durable before the answer`);

  const forged = { ...(await submitter.sign({ type: 'send', to: client.address, amount: '1' })), nonce: 0 };
  say(`  POST /v1/tx   a tx changed after signing → refused: ${await refusalOf(url, forged)}`);

  const denied = await submitter.append({ type: 'set_value', path: '/apps/demo/someone-else', value: 'x' });
  const last = many.results.at(-1)!;
  if (!('hash' in last)) throw new AinError('INTERNAL', `The node refused the demo's last inc_value: ${last.code}: ${last.message}`);
  const lastLanded = await landed(last.hash);
  const block = await getBlock({ url }, { height: lastLanded.height });
  say(
    `  block ${block.header.height}: ${block.txs.length} txs, proposed by ${target.proposedBy(block.header.proposer)}, txRoot ${block.header.txRoot.slice(0, 16)}…, stateRoot ${block.header.stateRoot.slice(0, 16)}…`,
  );
  say(`  outcomes: hello ${(await landed(one.hash)).outcome.code}; a write to another's path ${(await landed(denied.hash)).outcome.code}`);
  await target.waitFinal(lastLanded.height, 60_000);
  const counter = await getState({ url }, { path: `/apps/demo/${client.address}/counter` });
  say(`  block ${lastLanded.height} is final (${target.finalWhy}); counter = ${String(counter.value)}`);
}

/** Waits (bounded) until `address` holds AIN on the node at `url`. */
async function waitForBalance(url: string, address: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await getBalance({ url }, { address })) === 0n) {
    if (Date.now() > deadline) throw new AinError('NOT_FINAL', `The client ${address} was not funded within 60 s.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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

/** The papers' sample session by agents, spread over the nodes, printed as the paper's console does. */
async function sample(target: UpTarget, options: UpOptions, dataDir: string, auditDir: string = dataDir): Promise<void> {
  const { runtime, evaluators, workers } = options;
  out.step('runtime');
  const chosen = await chooseRuntime(runtime);
  const { execution, why } = chosen;
  const timeLimitMs = options.timeLimitMs ?? chosen.timeLimitMs;
  say(`The papers' sample job, Calculate Root (examples/root): its programs run ${why}`);
  try {
    const result = await runSampleSession({
      nodeUrl: target.url,
      nodeUrls: target.urls,
      fund: (op) => target.fund(op),
      dataDir: join(dataDir, 'agents'),
      execution,
      timeLimitMs,
      evaluators,
      workers,
      say: (line) => say(`  ${line}`),
      step: (s) => out.step(s),
    });
    await out.end();
    const parties = {
      client: Object.keys(result.roles).find((address) => result.roles[address] === 'client')!,
      evaluator: result.evaluator,
      workers: Object.keys(result.roles).filter((address) => result.roles[address]!.startsWith('worker')),
    };
    // The paper's line: each payee by its role and address, `Evaluator (0x…) received 10, worker (0x…) received 10`.
    const received = capitalized(payoutLine(result.payouts, parties, (to) => `${roleIn(parties, to)} (${to.slice(0, 10)}…)`));
    out.emit({ event: 'sample', ...result });
    say(`  X: ${result.x}`);
    say(`  Total ${result.participants} workers participated. ${received}.`);
    const why = result.refundReason === undefined ? '' : ` (${result.refundReason})`;
    say(`  request ${result.request.slice(0, 16)}… ${result.state}${why}; replay and check it all with: ain audit --data ${auditDir}`);
    for (const line of result.workerLines ?? []) say(`    ${line}`);
  } finally {
    await execution.close();
  }
}

interface UpOptions {
  readonly data: string;
  readonly port: number;
  readonly once: boolean;
  readonly runtime: string;
  /** The sample's scale: how many evaluators and workers apply. */
  readonly evaluators: number;
  readonly workers: number;
  /** The sample request's time limit, ms, when `--time-limit` gives one (else the runtime's: 3 s as processes, 10 s in Docker). */
  readonly timeLimitMs?: number;
}

/** At most this many evaluators apply in the sample: one takes the request, the others stand by. */
const evaluatorsMax = 16;

/** A `--evaluators`/`--workers` value: a whole number from 1 to `max`. */
function agentCount(text: string, flag: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw new UsageError(`--${flag} must be a whole number from 1 to ${max}, got "${text}".`);
  return Number(text);
}

/** The longest `--time-limit`: an hour is far past any run of the sample, and well inside a chain's own bound. */
const sampleTimeLimitMax = 3_600_000;

/** A `--time-limit` value: whole milliseconds from 1000 to an hour. */
function sampleTimeLimit(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1000 || Number(text) > sampleTimeLimitMax)
    throw new UsageError(`--time-limit must be a whole number of milliseconds from 1000 to ${sampleTimeLimitMax}, got "${text}".`);
  return Number(text);
}

/** Today's dev node: one process, one validator holding all the stake, its own key the owner. */
async function upOneNode(options: UpOptions, failed: (error: unknown) => Promise<never>): Promise<void> {
  const config = await loadConfig({ env: {}, flags: { dataDir: options.data, port: options.port } }).catch(failed);
  const node = await startNode({ config, logger: pino({ level: 'warn' }, pino.destination(2)) }).catch(failed);
  say(`ain up: node ${node.key.address} serving ${config.chain} at ${node.url} (data in ${config.dataDir})`);
  say(`  the dashboard: ${dashboardUrl(node.url)} (live in a browser; ain ui prints or opens it)`);
  const target: UpTarget = {
    url: node.url,
    urls: [node.url],
    fund: (op) => node.submit(op),
    funder: "the node's key (owner of /)",
    waitFinal: (height, timeoutMs) => node.waitFinal(height, timeoutMs),
    finalWhy: "the node's attestation carries all the stake",
    proposedBy: () => 'the node',
  };
  try {
    await demo(target, generateKeyPair());
    await sample(target, options, config.dataDir);
  } catch (error) {
    await out.fail(error);
    await node.stop();
    throw error;
  }
  node.blocks$.subscribe((b) => say(`  block ${b.header.height}: ${b.txs.length} txs, hash ${b.hash.slice(0, 16)}…, final up to ${b.finalized.height}`));
  if (options.once) {
    await node.stop();
    say('ain up: done.');
    return;
  }
  say(`ain up: the node keeps running; submit txs to ${node.url}/v1/tx (see README). Ctrl-C stops it.`);
  await stopOnSignals(() => node.stop());
}

/** A local network: validators as child processes agreeing over libp2p, the agents spread over them. */
async function upNetwork(options: UpOptions, validators: number, failed: (error: unknown) => Promise<never>): Promise<void> {
  const net = await startUpNetwork({ dir: options.data, validators, port: options.port }).catch(failed);
  const [first, second] = [net.nodes[0]!, net.nodes[1] ?? net.nodes[0]!];
  say(`ain up: ${validators} validators agreeing over libp2p (CometBFT's algorithm), each its own process and log (data in ${options.data})`);
  say(`  ${net.nodes.map((node) => `${node.name} at ${node.url}`).join(', ')}; the client talks to ${second.name}, the agents spread over all`);
  say(`  the dashboard: ${dashboardUrl(first.url)} (every node serves one at /; ain ui prints or opens it)`);
  const owner = createNodeSubmitter({ nodeUrl: first.url, key: net.owner });
  const quorum = Math.floor((2 * validators) / 3) + 1;
  const target: UpTarget = {
    url: second.url,
    urls: net.nodes.map((node) => node.url),
    fund: (op) => owner.append(op),
    funder: `the genesis owner via ${first.name}`,
    waitFinal: (height, timeoutMs) => net.waitFinal(height, timeoutMs),
    finalWhy: `at least ${quorum} of ${validators} validators precommitted it, and every node holds their certificate`,
    proposedBy: (address) => net.nameOf(address),
  };
  // A node that hangs as it stops is killed after a while, and named: `ain up` never waits for ever.
  const stopAll = async () => {
    for (const name of await net.stop()) {
      const log = join(net.nodes.find((node) => node.name === name)!.dir, 'node.log');
      say(
        `ain up: ${name} had not stopped ${upStopGraceMs / 1000} s after it was asked to, so it was killed (SIGKILL); a kill loses nothing a node acknowledged, its next start recovers its log (see ${log}).`,
      );
    }
  };
  try {
    await demo(target, generateKeyPair());
    await sample(target, options, options.data, first.dir);
  } catch (error) {
    await out.fail(error);
    await stopAll();
    throw error;
  }
  const watching = watchBlocks(first.url, (line) => say(line), net.nameOf);
  if (options.once) {
    watching.stop();
    await stopAll();
    say('ain up: done.');
    return;
  }
  say(`ain up: the network keeps running; submit txs to any node (${net.nodes.map((node) => node.url).join(', ')}). Ctrl-C stops it.`);
  await stopOnSignals(async () => {
    watching.stop();
    await stopAll();
  });
}

/** Prints each new block of the node at `url`: who proposed it, and up to where the chain is final. */
function watchBlocks(url: string, say: (line: string) => void, nameOf: (address: string) => string): { stop(): void } {
  let seen = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const latest = await getBlock({ url }, { height: 'latest' });
      if (seen === 0) seen = latest.header.height;
      for (let h = seen + 1; h <= latest.header.height; h++) {
        const b = await getBlock({ url }, { height: h });
        say(`  block ${h}: ${b.txs.length} txs, proposed by ${nameOf(b.header.proposer)}, decided by the validators (final), hash ${b.hash.slice(0, 16)}…`);
      }
      seen = latest.header.height;
    })()
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 500);
  return { stop: () => clearInterval(timer) };
}

/**
 * `ain up [--nodes N] [--evaluators N] [--workers N] [--data DIR] [--port N] [--once] [--runtime auto|docker|process] [--time-limit MS] [--json]`:
 * what `npm start` runs. By default a local network of 4 validators, each `ain node` a child
 * process with its own file log, agreeing on every block over libp2p; `--nodes 1` runs one dev
 * node instead (one validator, attestations for finality). Then a client's first txs, and the
 * papers' sample job run end to end by agents (an admin, 3 evaluators and 12 workers by default,
 * and a client) spread over the nodes.
 */
export async function upCommand(args: string[], { json }: CommandContext = { json: false }): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string', default: '4' },
      evaluators: { type: 'string', default: String(sampleEvaluatorsDefault) },
      workers: { type: 'string', default: String(sampleWorkersDefault) },
      data: { type: 'string' },
      port: { type: 'string', default: '8080' },
      once: { type: 'boolean' },
      runtime: { type: 'string', default: 'auto' },
      'time-limit': { type: 'string' },
    },
  });
  if (!/^\d+$/.test(values.port)) throw new UsageError(`--port must be a whole number, got "${values.port}".`);
  if (!/^\d+$/.test(values.nodes) || Number(values.nodes) < 1 || Number(values.nodes) > 16) {
    throw new UsageError(`--nodes must be a whole number from 1 to 16, got "${values.nodes}".`);
  }
  const nodes = Number(values.nodes);
  const evaluators = agentCount(values.evaluators, 'evaluators', evaluatorsMax);
  const workers = agentCount(values.workers, 'workers', workersPerRequestMax);
  const timeLimitMs = values['time-limit'] === undefined ? undefined : sampleTimeLimit(values['time-limit']);
  out = createUpOutput({ json });
  out.step('node');
  const failed = async (error: unknown): Promise<never> => {
    await out.fail(error);
    throw error;
  };
  const options: UpOptions = {
    data: values.data ?? join('.data', nodes === 1 ? 'up' : 'up-net'),
    port: Number(values.port),
    once: values.once === true,
    runtime: values.runtime,
    evaluators,
    workers,
    ...(timeLimitMs === undefined ? {} : { timeLimitMs }),
  };
  if (nodes === 1) return upOneNode(options, failed);
  return upNetwork(options, nodes, failed);
}
