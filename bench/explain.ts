// explain.ms: one explanation (GET /v1/requests/<id>/explain's pure part, explainRequest) on a
// chain with 10,000 open requests, and explain.job.ms for a job (explainJob, which walks the
// deadline index for the job's next deadlines). The chain is folded through createChain, as a
// node folds it, so the read models the explanations read are the node's.
import { sign } from 'node:crypto';
import { createChain, explainJob, explainRequest, parseGenesis, type Chain, type ExplainInput } from '../actors/index.ts';
import { decodeTxRecord, encodeTxRecord, signedBytesOf, withSig, type CheckedRecord } from '../log/index.ts';
import type { GenesisInput, Op, UnsignedTx } from '../schemas/index.ts';
import { median, type Figure } from './measure.ts';
import { makeKeys, type SigningKey } from './txFixtures.ts';

const chain = 'ain-bench-explain';
const requestCount = 10_000;
const jobCount = 4;
const evaluatorsPerJob = 25;
const workersPerJob = 75;
const clientCount = 200;
const blockTxsMax = 2000;
const timeLimitMs = 3_600_000;
const callsPerRun = 2000;
const runs = 5;

/** Signs ops in order (nonces per signer) and closes them into blocks a second of block time apart. */
class Script {
  readonly blocks: { time: number; records: CheckedRecord[] }[] = [];
  #pending: CheckedRecord[] = [];
  #nonces = new Map<string, number>();
  #offset = 0;
  time = 1000;

