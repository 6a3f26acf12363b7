// A network of validators for bench/net.ts: `ain net init`, each `ain node` a child process on
// 127.0.0.1 (as the process tests start them), pre-signed load spread over the nodes, and a
// tracker that sees when each block is applied on every live node.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { signTx, txHashOf } from '../log/index.ts';
import { initNetwork, startNetwork, type NetworkFiles, type NetView } from '../test/runtime/consensus/networkHarness.ts';
import { until, type NodeProcess } from '../test/runtime/node/nodeProcess.ts';
import { followStream } from '../runtime/client/index.ts';
import { makeKeys, makeTxs } from './txFixtures.ts';

/** What the load and the tracker ask of a node: its API (a process of this machine, or a node in a container). */
export type BenchNode = Pick<NodeProcess, 'url' | 'get' | 'post' | 'kill'>;

/** A network's nodes by index; a killed node is null until restarted. */
export interface BenchNetwork {
  readonly files: NetworkFiles;
  readonly nodes: (BenchNode | null)[];
  live(): BenchNode[];
}

/** Starts `validators` nodes of a new network; `use` runs on it, then every process and file goes, whatever happened. */
export async function withNetwork<T>(validators: number, use: (net: BenchNetwork) => Promise<T>, env: Record<string, string> = {}): Promise<T> {
  const cleanups: (() => unknown)[] = [];
  const t = { teardown: (fn: () => unknown) => void cleanups.push(fn) };
  try {
    const files = await initNetwork(t, validators);
    const nodes: (BenchNode | null)[] = await startNetwork(t, files, env);
    // Restarted nodes too are killed at the end.
    t.teardown(() => Promise.all(nodes.map((node) => node?.kill('SIGKILL'))));
    const net: BenchNetwork = { files, nodes, live: () => nodes.filter((n): n is BenchNode => n !== null) };
    await openBenchPath(net);
    try {
      return await use(net);
    } catch (error) {
      await printNodeLogs(files);
      throw error;
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}

/** What a failed run leaves to read: each node's last warnings and its last blocks, before the files go. */
async function printNodeLogs(files: NetworkFiles): Promise<void> {
  for (const node of files.nodes) {
    const lines = (await readFile(join(node.dir, 'node.log'), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
    const notable = lines.filter((l) => /"level":[45]0|"msg":"block committed"|behind a peer/.test(l)).slice(-8);
    console.error(`--- ${node.dir}/node.log (${lines.length} lines), last notable:\n${notable.map((l) => l.slice(0, 400)).join('\n')}`);
  }
}

/** The owner lets anyone write under /bench (the txs of bench/txFixtures.ts), applied on every node. */
export async function openBenchPath(net: BenchNetwork): Promise<void> {
  // A time for a nonce: on a deployed network the owner signed a tx already (ain deploy up's first).
  const now = Date.now();
  const rule = signTx({ key: net.files.owner, op: { type: 'set_rule', path: '/bench', value: { write: true } }, nonce: now, time: now });
  const answer = await net.nodes[0]!.post('/v1/tx', rule);
  if (answer.status !== 202) throw new Error(`the /bench rule was refused: ${JSON.stringify(answer.body)}`);
  for (const node of net.live()) {
    await until(
      async () => (await node.get<{ outcome?: { code: string } }>(`/v1/tx/${txHashOf(rule)}`)).outcome?.code === 'ok',
      'the /bench rule in a block',
      60_000,
    );
  }
}

/** One `POST /v1/txs` body, its txs' hashes, and the node it goes to. */
export interface Body {
  readonly bytes: Buffer;
  readonly hashes: readonly string[];
  readonly node: number;
}

/**
 * `count` signed txs in bodies of `batchTxs`, round robin over `nodes` nodes. Every sender signs
 * `txsPerKey` txs, all in one body (in nonce order), so no nonce of a sender can overtake
 * another on the way into a mempool.
 */
export function makeBodies(count: number, { batchTxs, txsPerKey, nodes }: { batchTxs: number; txsPerKey: number; nodes: number }): Body[] {
  const bodies: Body[] = [];
  for (let i = 0; i < count; i += batchTxs) {
    const n = Math.min(batchTxs, count - i);
    const txs = makeTxs(n, makeKeys(Math.ceil(n / txsPerKey)));
    bodies.push({ bytes: Buffer.from(JSON.stringify(txs)), hashes: txs.map((tx) => txHashOf(tx)), node: bodies.length % nodes });
  }
  return bodies;
}

/** How long `allFinal` waits without progress before it asks every node its height itself. */
const quietPollMs = 2000;

interface BlockPage {
  to: number;
  blocks: { header: { height: number; proposer: string }; txs: { hash: string; outcome: { code: string } }[] }[];
}

/**
 * Follows every live node's `blocks` stream; a block counts as applied on all once the lowest
 * height reaches it (its txs read from the first live node). Remembers, per height, that moment,
 * its proposer and its tx count, and for each awaited tx its height. The streams push each block
 * as it is applied, so the measure costs the nodes one event per block, not a poll of each node
 * every few milliseconds.
 */
export class Tracker {
  readonly allAtMs = new Map<number, number>();
  readonly proposers = new Map<number, string>();
  readonly txCounts = new Map<number, number>();
  readonly heightOf = new Map<string, number>();
  readonly refused: string[] = [];
  #awaited = new Set<string>();
  #known = 0;
  #heights = new Map<BenchNode, number>();
  #following: AbortController | undefined;
  #polling: Promise<void> = Promise.resolve();

  constructor(private readonly net: BenchNetwork) {}

  get height(): number {
    return this.#known;
  }

  /** Awaited txs applied on all live nodes so far. */
  get final(): number {
    return this.heightOf.size;
  }

  await(hashes: Iterable<string>): void {
    for (const hash of hashes) this.#awaited.add(hash);
  }

  start(): void {
    if (this.#following !== undefined) return;
    this.#following = new AbortController();
    for (const node of this.net.live()) void this.#follow(node, this.#following.signal);
    this.#polling = this.#polling.then(() => this.poll()).catch(() => undefined);
  }

  /**
   * One node's blocks as it applies them, until stopped or the node is gone. A node ends the
   * stream of a subscriber that falls behind (SLOW_CONSUMER): followStream resumes it from the
   * last block seen, where one dropped connection used to freeze the lowest height for good.
   */
  async #follow(node: BenchNode, signal: AbortSignal): Promise<void> {
    const onRetry = (error: unknown) => console.error(`  (the tracker resumes ${node.url}'s blocks stream: ${(error as Error).message})`);
    try {
      for await (const { data } of followStream(node.url, 'blocks', { signal, attemptsMax: 5, onRetry })) {
        this.#heights.set(node, (data as { height: number }).height);
        this.#polling = this.#polling.then(() => this.#advance(performance.now())).catch(() => undefined);
      }
    } catch {
      // Killed (recovery): the live nodes left decide.
    }
  }

  async stop(): Promise<void> {
    this.#following?.abort();
    this.#following = undefined;
    await this.#polling;
  }

  /** Asks every live node its height once (after stop, or before the streams' first events). */
  async poll(): Promise<void> {
    for (const node of this.net.live()) this.#heights.set(node, (await node.get<NetView>('/v1/net')).height);
    await this.#advance(performance.now());
  }

  async #advance(nowMs: number): Promise<void> {
    const live = this.net.live();
    const low = Math.min(...live.map((node) => this.#heights.get(node) ?? 0));
    while (this.#known < low) {
      const page = await live[0]!.get<BlockPage>(`/v1/blocks?from=${this.#known + 1}&to=${Math.min(low, this.#known + 500)}`);
      for (const block of page.blocks) {
        const height = block.header.height;
        this.allAtMs.set(height, nowMs);
        this.proposers.set(height, block.header.proposer);
        this.txCounts.set(height, block.txs.length);
        for (const tx of block.txs) {
          if (!this.#awaited.delete(tx.hash)) continue;
          this.heightOf.set(tx.hash, height);
          if (tx.outcome.code !== 'ok' && this.refused.length < 5) this.refused.push(`${tx.hash.slice(0, 12)}: ${tx.outcome.code}`);
        }
      }
      if (page.to <= this.#known) break; // the node holds no block past it yet: the next event reads on
      this.#known = page.to;
    }
  }

  /** Waits (bounded) until every awaited tx is applied on all live nodes; the moment the last one was. */
  async allFinal(timeoutMs: number): Promise<number> {
    let waiting = this.#awaited.size;
    let quietSinceMs = performance.now();
    await until(
      async () => {
        if (this.#awaited.size !== waiting) [waiting, quietSinceMs] = [this.#awaited.size, performance.now()];
        // No progress for a while: a failed page read leaves blocks unread until the next event, and an idle chain sends none.
        else if (performance.now() - quietSinceMs > quietPollMs) {
          quietSinceMs = performance.now();
          this.#polling = this.#polling.then(() => this.poll()).catch(() => undefined);
          await this.#polling;
        }
        return this.#awaited.size === 0;
      },
      `${this.#awaited.size} txs applied on every node`,
      timeoutMs,
    );
    let last = 0;
    for (const height of this.heightOf.values()) last = Math.max(last, this.allAtMs.get(height)!); // a spread of 100,000+ overflows the stack
    return last;
  }
}

export interface SendCounts {
  accepted: number;
  refused: number;
  failed: number;
  readonly problems: string[];
}

async function postBody(node: BenchNode, body: Body, counts: SendCounts): Promise<void> {
  try {
    const response = await fetch(`${node.url}/v1/txs`, { method: 'POST', body: body.bytes, headers: { 'content-type': 'application/json' } });
    const text = await response.text();
    if (response.status !== 202) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
    const reply = JSON.parse(text) as { accepted: number; results: { code?: string; message?: string }[] };
    counts.accepted += reply.accepted;
    counts.refused += body.hashes.length - reply.accepted;
    const refusal = reply.results.find((r) => r.code !== undefined);
    if (refusal !== undefined && counts.problems.length < 5) counts.problems.push(`${refusal.code}: ${refusal.message}`);
  } catch (error) {
    counts.failed++;
    if (counts.problems.length < 5) counts.problems.push((error as Error).message);
  }
}

const newCounts = (): SendCounts => ({ accepted: 0, refused: 0, failed: 0, problems: [] });

/**
 * Closed loop: `lanes` requests in flight per node, and no new body while more than `windowTxs`
 * sent txs wait to be applied on all (so the mempools, which each hold every pending tx of the
 * network, never fill). Stops sending at `deadlineMs`; returns the bodies sent.
 */
export async function sendWindowed(
  net: BenchNetwork,
  tracker: Tracker,
  bodies: readonly Body[],
  { lanes, windowTxs, deadlineMs }: { lanes: number; windowTxs: number; deadlineMs: number },
): Promise<{ sent: Body[]; counts: SendCounts }> {
  const counts = newCounts();
  const sent: Body[] = [];
  let sentTxs = 0;
  // The tracker counts every awaited tx applied so far, a warm-up's too: the window is this load's.
  const appliedBefore = tracker.final;
  const queues = net.nodes.map((_, i) => bodies.filter((b) => b.node === i));
  const lane = async (i: number): Promise<void> => {
    const node = net.nodes[i]!;
    for (let body = queues[i]!.shift(); body !== undefined; body = queues[i]!.shift()) {
      while (sentTxs - (tracker.final - appliedBefore) + body.hashes.length > windowTxs && performance.now() < deadlineMs) await sleep(2);
      if (performance.now() >= deadlineMs) return;
      sentTxs += body.hashes.length;
      tracker.await(body.hashes);
      sent.push(body);
      await postBody(node, body, counts);
    }
  };
  await Promise.all(net.nodes.flatMap((_, i) => Array.from({ length: lanes }, () => lane(i))));
  return { sent, counts };
}

/** Open loop: one body every `batchTxs / txsPerSecond` s to its node whatever the answers; when each was sent. */
export async function sendPaced(
  net: BenchNetwork,
  tracker: Tracker,
  bodies: readonly Body[],
  txsPerSecond: number,
): Promise<{ sentAtMs: number[]; counts: SendCounts }> {
  const counts = newCounts();
  const sentAtMs: number[] = [];
  const pending: Promise<void>[] = [];
  const startMs = performance.now();
  let dueMs = startMs;
  for (const body of bodies) {
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    dueMs += (body.hashes.length * 1000) / txsPerSecond;
    tracker.await(body.hashes);
    sentAtMs.push(performance.now());
    pending.push(postBody(net.nodes[body.node]!, body, counts));
  }
  await Promise.all(pending);
  return { sentAtMs, counts };
}
