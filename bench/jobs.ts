// The job protocol's fold figures over a mix of the 11 job ops driving 10,000 concurrent requests
// from request to settlement: applyBlock's rate alone (jobs.fold), the whole chain step's rate
// (jobs.chainStep: createChain's close, i.e. txRoot, applyBlock, the header hash and the reputation
// and dashboard folds), and heap per open request.
import { createHash, sign, type KeyObject } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { applyBlock, createChain, createLedger, devBandwidth, parseGenesis, readRequest, type BlockResult, type Ledger } from '../actors/index.ts';
import {
  blockHashOf,
  decodeTxRecord,
  encodeTxRecord,
  keyPairFromSeed,
  merkleRoot,
  privateKeyObject,
  signedBytesOf,
  type CheckedRecord,
  type KeyPair,
  type TxRecord,
} from '../log/index.ts';
import { accountsPath, readEscrow, readSupply } from '../projections/index.ts';
import type { Genesis, GenesisInput, Op, Tx, UnsignedTx } from '../schemas/index.ts';
import { median, type Figure } from './measure.ts';

const chain = 'ain-bench-jobs';
const requestCount = 10_000;
const jobCount = 4;
const evaluatorsPerJob = 25;
const workersPerJob = 75;
const spareWorkersPerJob = 5; // approved, then dropped: their late acceptJob is refused
const clientCount = 200;
const blockTxsMax = 2000;
const blockIntervalMs = 1000;
const timeLimitMs = 600_000;
// Runs of each kind, alternating (fold, chain step, fold, …) so a shared machine's drift hits both alike. Each
// folds ~92,000 txs on a fresh ledger: long enough that JIT warm-up is noise, so no warm-up run.
const runs = 3;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Party {
  readonly pair: KeyPair;
  readonly key: KeyObject;
}

function party(name: string): Party {
  const pair = keyPairFromSeed(createHash('sha256').update(`ain bench jobs ${name}`).digest('hex'));
  return { pair, key: privateKeyObject(pair.privateKey) };
}

/** A block as prepared outside the timing: decoded records and the codes they must come to. */
interface PlannedBlock {
  readonly phase: string;
  readonly time: number;
  readonly txs: readonly TxRecord[];
  /** The records as the chain takes them, signature checks passed (verdict null). */
  readonly checked: readonly CheckedRecord[];
  /** The same verdicts as applyBlock takes them. */
  readonly checks: readonly null[];
  /** Merkle roots of the records' hashes and of their bytes, for the header applyBlock alone is given. */
  readonly txRoot: string;
  readonly recordsRoot: string;
  readonly expected: readonly string[];
}

/** Signs ops in fold order (nonces per signer), then cuts them into blocks a second of block time apart. */
class JobScript {
  readonly blocks: PlannedBlock[] = [];
  readonly ops = new Map<string, number>();
  time = blockIntervalMs;
  #pending: { record: TxRecord; expected: string }[] = [];
  #nonces = new Map<string, number>();
  #offset = 0;