  add(from: SigningKey, op: Op): string {
    const nonce = (this.#nonces.get(from.pair.address) ?? 0) + 1;
    this.#nonces.set(from.pair.address, nonce);
    const unsigned: UnsignedTx = { v: 1, chain, shard: '/', from: from.pair.address, nonce, time: this.time, op, pub: from.pair.publicKey };
    const record = decodeTxRecord(this.#offset++, encodeTxRecord(withSig(unsigned, sign(null, signedBytesOf(unsigned), from.privateKey).toString('hex'))));
    this.#pending.push({ record, verdict: null });
    return record.hash;
  }

  cut(): void {
    for (let at = 0; at < this.#pending.length; at += blockTxsMax) {
      this.blocks.push({ time: this.time, records: this.#pending.slice(at, at + blockTxsMax) });
      this.time += 1000;
    }
    this.#pending = [];
  }
}

/**
 * 4 jobs of 25 evaluators and 75 workers (workers report their machine; each job needs 2 CPUs,
 * and every tenth worker reported 1); 10,000 requests: a quarter with no evaluator yet, a
 * quarter with an evaluator and no worker, half running with 2 or 3 workers; one in ten with a
 * refused acceptJob. Every request stays open (its time limit is an hour of block time).
 */
function buildChain(): { chain: Chain; requests: string[]; jobs: string[] } {
  const owner = makeKeys(1)[0]!;
  const admins = makeKeys(jobCount);
  const evaluators = admins.map(() => makeKeys(evaluatorsPerJob));
  const workers = admins.map(() => makeKeys(workersPerJob));
  const clients = makeKeys(clientCount);
  const everyone = [owner, ...admins, ...evaluators.flat(), ...workers.flat(), ...clients];
  const genesis: GenesisInput = {
    chain,
    owner: owner.pair.address,
    accounts: Object.fromEntries(everyone.map((k) => [k.pair.address, { balance: '1000000', stake: k === owner ? '1000' : '0' }])),
    proposers: [owner.pair.address],
    block: { maxTxs: blockTxsMax },
    jobs: { maxTimeLimitMs: timeLimitMs },
  };
  const script = new Script();
  const jobs = admins.map((admin) =>
    script.add(admin, {
      type: 'registerJob',
      job_specification: 'syntax = "proto3"; message Req { double y = 1; }',
      challenge_fee: '5',
      requirements: { cpu: 2 },
    }),
  );
  for (const [j, job] of jobs.entries()) {
    for (const e of evaluators[j]!) script.add(e, { type: 'applyJob', job_id: job, role: 'evaluator' });
    for (const [i, w] of workers[j]!.entries()) script.add(w, { type: 'applyJob', job_id: job, role: 'worker', machine: { cpu: i % 10 === 0 ? 1 : 4 } });
    for (const e of evaluators[j]!) script.add(admins[j]!, { type: 'approveNode', job_id: job, node: e.pair.address, role: 'evaluator' });
    for (const w of workers[j]!) script.add(admins[j]!, { type: 'approveNode', job_id: job, node: w.pair.address, role: 'worker' });
  }
  script.cut();
  const requests = Array.from({ length: requestCount }, (_, i) =>
    script.add(clients[i % clientCount]!, {
      type: 'requestJob',
      job_id: jobs[i % jobCount]!,
      job_input: { y: i },
      reward: ['10', '10'],
      time_limit: timeLimitMs,
    }),
  );
  script.cut();
  for (const [i, request] of requests.entries()) {
    const j = i % jobCount;
    const slot = Math.floor(i / jobCount);
    if (i % 10 === 1) script.add(workers[j]![slot % workersPerJob]!, { type: 'acceptJob', request_id: request, role: 'worker' }); // refused: no evaluator yet
    if (i % 4 !== 0) script.add(evaluators[j]![slot % evaluatorsPerJob]!, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  }
  script.cut();
  for (const [i, request] of requests.entries()) {
    if (i % 4 < 2) continue;
    const j = i % jobCount;
    const slot = Math.floor(i / jobCount);
    for (let t = 0; t < 2 + (i % 2); t++) script.add(workers[j]![(slot * 3 + t) % workersPerJob]!, { type: 'acceptJob', request_id: request, role: 'worker' });
  }
  script.cut();
  const folded = createChain({ genesis: parseGenesis(genesis) });
  for (const block of script.blocks) folded.close(block.records, { time: block.time });
  return { chain: folded, requests, jobs };
}

/** Milliseconds per call of `explain` over `ids`, taken in turn; the median of several runs. */
function timePerCall(ids: readonly string[], calls: number, explain: (id: string) => unknown): { ms: number; samples: number[] } {
  for (let i = 0; i < Math.min(calls, 200); i++) explain(ids[i % ids.length]!); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) {
      if (explain(ids[(r * calls + i) % ids.length]!) === null) throw new Error('explain bench: an id was not explained');
    }
    samples.push((performance.now() - start) / calls);
  }
  return { ms: median(samples), samples };
}

export async function benchExplain(): Promise<Figure[]> {
  const prepareStart = performance.now();
  const { chain: folded, requests, jobs } = buildChain();
  const prepareMs = performance.now() - prepareStart;
  const input: ExplainInput = { tree: folded.ledger.tree, height: folded.ledger.height, readModels: folded.readModels, time: folded.position.prevTime };
  const open = folded.readModels.dashboard.jobs[jobs[0]!]!.openRequests * jobCount;
  if (open !== requestCount) throw new Error(`explain bench: ${open} requests are open, not ${requestCount}`);
  const states = new Map<string, number>();
  for (const id of requests) {
    const state = explainRequest(input, id)!.state;
    states.set(state, (states.get(state) ?? 0) + 1);
  }
  const request = timePerCall(requests, callsPerRun, (id) => explainRequest(input, id));
  const job = timePerCall(jobs, 50, (id) => explainJob(input, id));
  const mix = [...states].map(([state, n]) => `${n.toLocaleString('en-US')} ${state}`).join(', ');
  const over = `${requestCount.toLocaleString('en-US')} open requests (${mix}) in ${jobCount} jobs of ${evaluatorsPerJob} evaluators and ${workersPerJob} workers, folded through createChain (${Math.round(prepareMs / 1000)} s to sign and fold, untimed)`;
  return [
    {
      name: 'explain.ms',
      value: request.ms,
      unit: 'ms/call',
      samples: request.samples,
      note: `explainRequest per call, ${callsPerRun} calls a run over the requests in turn, median of ${runs} runs; ${over}`,
    },
    {
      name: 'explain.job.ms',
      value: job.ms,
      unit: 'ms/call',
      samples: job.samples,
      note: `explainJob per call (its nodes, and its next deadlines from the ledger's deadline index), 50 calls a run, median of ${runs} runs; same chain`,
    },
  ];
}
