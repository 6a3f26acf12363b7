// The load generator for bench/ingestHttp.ts, in its own process so its CPU is not the node's
// event loop. It receives one LoadgenTask over IPC, signs and serialises every body BEFORE the
// clock starts, warms up, sends the timed rounds, posts one LoadgenResult and exits.
import { Agent, request } from 'node:http';
import { makeKeys, makeTxs, type SigningKey } from './txFixtures.ts';

export interface LoadgenTask {
  readonly url: string;
  /** `single`: one tx per `POST /v1/tx`; `batched`: `batchTxs` per `POST /v1/txs`. */
  readonly mode: 'single' | 'batched';
  /** Timed rounds, each of `txsPerRound` fresh txs; the figure is the median round. */
  readonly rounds: number;
  readonly txsPerRound: number;
  readonly warmupTxs: number;
  readonly batchTxs: number;
  /** Requests outstanding at once (and keep-alive connections). */
  readonly inFlight: number;
  readonly keys: number;
  /** For all timed rounds together; after it no new request is sent. */
  readonly timeLimitMs: number;
  /**
   * With `batched`: send one batch every `batchTxs / paceTxsPerSecond` s whatever the answers,
   * and report when each was sent (an open-loop load, for latency at a fixed rate).
   */
  readonly paceTxsPerSecond?: number;
}

/** A paced batch: when it was sent (ms since the epoch) and where its txs landed in the log. */
export interface PacedBatch {
  readonly sentAtMs: number;
  readonly lastOffset: number;
}

export interface Round {
  readonly acceptedTxs: number;
  readonly elapsedMs: number;
}

export interface LoadgenResult {
  readonly rounds: readonly Round[];
  readonly acceptedTxs: number;
  readonly refusedTxs: number;
  /** Responses that were not 202, or failed outright; the first few are in `problems`. */
  readonly failedRequests: number;
  readonly problems: readonly string[];
  readonly prepareMs: number;
  /** CPU this process used (user + system) during the timed rounds. */
  readonly cpuMs: number;
  readonly timedOut: boolean;
  /** With `paceTxsPerSecond`: every batch of the timed rounds. */
  readonly paced?: readonly PacedBatch[];
}

/** Messages to the parent: `timed` just before the first timed round, then one `result` or `error`. */
export type LoadgenMessage =
  { readonly type: 'timed' } | { readonly type: 'result'; readonly result: LoadgenResult } | { readonly type: 'error'; readonly message: string };

const requestTimeoutMs = 30_000;
const problemsMax = 5;

interface Body {
  readonly bytes: Buffer;
  readonly txs: number;
}

function prepare(task: LoadgenTask, keys: readonly SigningKey[], count: number): Body[] {
  const txs = makeTxs(count, keys);
  if (task.mode === 'single') return txs.map((tx) => ({ bytes: Buffer.from(JSON.stringify(tx)), txs: 1 }));
  const bodies: Body[] = [];
  for (let i = 0; i < txs.length; i += task.batchTxs) {
    const batch = txs.slice(i, i + task.batchTxs);
    bodies.push({ bytes: Buffer.from(JSON.stringify(batch)), txs: batch.length });
  }
  return bodies;
}

function post(agent: Agent, url: URL, path: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': body.length };
    const req = request({ host: url.hostname, port: url.port, path, method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(requestTimeoutMs, () => req.destroy(new Error(`no response in ${requestTimeoutMs} ms`)));
    req.end(body);
  });
}

interface Counts {
  acceptedTxs: number;
  refusedTxs: number;
  failedRequests: number;
  timedOut: boolean;
  readonly problems: string[];
}