  /** Adds a signed tx; returns its hash (the id of the job or request it makes). */
  add(from: Party, op: Op, expected = 'ok'): string {
    const nonce = (this.#nonces.get(from.pair.address) ?? 0) + 1;
    this.#nonces.set(from.pair.address, nonce);
    const unsigned: UnsignedTx = { v: 1, chain, shard: '/', from: from.pair.address, nonce, time: this.time, op, pub: from.pair.publicKey };
    const tx: Tx = { ...unsigned, sig: sign(null, signedBytesOf(unsigned), from.key).toString('hex') };
    const record = decodeTxRecord(this.#offset++, encodeTxRecord(tx));
    if (record.tx === null) throw new Error(`jobs bench: a ${op.type} tx did not decode`);
    this.#pending.push({ record, expected });
    this.ops.set(op.type, (this.ops.get(op.type) ?? 0) + 1);
    return record.hash;
  }

  /** Closes what was added into blocks of `phase`; the next block comes `gapMs` after the last. */
  cut(phase: string, gapMs = blockIntervalMs): void {
    for (let at = 0; at < this.#pending.length; at += blockTxsMax) {
      if (at > 0) this.time += blockIntervalMs;
      const chunk = this.#pending.slice(at, at + blockTxsMax);
      const txs = chunk.map((p) => p.record);
      this.blocks.push({
        phase,
        time: this.time,
        txs,
        checked: txs.map((record) => ({ record, verdict: null })),
        checks: txs.map(() => null),
        txRoot: merkleRoot(txs.map((t) => t.hash)),
        recordsRoot: merkleRoot(txs.map((t) => t.ref)),
        expected: chunk.map((p) => p.expected),
      });
    }
    this.#pending = [];
    this.time += gapMs;
  }
}

interface World {
  readonly genesis: GenesisInput;
  readonly script: JobScript;
  readonly requests: readonly string[];
  /** Blocks [openFrom, openTo) open the requests and staff them: the heap is measured across them. */
  readonly openFrom: number;
  readonly openTo: number;
}

/**
 * The script: jobs registered and staffed; 10,000 requests each taken by an evaluator and 2 or 3
 * workers who all submit; block time jumps past the time limits; every request ranked; 90%
 * accepted, 10% challenged (half upheld, half rejected then accepted); 20 spare nodes dropped.
 */
function buildWorld(): World {
  const owner = party('owner');
  const admins = Array.from({ length: jobCount }, (_, j) => party(`admin ${j}`));
  const evaluators = admins.map((_, j) => Array.from({ length: evaluatorsPerJob }, (_, i) => party(`evaluator ${j} ${i}`)));
  const workers = admins.map((_, j) => Array.from({ length: workersPerJob }, (_, i) => party(`worker ${j} ${i}`)));
  const spares = admins.map((_, j) => Array.from({ length: spareWorkersPerJob }, (_, i) => party(`spare ${j} ${i}`)));
  const clients = Array.from({ length: clientCount }, (_, i) => party(`client ${i}`));
  const everyone = [owner, ...admins, ...evaluators.flat(), ...workers.flat(), ...spares.flat(), ...clients];
  const genesis: GenesisInput = {
    chain,
    owner: owner.pair.address,
    accounts: Object.fromEntries(everyone.map((p) => [p.pair.address, { balance: '1000000', stake: p === owner ? '1000' : '0' }])),
    proposers: [owner.pair.address],
    block: { maxTxs: blockTxsMax },
    jobs: { claimWindowMs: 60_000, rankWindowMs: 60_000, resolveWindowMs: 300_000, maxChallenges: 2, maxTimeLimitMs: timeLimitMs },
    // The budgets of a dev genesis: every tx is counted, none refused (each party holds enough for its share).
    bandwidth: devBandwidth,
  };

  const script = new JobScript();
  const jobs = admins.map((admin) =>
    script.add(admin, { type: 'registerJob', job_specification: 'syntax = "proto3"; message Req { double y = 1; }', fee: '3', challenge_fee: '5' }),
  );
  for (const [j, job] of jobs.entries()) {
    const staff = [...evaluators[j]!.map((p) => [p, 'evaluator'] as const), ...[...workers[j]!, ...spares[j]!].map((p) => [p, 'worker'] as const)];
    for (const [p, role] of staff) script.add(p, { type: 'applyJob', job_id: job, role });
    for (const [p, role] of staff) script.add(admins[j]!, { type: 'approveNode', job_id: job, node: p.pair.address, role });
  }
  script.cut('registerJob, applyJob, approveNode');

  const plan = Array.from({ length: requestCount }, (_, i) => {
    const j = i % jobCount;
    const slot = Math.floor(i / jobCount);
    const crew = Array.from({ length: 2 + (i % 2) }, (_, t) => workers[j]![(slot * 3 + t) % workersPerJob]!);
    return { j, client: clients[i % clientCount]!, evaluator: evaluators[j]![slot % evaluatorsPerJob]!, crew };
  });
  const openFrom = script.blocks.length;
  const rewardFunctions = ['ranked', 'even', 'winnerOnly'] as const;
  const requests = plan.map(({ j, client }, i) =>
    script.add(client, {
      type: 'requestJob',
      job_id: jobs[j]!,
      job_input: { y: i },
      reward: ['10', '10'],
      reward_function: rewardFunctions[i % 3],
      ...(rewardFunctions[i % 3] === 'ranked' ? { reward_weights: [2, 1] } : {}),
      time_limit: timeLimitMs,
    }),
  );
  script.cut('requestJob');
  for (const [i, { evaluator }] of plan.entries()) script.add(evaluator, { type: 'acceptJob', request_id: requests[i]!, role: 'evaluator', deposit: '20' });
  script.cut('acceptJob (evaluator)');
  const lastEvaluatorTime = script.time - blockIntervalMs;
  for (const [i, { crew }] of plan.entries()) for (const w of crew) script.add(w, { type: 'acceptJob', request_id: requests[i]!, role: 'worker' });
  for (const [j, group] of spares.entries()) {
    for (const [s, spare] of group.entries()) {
      script.add(admins[j]!, { type: 'drop', job_id: jobs[j]!, node: spare.pair.address });
      script.add(spare, { type: 'acceptJob', request_id: requests[j + s * jobCount]!, role: 'worker' }, 'NOT_APPROVED');
    }
  }
  script.cut('acceptJob (worker), drop');
  const openTo = script.blocks.length;
  for (const [i, { crew }] of plan.entries()) for (const w of crew) script.add(w, { type: 'submitResult', request_id: requests[i]!, result: { x: i } });
  // The first rank block's time reaches every time limit: its fold opens 10,000 rankings first.
  const jumpMs = lastEvaluatorTime + timeLimitMs - script.time;
  if (jumpMs <= 0) throw new Error('jobs bench: the time limit passed before every worker submitted; raise timeLimitMs');
  script.cut('submitResult', jumpMs);
  for (const [i, { evaluator, crew }] of plan.entries())
    script.add(evaluator, { type: 'rank', request_id: requests[i]!, ranking: crew.map((w) => w.pair.address).reverse() });
  script.cut('rank');
  const challenged = (i: number) => i % 10 === 9;
  for (const [i, { client }] of plan.entries()) {
    script.add(client, challenged(i) ? { type: 'challenge', request_id: requests[i]!, reason: 'bench' } : { type: 'acceptResult', request_id: requests[i]! });
  }
  script.cut('acceptResult, challenge');
  const upheld = (i: number) => i % 20 === 19;
  for (const [i, { j }] of plan.entries()) if (challenged(i)) script.add(admins[j]!, { type: 'resolveChallenge', request_id: requests[i]!, uphold: upheld(i) });
  for (const [i, { client }] of plan.entries()) if (challenged(i) && !upheld(i)) script.add(client, { type: 'acceptResult', request_id: requests[i]! });
  script.cut('resolveChallenge, acceptResult');
  return { genesis, script, requests, openFrom, openTo };
}

interface RunResult {
  readonly elapsedMs: number;
  readonly phaseMs: ReadonlyMap<string, number>;
  readonly bytesPerRequest: number;
  /** The state root after the last block: every run of either kind must reach the same one. */
  readonly stateRoot: string;
}

/** One way to fold the script's blocks, timing only the work its figure names. */
interface Folder {
  readonly ledger: Ledger;
  /** Folds the next block; returns what it came to and the milliseconds timed. */
  fold(block: PlannedBlock): { readonly result: BlockResult; readonly ms: number };
}

/** jobs.fold: applyBlock alone; the header is built and hashed outside the timing. */
function applyBlockFolder(genesis: Genesis): Folder {
  const ledger = createLedger(genesis);
  let prevHash = ledger.genesisHash;
  return {
    ledger,
    fold(block) {
      const header = {
        chain,
        shard: '/',
        height: ledger.height + 1,
        prevHash,
        txRoot: block.txRoot,
        recordsRoot: block.recordsRoot,
        time: block.time,
        proposer: genesis.proposers[0]!,
        firstOffset: block.txs[0]!.offset,
        lastOffset: block.txs.at(-1)!.offset,
      };
      const start = performance.now();
      const result = applyBlock(ledger, { header, txs: block.txs, checks: block.checks });
      const ms = performance.now() - start;
      prevHash = blockHashOf({ ...header, stateRoot: result.stateRoot, outcomeRoot: result.outcomeRoot });
      return { result, ms };
    },
  };
}

/** jobs.chainStep: the whole step a node's follower runs (createChain's close), all of it timed. */
function chainStepFolder(genesis: Genesis): Folder {
  const steps = createChain({ genesis });
  return {
    ledger: steps.ledger,
    fold(block) {
      const start = performance.now();
      const { result } = steps.close(block.checked, { time: block.time });
      return { result, ms: performance.now() - start };
    },
  };
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Folds the script from genesis with a fresh folder, timing what it times; checks every outcome and the money. */
function runOnce(world: World, folder: Folder): RunResult {
  const { ledger } = folder;
  const { blocks } = world.script;
  const phaseMs = new Map<string, number>();
  let elapsedMs = 0;
  let heapBefore = 0;
  let heapOpen = 0;
  for (const [index, block] of blocks.entries()) {
    if (index === world.openFrom) heapBefore = heapAfterGc();
    const { result, ms } = folder.fold(block);
    elapsedMs += ms;
    phaseMs.set(block.phase, (phaseMs.get(block.phase) ?? 0) + ms);
    for (const [i, outcome] of result.outcomes.entries()) {
      if (outcome.code !== block.expected[i]) {
        const message = 'message' in outcome ? `: ${String(outcome.message)}` : '';
        throw new Error(
          `jobs bench: ${block.txs[i]!.tx!.op.type} in block ${index + 1} (${block.phase}) came to ${outcome.code}, not ${block.expected[i]}${message}`,
        );
      }
    }
    if (index + 1 === world.openTo) heapOpen = heapAfterGc();
  }
  checkSettled(ledger, world);
  return { elapsedMs, phaseMs, bytesPerRequest: (heapOpen - heapBefore) / requestCount, stateRoot: ledger.tree.root() };
}

/** Every request final as planned, nothing left in escrow, and the supply where it was. */
function checkSettled(ledger: Ledger, world: World): void {
  const states = new Map<string, number>();
  for (const id of world.requests) {
    const state = readRequest(ledger.tree, id)?.state ?? 'missing';
    states.set(state, (states.get(state) ?? 0) + 1);
  }
  const expectedRefunded = requestCount / 20;
  if (states.get('settled') !== requestCount - expectedRefunded || states.get('refunded') !== expectedRefunded) {
    throw new Error(
      `jobs bench: requests ended ${JSON.stringify(Object.fromEntries(states))}, not ${requestCount - expectedRefunded} settled and ${expectedRefunded} refunded`,
    );
  }
  const accounts = (ledger.tree.get(accountsPath) ?? {}) as Record<string, { balance?: string; stake?: string; unbonding?: string }>;
  let total = 0n;
  for (const a of Object.values(accounts)) total += BigInt(a.balance ?? '0') + BigInt(a.stake ?? '0') + BigInt(a.unbonding ?? '0');
  const escrow = readEscrow(ledger.tree);
  if (escrow !== 0n) throw new Error(`jobs bench: ${escrow} AIN left in escrow after every request ended`);
  if (total + escrow !== readSupply(ledger.tree))
    throw new Error(`jobs bench: accounts hold ${total} AIN and escrow ${escrow}, but the supply is ${readSupply(ledger.tree)}`);
}

/** The median run of several: its rate and the run itself. */
function medianRun(results: readonly RunResult[], txCount: number): { readonly rate: number; readonly samples: number[]; readonly run: RunResult } {
  const samples = results.map((r) => (txCount * 1000) / r.elapsedMs);
  const rate = median(samples);
  return { rate, samples, run: results[samples.indexOf(rate)] ?? results[0]! };
}

export async function benchJobs(): Promise<Figure[]> {
  const prepareStart = performance.now();
  const world = buildWorld();
  const prepareMs = performance.now() - prepareStart;
  const { blocks, ops } = world.script;
  const genesis = parseGenesis(world.genesis);
  const txCount = blocks.reduce((n, b) => n + b.txs.length, 0);
  const foldResults: RunResult[] = [];
  const stepResults: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    foldResults.push(runOnce(world, applyBlockFolder(genesis)));
    stepResults.push(runOnce(world, chainStepFolder(genesis)));
  }
  const roots = new Set([...foldResults, ...stepResults].map((r) => r.stateRoot));
  if (roots.size !== 1) throw new Error(`jobs bench: the runs ended on ${roots.size} different state roots, not one`);
  const fold = medianRun(foldResults, txCount);
  const step = medianRun(stepResults, txCount);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const phaseTxs = new Map<string, number>();
  for (const b of blocks) phaseTxs.set(b.phase, (phaseTxs.get(b.phase) ?? 0) + b.txs.length);
  const phases = [...phaseTxs].map(([phase, n]) => `${phase} ${fmt((n * 1000) / fold.run.phaseMs.get(phase)!)}/s`).join(', ');
  const mix = [...ops].map(([type, n]) => `${type} ${fmt(n)}`).join(', ');
  const over = `over ${fmt(txCount)} job txs in ${blocks.length} blocks of ≤ ${fmt(blockTxsMax)} (${fmt(requestCount)} concurrent requests to settlement, incl. ${fmt(requestCount)} deadline steps at the first rank block), records pre-decoded and signature checks passed in as null`;
  const how = `median of ${runs} runs, each from genesis, alternating with the other figure's runs; ${Math.round(prepareMs / 1000)} s to sign and decode, untimed`;
  const stepBytes = median(stepResults.map((r) => r.bytesPerRequest));
  return [
    {
      name: 'jobs.fold',
      value: fold.rate,
      unit: 'txs/s',
      samples: fold.samples,
      note: `applyBlock alone (the header built and hashed untimed) ${over}; ${how}`,
    },
    {
      name: 'jobs.chainStep',
      value: step.rate,
      unit: 'txs/s',
      samples: step.samples,
      note: `the whole chain step a node runs per block (createChain's close: txRoot, applyBlock, header hash, reputation and dashboard folds) ${over}; ${how}; ${(step.rate / fold.rate).toFixed(3)} of jobs.fold`,
    },
    { name: 'jobs.fold.ops', value: txCount, unit: 'txs', note: `mix: ${mix}; applyBlock alone by phase (median run): ${phases}` },
    {
      name: 'jobs.memory.perJob',
      value: median(foldResults.map((r) => r.bytesPerRequest)),
      unit: 'bytes',
      samples: foldResults.map((r) => r.bytesPerRequest),
      note: `heapUsed growth of the ledger (applyBlock alone), measured after gc() (exposed with v8.setFlagsFromString('--expose-gc'), as in bench/state.ts), across requestJob + acceptJob of ${fmt(requestCount)} requests (evaluator and 2-3 workers each), divided by ${fmt(requestCount)}; before any settles. The chain step, read models included: ${fmt(stepBytes)} bytes`,
    },
  ];
}