/** Sends `bodies` with `task.inFlight` requests outstanding until `deadlineMs`; adds to `counts`. */
async function send(task: LoadgenTask, agent: Agent, bodies: readonly Body[], deadlineMs: number, counts: Counts): Promise<Round> {
  const url = new URL(task.url);
  const path = task.mode === 'single' ? '/v1/tx' : '/v1/txs';
  const acceptedBefore = counts.acceptedTxs;
  const fail = (problem: string) => {
    counts.failedRequests++;
    if (counts.problems.length < problemsMax) counts.problems.push(problem);
  };
  let next = 0;
  const startMs = performance.now();
  const lane = async (): Promise<void> => {
    while (next < bodies.length) {
      if (performance.now() > deadlineMs) {
        counts.timedOut = true;
        return;
      }
      const body = bodies[next++]!;
      try {
        const { status, text } = await post(agent, url, path, body.bytes);
        if (status !== 202) {
          fail(`HTTP ${status}: ${text.slice(0, 200)}`);
          continue;
        }
        const reply = JSON.parse(text) as { offset?: unknown; accepted?: unknown };
        const accepted = task.mode === 'single' ? (typeof reply.offset === 'number' ? 1 : 0) : Number(reply.accepted);
        counts.acceptedTxs += accepted;
        counts.refusedTxs += body.txs - accepted;
      } catch (error) {
        fail((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: task.inFlight }, lane));
  return { acceptedTxs: counts.acceptedTxs - acceptedBefore, elapsedMs: performance.now() - startMs };
}

/** Sends each body at its time on the schedule, not waiting for earlier answers. */
async function sendPaced(task: LoadgenTask, agent: Agent, bodies: readonly Body[], counts: Counts, paced: PacedBatch[]): Promise<Round> {
  const url = new URL(task.url);
  const intervalMs = (task.batchTxs * 1000) / task.paceTxsPerSecond!;
  const startMs = performance.now();
  const pending: Promise<void>[] = [];
  for (const [i, body] of bodies.entries()) {
    const dueMs = startMs + i * intervalMs;
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const sentAtMs = Date.now();
    pending.push(
      post(agent, url, '/v1/txs', body.bytes).then(
        ({ status, text }) => {
          if (status !== 202) {
            counts.failedRequests++;
            if (counts.problems.length < problemsMax) counts.problems.push(`HTTP ${status}: ${text.slice(0, 200)}`);
            return;
          }
          const reply = JSON.parse(text) as { accepted: number; results: { offset?: number }[] };
          counts.acceptedTxs += reply.accepted;
          counts.refusedTxs += body.txs - reply.accepted;
          paced.push({ sentAtMs, lastOffset: Math.max(...reply.results.map((r) => r.offset ?? -1)) });
        },
        (error: Error) => {
          counts.failedRequests++;
          if (counts.problems.length < problemsMax) counts.problems.push(error.message);
        },
      ),
    );
  }
  await Promise.all(pending);
  return { acceptedTxs: counts.acceptedTxs, elapsedMs: performance.now() - startMs };
}

async function main(task: LoadgenTask): Promise<LoadgenResult> {
  const prepareStartMs = performance.now();
  const keys = makeKeys(task.keys);
  const warmup = prepare(task, keys, task.warmupTxs);
  const timed = Array.from({ length: task.rounds }, () => prepare(task, keys, task.txsPerRound));
  const prepareMs = performance.now() - prepareStartMs;
  const agent = new Agent({ keepAlive: true, maxSockets: task.inFlight });
  try {
    await send(task, agent, warmup, performance.now() + task.timeLimitMs, { acceptedTxs: 0, refusedTxs: 0, failedRequests: 0, timedOut: false, problems: [] });
    // The parent samples the node's CPU use between `timed` and the result.
    await new Promise<void>((resolve, reject) =>
      process.send!({ type: 'timed' } satisfies LoadgenMessage, (error: Error | null) => (error ? reject(error) : resolve())),
    );
    const counts: Counts = { acceptedTxs: 0, refusedTxs: 0, failedRequests: 0, timedOut: false, problems: [] };
    const cpuBefore = process.cpuUsage();
    const deadlineMs = performance.now() + task.timeLimitMs;
    const rounds: Round[] = [];
    const paced: PacedBatch[] = [];
    for (const bodies of timed) {
      rounds.push(
        task.paceTxsPerSecond === undefined ? await send(task, agent, bodies, deadlineMs, counts) : await sendPaced(task, agent, bodies, counts, paced),
      );
    }
    const { user, system } = process.cpuUsage(cpuBefore);
    return { ...counts, rounds, prepareMs, cpuMs: (user + system) / 1000, ...(task.paceTxsPerSecond === undefined ? {} : { paced }) };
  } finally {
    agent.destroy();
  }
}

process.once('message', (task: LoadgenTask) => {
  main(task).then(
    (result) => process.send!({ type: 'result', result } satisfies LoadgenMessage, () => process.disconnect()),
    (error: unknown) =>
      process.send!({ type: 'error', message: String((error as Error)?.stack ?? error) } satisfies LoadgenMessage, () => process.disconnect()),
  );
});
